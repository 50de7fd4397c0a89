#include <algorithm>
#include <limits>
#include "backends/cpu/ops.h"

#include <cmath>
#include <vector>

#include "core/parallel.h"

namespace ss::cpu {

void norm(const Tensor& x, const Tensor& w, const Tensor& b, NormKind kind, float eps, Tensor& y) {
  y = Tensor(x.shape);
  const int64_t n = x.dim(0), d = x.dim(1);
  if (w.empty()) {
    y.data = x.data;
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const float* xi = x.ptr() + i * d;
    float* yi = y.ptr() + i * d;
    if (kind == NormKind::LayerNorm) {
      double mean = 0;
      for (int64_t j = 0; j < d; ++j) mean += xi[j];
      mean /= d;
      double var = 0;
      for (int64_t j = 0; j < d; ++j) var += (xi[j] - mean) * (xi[j] - mean);
      var /= d;
      const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
      for (int64_t j = 0; j < d; ++j)
        yi[j] = (xi[j] - static_cast<float>(mean)) * inv * w.data[j] + (b.empty() ? 0.0f : b.data[j]);
    } else {
      double ms = 0;
      for (int64_t j = 0; j < d; ++j) ms += double(xi[j]) * xi[j];
      ms /= d;
      const float inv = static_cast<float>(1.0 / std::sqrt(ms + eps));
      for (int64_t j = 0; j < d; ++j) yi[j] = w.data[j] * (xi[j] * inv);
    }
  }
}

void rope(Tensor& x, int heads, int dh, int rotary_dim, float theta, const std::vector<float>& explicit_freq,
          int64_t pos0) {
  const int64_t n = x.dim(0);
  const int half = rotary_dim / 2;
  // inv_freq[i] = theta^(-2i / rotary_dim), computed in float like HF.
  std::vector<float> inv_freq(half);
  for (int i = 0; i < half; ++i)
    inv_freq[i] = static_cast<int>(explicit_freq.size()) == half
                      ? explicit_freq[i]
                      : 1.0f / std::pow(theta, static_cast<float>(2 * i) / static_cast<float>(rotary_dim));
  std::vector<float> c(half), s(half);
  for (int64_t r = 0; r < n; ++r) {
    const float pos = static_cast<float>(pos0 + r);
    for (int i = 0; i < half; ++i) {
      const float a = pos * inv_freq[i];
      c[i] = std::cos(a), s[i] = std::sin(a);
    }
    for (int h = 0; h < heads; ++h) {
      float* v = x.ptr() + (r * heads + h) * dh;
      for (int i = 0; i < half; ++i) {
        const float x1 = v[i], x2 = v[i + half];
        v[i] = x1 * c[i] - x2 * s[i];
        v[i + half] = x2 * c[i] + x1 * s[i];
      }
    }
  }
}

void activate(Tensor& x, Activation act) {
  // Element-wise, so threads take contiguous chunks (exp/erf/tanh per element
  // was a few percent of the forward, run serially between parallel products).
  parallel_for(static_cast<int64_t>(x.data.size()), 4096, [&](int64_t b, int64_t e) {
    for (float* p = x.ptr() + b; p != x.ptr() + e; ++p) {
      float& v = *p;
      switch (act) {
        case Activation::Gelu: v = 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f)); break;
        case Activation::GeluNew: {
          const float k = 0.7978845608028654f;  // sqrt(2/pi)
          v = 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v)));
          break;
        }
        case Activation::Silu: v = v / (1.0f + std::exp(-v)); break;
        case Activation::ReLU: v = v > 0 ? v : 0.0f; break;
      }
    }
  });
}

float softmax_prefix(const float* srow, float* prow, int64_t count) noexcept {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < count; ++j) mx = std::max(mx, srow[j]);
  double sum = 0;
  for (int64_t j = 0; j < count; ++j) sum += prow[j] = std::exp(srow[j] - mx);
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t j = 0; j < count; ++j) prow[j] *= inv;
  return static_cast<float>(double(mx) + std::log(sum));
}

float softmax_prefix_sink(const float* srow, float* prow, int64_t count, float sink) noexcept {
  float mx = sink;
  for (int64_t j = 0; j < count; ++j) mx = std::max(mx, srow[j]);
  double sum = std::exp(double(sink) - mx);
  for (int64_t j = 0; j < count; ++j) sum += prow[j] = std::exp(srow[j] - mx);
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t j = 0; j < count; ++j) prow[j] *= inv;
  return static_cast<float>(double(mx) + std::log(sum));
}

}  // namespace ss::cpu
