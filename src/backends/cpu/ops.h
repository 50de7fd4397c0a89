// Row-wise building blocks of the forward pass, each matching how Hugging
// Face computes it in float32 (so parity holds to 1e-4).
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"

namespace ss::cpu {

// x [n, d] -> y [n, d]; LayerNorm uses b (may be empty), RMSNorm ignores it.
// An empty w means "no norm" (averaging models): y = x.
void norm(const Tensor& x, const Tensor& w, const Tensor& b, NormKind kind, float eps, Tensor& y);

// In place on x [n, heads*dh]: rotate the first rotary_dim dims of each head
// by position pos0 + row (rotate_half convention of HF Llama and NeoX).
// inv_freq: [rotary_dim / 2] explicit frequencies, or empty to derive from theta.
void rope(Tensor& x, int heads, int dh, int rotary_dim, float theta, const std::vector<float>& inv_freq, int64_t pos0);

void activate(Tensor& x, Activation act);

// prow[0, count) = softmax(srow[0, count)), summed in double in key order
// (the causal row of a query that sees `count` keys; the rest is untouched).
// Returns the row's log-sum-exp (max + log of the sum), so that any entry is
// exp(srow[j] - lse): what a pattern recomputed from q and k needs.
float softmax_prefix(const float* srow, float* prow, int64_t count) noexcept;
// The same with one more logit in the row that takes its share and is
// dropped (a learned per-head sink logit): prow sums to less than 1. The
// log-sum-exp returned includes the sink's term.
float softmax_prefix_sink(const float* srow, float* prow, int64_t count, float sink) noexcept;

}  // namespace ss::cpu
