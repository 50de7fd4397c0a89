// key_dimensions (docs/metrics.md): which residual dimensions build a sink's
// key, as seen by the queries it catches. The pre-softmax score q . k_s is
// split exactly into one term per residual dimension of the sink's row
// (through the layer's input norm, W_K and RoPE) plus the key bias's term.
// Taps read: q, k and resid_pre of the sink's layer.
#pragma once
#include <string>
#include <vector>

#include "analysis/analysis.h"

namespace ss {

struct KeyDim {
  int dim = 0;
  double contribution = 0;     // c (u . W_K^g[:, dim]) n_dim
  float share = 0;             // contribution / sum_j |contribution_j|
  float x = 0, n = 0;          // resid_pre[key, dim] and its normed value
  float ratio_to_median = 0;   // |x| / median |resid_pre| of the layer (massive_activations)
  bool massive = false;        // (key, dim) is over the massive thresholds
  bool top_k = false;          // (key, dim) is among the layer's top_k |h| entries
};

struct KeyDimensions {
  int layer = 0, head = 0, key = 0;
  std::string queries;               // "caught" (caught_after(s)) or "all" (every query >= key)
  int n_queries = 0;
  double score = 0;                  // c * mean_Q q_i . k_s from the q and k taps
  double bias = 0;                   // c * u . b_K^g (0 without a key bias)
  double sum_abs = 0;                // sum_j |contribution_j|
  std::vector<double> contribution;  // [d]  per residual dim; sum + bias = score
  std::vector<KeyDim> top;           // the top_n dims by |contribution|
};

// The split of mean_i q_i . k_s (scaled by 1 / sqrt(dh)) for one sink; empty
// (contribution.empty()) when a tap is missing.
KeyDimensions key_dimensions(const Model& model, const Taps& taps, const Sink& sink, const AnalysisSettings& settings,
                             int top_n = 8);
// Every sink's, sharing one massive_activations per layer.
std::vector<KeyDimensions> all_key_dimensions(const Model& model, const Taps& taps, const Analysis& an,
                                              const AnalysisSettings& settings, int top_n = 8);

// Building block: per-dim contributions c (R_s^T q . W_K^g[:, j]) n_j of a query
// q [dh] (already rotated to its own position) against the key that row x [d]
// at position `pos` gives in head `head`'s kv group of layer `layer`. Writes
// c * u . b_K^g to *bias. Returns [d].
std::vector<double> key_contributions(const Model& model, int layer, int head, const double* q, const float* x, int pos,
                                      double* bias);

}  // namespace ss
