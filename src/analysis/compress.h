// Compression (paper v1 / OATS): low-rank keeps sinks, pure magnitude pruning
// breaks them. Each function returns a new Model with Weights.version bumped
// (the engine's cache key), leaving the input untouched.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/analysis.h"
#include "engine/backend.h"

namespace ss {

// Best rank-r approximation (truncated SVD, Eckart-Young) of W [m, n].
Tensor lowrank(const Tensor& W, int r);
// Magnitude pruning: the round(p * numel) entries of smallest |w| set to 0
// (ties: lower index pruned first).
Tensor sparse(const Tensor& W, float p);
// OATS budget rule: the rank that costs `ratio` of what sparsity p keeps,
// r = ratio * (1 - p) * m n / (m + n), floored, clamped to [0, min(m, n)].
int oats_rank(int m, int n, float p, float ratio = 1.f);

enum class CompressKind { LowRank, Sparse };
struct CompressSpec {
  CompressKind kind = CompressKind::LowRank;
  int rank = -1;           // LowRank: per-head rank; -1 = oats_rank(dh, d, sparsity, ratio) (equal budget)
  float sparsity = 0.5f;   // Sparse: p; LowRank with rank -1: the p whose budget to match
  float ratio = 1.f;
  bool q = true, k = true, v = true, o = true;  // which of W_Q, W_K, W_V, W_O
};
// Applies the spec per layer and per head: W_Q^h, W_K^g, W_V^g are the head's
// [dh, d] row blocks, W_O^h its [d, dh] column block (both ranks <= dh).
Model compress(const Model& model, const CompressSpec& spec);
// compress() one head block at a time, for callers that spread the work over
// frames (the live explorer): blocks per layer, and block `index` (layer-major;
// within a layer W_Q heads, W_K groups, W_V groups, W_O heads) of `model`
// written into `out` (a copy of `model`; bump out.weights.version when done).
int compress_blocks_per_layer(const ModelConfig& c, const CompressSpec& spec);
void compress_block(Model& out, const Model& model, const CompressSpec& spec, int index);

// Mean next-token cross-entropy (nats) of logits [T, V] on ids (positions 0..T-2 predict 1..T-1).
float next_token_loss(const Tensor& logits, std::span<const int32_t> ids);

struct CompressionReport {
  int n_layers = 0, n_heads = 0;
  float loss_before = 0, loss_after = 0;            // mean over windows
  std::vector<float> sink0_before, sink0_after;     // [L][H]  mean sink_score(0) over windows
  std::vector<float> share_before, share_after;     // [L]     Sink_1 share at eps, mean over windows
  int64_t params_kept = 0, params_total = 0;        // in the compressed matrices (low-rank: r (m + n) per block)
};
// Runs `base` and `compressed` on every held-out window (each used exactly as given).
Expected<CompressionReport> compare_compression(Backend& backend, const Model& base, const Model& compressed,
                                                const std::vector<std::vector<int32_t>>& windows,
                                                const AnalysisSettings& settings, const CompressSpec& spec);
// params_total and params_kept of a report (what compare_compression() fills in).
void count_compressed_params(CompressionReport& rep, const ModelConfig& c, const CompressSpec& spec);

}  // namespace ss
