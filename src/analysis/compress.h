// Compression (the paper's v1 claim, after OATS): low-rank structure keeps
// sinks, pure magnitude pruning breaks them. Each function returns a new Model with Weights.version bumped
// (the engine's cache key), leaving the input untouched.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/analysis.h"
#include "engine/backend.h"

namespace ss {

// Definitions: docs/metrics.md, "Compression". Every transform works on one
// whole layer matrix W [m, n] (W_Q, W_K, W_V, W_O, optionally the MLP's).

// Best rank-r approximation (truncated SVD, Eckart-Young) of W [m, n].
Tensor lowrank(const Tensor& W, int r);
// Magnitude pruning: the round(p * numel) entries of smallest |w| set to 0
// (ties: lower index pruned first).
Tensor sparse(const Tensor& W, float p);
// Entries kept by pruning W [m, n] to sparsity p: B = m n - round(p m n).
int64_t budget_params(int m, int n, float p);
// OATS budget rule: r = floor(ratio * B / (m + n)), clamped to [0, min(m, n)]
// (a rank-r factorisation stores r (m + n) numbers; ratio 1 = the whole budget).
int oats_rank(int m, int n, float p, float ratio = 1.f);
// OATS (sparse + low-rank): r = oats_rank(m, n, p, rank_ratio) and the
// k = B - r (m + n) largest entries of a sparse part, by alternating from
// S = 0: L = lowrank(W - S, r), S = top-k magnitude entries of W - L.
Tensor oats(const Tensor& W, float p, float rank_ratio, int iters);

enum class CompressKind { LowRank, Sparse, Oats };
const char* compress_kind_name(CompressKind k);  // "low rank", "magnitude pruning", "OATS"
struct CompressSpec {
  CompressKind kind = CompressKind::LowRank;
  float sparsity = 0.5f;   // the parameter budget of every kind: what pruning to p keeps (Sparse: p itself)
  int rank = -1;           // LowRank: a fixed rank; -1 = oats_rank(m, n, sparsity, ratio) per matrix
  float ratio = 1.f;       // LowRank: share of the budget spent on the rank
  float oats_rank_ratio = 0.25f;  // Oats: share of the budget in the low-rank part
  int oats_iters = 8;             // Oats: alternating steps
  bool q = true, k = true, v = true, o = true;  // which attention matrices
  bool mlp = false;                             // and the MLP's (gate, up, down)
};
// A copy of `model` with the spec applied to each chosen matrix of every layer.
Model compress(const Model& model, const CompressSpec& spec);
// compress() one matrix at a time, for callers that spread the work over
// frames (the live explorer): matrices per layer, and matrix `index`
// (layer-major; within a layer W_Q, W_K, W_V, W_O, then gate, up, down) of
// `model` written into `out` (a copy of `model`; bump out.weights.version when done).
int compress_blocks_per_layer(const ModelConfig& c, const CompressSpec& spec);
void compress_block(Model& out, const Model& model, const CompressSpec& spec, int index);

// Mean next-token cross-entropy (nats) of logits [T, V] on ids (positions 0..T-2 predict 1..T-1).
float next_token_loss(const Tensor& logits, std::span<const int32_t> ids);

struct CompressionReport {
  int n_layers = 0, n_heads = 0;
  float loss_before = 0, loss_after = 0;            // mean over windows
  std::vector<float> sink0_before, sink0_after;     // [L][H]  mean sink_score(0) over windows
  std::vector<float> share_before, share_after;     // [L]     Sink_1 share at eps, mean over windows
  int64_t params_kept = 0, params_total = 0;        // in the compressed matrices (low-rank: r (m + n) per matrix)
};
// Runs `base` and `compressed` on every held-out window (each used exactly as given).
Expected<CompressionReport> compare_compression(Backend& backend, const Model& base, const Model& compressed,
                                                const std::vector<std::vector<int32_t>>& windows,
                                                const AnalysisSettings& settings, const CompressSpec& spec);
// params_total and params_kept of a report (what compare_compression() fills in).
void count_compressed_params(CompressionReport& rep, const Model& model, const CompressSpec& spec);

}  // namespace ss
