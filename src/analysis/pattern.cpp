// LayerPattern: see pattern.h. The score is computed the way the CPU backend
// does (scale after the product, then the cap), so a recomputed entry differs
// from the kept one by float rounding of the dot product's order only.
#include "analysis/pattern.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "analysis/detail.h"
#include "backends/cpu/kernels.h"

namespace ss {

using analysis_detail::layer_tap;

LayerPattern::LayerPattern(const Model& model, const Taps& taps, int layer) {
  const ModelConfig& c = model.config;
  H_ = c.n_heads;
  if ((A_ = layer_tap(taps, layer, "attn_pattern")) && A_->rank() == 3) {
    T_ = int(A_->dim(1));
    return;
  }
  A_ = nullptr;
  q_ = layer_tap(taps, layer, "q"), k_ = layer_tap(taps, layer, "k"), lse_ = layer_tap(taps, layer, "attn_lse");
  if (!q_ || !k_ || !lse_ || q_->rank() != 3 || k_->rank() != 3 || lse_->rank() != 2) {
    q_ = k_ = lse_ = nullptr;
    return;
  }
  T_ = int(q_->dim(0)), dh_ = int(q_->dim(2)), Hkv_ = int(k_->dim(1));
  group_ = Hkv_ > 0 ? std::max(1, H_ / Hkv_) : 1;
  window_ = attention_window(c, layer);
  scale_ = attention_scale(c);
  softcap_ = c.attn_softcap;
}

float LayerPattern::capped(float dot) const {
  float s = dot * scale_;
  if (softcap_ > 0) s = softcap_ * std::tanh(s / softcap_);
  return s;
}

float LayerPattern::score(int h, int i, int j) const {
  const float* qi = q_->ptr() + (size_t(i) * H_ + h) * dh_;             // [dh]
  const float* kj = k_->ptr() + (size_t(j) * Hkv_ + h / group_) * dh_;  // [dh]
  return capped(cpu::dot(qi, kj, dh_));
}

float LayerPattern::at(int h, int i, int j) const {
  if (A_) return A_->data[(size_t(h) * T_ + i) * T_ + j];
  if (!ok() || !sees(i, j)) return 0.f;
  return std::exp(score(h, i, j) - lse_->data[size_t(i) * H_ + h]);
}

void LayerPattern::rows(int h, int i0, int i1, float* out) const {
  if (A_) {
    std::copy_n(A_->ptr() + (size_t(h) * T_ + i0) * T_, size_t(i1 - i0) * T_, out);
    return;
  }
  std::fill_n(out, size_t(i1 - i0) * T_, 0.f);
  if (!ok() || i1 <= i0) return;
  // The products through cpu::linear, as the backend's attend_many computes
  // them: Qh [m, dh] of the rows, Kg [i1, dh] of the keys they can see.
  const int m = i1 - i0, g = h / group_;
  std::vector<float> qh(size_t(m) * dh_), kg(size_t(i1) * dh_), s(size_t(m) * i1);  // [m, dh] [i1, dh] [m, i1]
  for (int i = 0; i < m; ++i) std::copy_n(q_->ptr() + (size_t(i0 + i) * H_ + h) * dh_, dh_, qh.data() + size_t(i) * dh_);
  for (int j = 0; j < i1; ++j) std::copy_n(k_->ptr() + (size_t(j) * Hkv_ + g) * dh_, dh_, kg.data() + size_t(j) * dh_);
  cpu::linear(qh.data(), m, dh_, kg.data(), i1, nullptr, s.data());
  for (int i = i0; i < i1; ++i) {
    float* row = out + size_t(i - i0) * T_;  // [T]
    const float* si = s.data() + size_t(i - i0) * i1;  // [i1]
    const float lse = lse_->data[size_t(i) * H_ + h];
    const int lo = window_ > 0 ? std::max(0, i - window_ + 1) : 0;
    for (int j = lo; j <= i; ++j) row[j] = std::exp(capped(si[j]) - lse);
  }
}

std::vector<float> LayerPattern::column(int h, int key) const {
  std::vector<float> col(size_t(T_), 0.f);  // [T]
  for (int i = key; i < T_; ++i) col[size_t(i)] = at(h, i, key);
  return col;
}

const float* LayerPattern::head(int h, std::vector<float>& scratch) const {
  if (A_) return A_->ptr() + size_t(h) * T_ * T_;
  scratch.resize(size_t(T_) * T_);
  rows(h, 0, T_, scratch.data());
  return scratch.data();
}

int taps_length(const Taps& taps) {
  if (const Tensor* a = taps.get("blocks.0.attn_pattern"); a && a->rank() == 3) return int(a->dim(1));
  if (const Tensor* s = taps.get("blocks.0.attn_lse"); s && s->rank() == 2) return int(s->dim(0));
  if (const Tensor* lg = taps.get("logits"); lg && lg->rank() == 2) return int(lg->dim(0));
  return 0;
}

}  // namespace ss
