// sink_slot_share (docs/metrics.md, "Sink slot"): with a learned sink logit
// per head in the softmax denominator, a row of attn_pattern sums to less than
// 1; what is missing went to the sink slot, a place to put attention that is
// not a token. Its share is the mean of that missing mass over the queries.
#include "analysis/analysis.h"
#include "analysis/detail.h"

#include <cmath>

namespace ss {
using analysis_detail::layer_tap;

namespace {
// Without the pattern (the compact taps, analysis/pattern.h): the slot's
// share of row i is its softmax term itself, exp(sink_logit - lse_i), since
// lse includes the slot. out [H].
void missing_from_lse(const Model& model, const Taps& taps, int l, int T, float* out) {
  const Tensor* lse = layer_tap(taps, l, "attn_lse");  // [T, H]
  const int H = model.config.n_heads;
  if (!lse || lse->rank() != 2 || lse->dim(0) != T || size_t(l) >= model.weights.layers.size()) return;
  const Tensor& sinks = model.weights.layers[size_t(l)].sink_logits;  // [H]
  if (sinks.numel() != H) return;
  for (int h = 0; h < H; ++h) {
    double total = 0;
    for (int i = 0; i < T; ++i) total += std::exp(double(sinks.data[h]) - lse->data[size_t(i) * H + h]);
    out[h] = float(total / T);
  }
}
}  // namespace

std::vector<float> sink_slot_shares(const Model& model, const Taps& taps, int T) {
  const ModelConfig& c = model.config;
  if (!c.attn_sink_logit || T <= 0) return {};
  const int L = c.n_layers, H = c.n_heads;
  std::vector<float> out(size_t(L) * H, 0.f);  // [L * H]
  for (int l = 0; l < L; ++l) {
    const Tensor* A = layer_tap(taps, l, "attn_pattern");  // [H, T, T]
    if (!A || A->dim(1) != T) {
      missing_from_lse(model, taps, l, T, out.data() + size_t(l) * H);
      continue;
    }
    for (int h = 0; h < H; ++h) {
      double total = 0;
      for (int i = 0; i < T; ++i) {
        const float* row = A->ptr() + (size_t(h) * T + i) * T;
        double sum = 0;  // keys 0..i, in ascending order
        for (int j = 0; j <= i; ++j) sum += row[j];
        total += 1.0 - sum;
      }
      out[size_t(l) * H + h] = float(total / T);
    }
  }
  return out;
}

}  // namespace ss
