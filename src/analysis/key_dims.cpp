// key_dimensions (definitions: key_dims.h, docs/metrics.md). The norm is
// computed as the engine computes it (float, the same order), so the split
// closes on the engine's own keys to float rounding; the rest is float64.
#include "analysis/key_dims.h"
#include "core/tensor_storage.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "analysis/detail.h"

namespace ss {
namespace {
using analysis_detail::kv_group;
using analysis_detail::layer_tap;

// The layer's input norm of one row x [d], as cpu::norm computes it: [d].
std::vector<float> normed_row(const ModelConfig& c, const LayerWeights& w, const float* x) {
  const int d = c.d_model;
  std::vector<float> n(x, x + d);  // [d]  no norm: the row itself
  if (w.ln1_w.empty()) return n;
  if (c.norm == NormKind::LayerNorm) {
    double mean = 0, var = 0;
    for (int j = 0; j < d; ++j) mean += x[j];
    mean /= d;
    for (int j = 0; j < d; ++j) var += (x[j] - mean) * (x[j] - mean);
    const float inv = float(1.0 / std::sqrt(var / d + c.norm_eps));
    for (int j = 0; j < d; ++j)
      n[j] = (x[j] - float(mean)) * inv * w.ln1_w.data[j] + (w.ln1_b.empty() ? 0.f : w.ln1_b.data[j]);
  } else {
    double ms = 0;
    for (int j = 0; j < d; ++j) ms += double(x[j]) * x[j];
    const float inv = float(1.0 / std::sqrt(ms / d + c.norm_eps));
    for (int j = 0; j < d; ++j) n[j] = w.ln1_w.data[j] * (x[j] * inv);
  }
  return n;
}

// u = R_pos^T q: undoes the rotate-half RoPE of position `pos` (the angle the
// engine uses, in float), so that u . k_unrotated = q . R_pos k_unrotated.
void unrotate(const ModelConfig& c, std::vector<double>& u, int pos) {
  if (!uses_rope(c)) return;
  const std::vector<float> freq = rope_frequencies(c);  // [rotary_dim / 2]
  const int half = int(freq.size());
  for (int i = 0; i < half; ++i) {
    const float ang = float(pos) * freq[i];
    const double cs = std::cos(ang), sn = std::sin(ang), a = u[i], b = u[i + half];
    u[i] = a * cs + b * sn;
    u[i + half] = b * cs - a * sn;
  }
}

// The top_n dims by |contribution| (ties: lower dim) with their residual
// values and massive-activation flags (lm: massive_activations of resid_pre).
std::vector<KeyDim> top_dims(const KeyDimensions& kd, const float* x, const std::vector<float>& n, const LayerMassive& lm,
                             int top_n) {
  const int d = int(kd.contribution.size());
  std::vector<int> idx(d);  // [d]
  std::iota(idx.begin(), idx.end(), 0);
  const int k = std::clamp(top_n, 0, d);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) {
    const double ca = std::fabs(kd.contribution[a]), cb = std::fabs(kd.contribution[b]);
    return ca != cb ? ca > cb : a < b;
  });
  std::set<int> over, top;  // dims of the sink's row among the layer's over-threshold / top entries
  for (const MassiveEntry& e : lm.over_threshold) if (e.token == kd.key) over.insert(e.dim);
  for (const MassiveEntry& e : lm.top) if (e.token == kd.key) top.insert(e.dim);
  std::vector<KeyDim> out;
  for (int r = 0; r < k; ++r) {
    const int j = idx[r];
    KeyDim e;
    e.dim = j, e.contribution = kd.contribution[j];
    e.share = kd.sum_abs > 0 ? float(kd.contribution[j] / kd.sum_abs) : 0.f;
    e.x = x[j], e.n = n[j];
    e.ratio_to_median = lm.median_abs > 0 ? std::fabs(x[j]) / lm.median_abs : 3.4e38f;
    e.massive = over.count(j) > 0, e.top_k = top.count(j) > 0;
    out.push_back(e);
  }
  return out;
}

KeyDimensions key_dims_with(const Model& model, const Taps& taps, const Sink& s, const LayerMassive& lm, int top_n) {
  const ModelConfig& c = model.config;
  KeyDimensions kd;
  kd.layer = s.layer, kd.head = s.head, kd.key = s.key;
  const Tensor* q = layer_tap(taps, s.layer, "q");          // [T, H, dh]
  const Tensor* k = layer_tap(taps, s.layer, "k");          // [T, Hkv, dh]
  const Tensor* x = layer_tap(taps, s.layer, "resid_pre");  // [T, d]
  if (!q || !k || !x || size_t(s.layer) >= model.weights.layers.size()) return kd;
  const int T = int(q->dim(0)), H = int(q->dim(1)), dh = int(q->dim(2)), hkv = int(k->dim(1));
  // Q: the queries the sink caught after itself, else every query that sees it.
  auto [b, e] = caught_after(s);
  kd.queries = b < e ? "caught" : "all";
  if (b >= e) b = s.key, e = T;
  kd.n_queries = e - b;
  std::vector<double> qbar(dh, 0.0);  // [dh]  mean query (after RoPE at each query's position)
  const float* ks = k->ptr() + (size_t(s.key) * hkv + kv_group(c, s.head)) * dh;  // [dh]
  double qk = 0;
  for (int i = b; i < e; ++i) {
    const float* qi = q->ptr() + (size_t(i) * H + s.head) * dh;  // [dh]
    for (int j = 0; j < dh; ++j) qbar[j] += double(qi[j]) / kd.n_queries, qk += double(qi[j]) * ks[j];
  }
  const double scale = double(1.0f / std::sqrt(float(c.d_head)));  // the engine's float scale
  kd.score = scale * qk / std::max(kd.n_queries, 1);
  const float* xs = x->ptr() + size_t(s.key) * c.d_model;  // [d]
  kd.contribution = key_contributions(model, s.layer, s.head, qbar.data(), xs, s.key, &kd.bias);
  for (double v : kd.contribution) kd.sum_abs += std::fabs(v);
  kd.top = top_dims(kd, xs, normed_row(c, model.weights.layers[s.layer], xs), lm, top_n);
  return kd;
}

}  // namespace

std::vector<double> key_contributions(const Model& model, int layer, int head, const double* q, const float* x, int pos,
                                      double* bias) {
  const ModelConfig& c = model.config;
  const LayerWeights& w = model.weights.layers[layer];
  const int d = c.d_model, dh = c.d_head, g = kv_group(c, head);
  std::vector<double> u(q, q + dh);  // [dh]  R_pos^T q
  unrotate(c, u, pos);
  const std::vector<float> n = normed_row(c, w, x);  // [d]
  const double scale = double(1.0f / std::sqrt(float(dh)));
  std::vector<double> out(d, 0.0);  // [d]  u . W_K^g[:, j], then times scale * n_j
  std::vector<float> row(d);  // [d]  W_K row g*dh+e (widened if 16-bit)
  for (int e = 0; e < dh; ++e) {
    widen_range(w.wk, (int64_t(g) * dh + e) * d, d, row.data());
    for (int j = 0; j < d; ++j) out[j] += u[e] * row[j];
  }
  for (int j = 0; j < d; ++j) out[j] *= scale * n[j];
  double bk = 0;
  if (!w.bk.empty())
    for (int e = 0; e < dh; ++e) bk += u[e] * w.bk.data[size_t(g) * dh + e];
  if (bias) *bias = scale * bk;
  return out;
}

KeyDimensions key_dimensions(const Model& model, const Taps& taps, const Sink& sink, const AnalysisSettings& st,
                             int top_n) {
  const Tensor* x = layer_tap(taps, sink.layer, "resid_pre");  // [T, d]
  const LayerMassive lm = x ? massive_activations(*x, sink.layer, st) : LayerMassive{};
  return key_dims_with(model, taps, sink, lm, top_n);
}

std::vector<KeyDimensions> all_key_dimensions(const Model& model, const Taps& taps, const Analysis& an,
                                              const AnalysisSettings& st, int top_n) {
  std::map<int, LayerMassive> lm;  // layer -> massive_activations of its resid_pre, once per layer
  std::vector<KeyDimensions> out;
  for (const Sink& s : an.sinks) {
    auto it = lm.find(s.layer);
    if (it == lm.end()) {
      const Tensor* x = layer_tap(taps, s.layer, "resid_pre");  // [T, d]
      it = lm.emplace(s.layer, x ? massive_activations(*x, s.layer, st) : LayerMassive{}).first;
    }
    out.push_back(key_dims_with(model, taps, s, it->second, top_n));
  }
  return out;
}

}  // namespace ss
