// clamp_outlier (docs/metrics.md): the intervention that sets one residual
// dimension at chosen tokens to the layer's median of that dimension, from a
// chosen layer on; and the numbers its before/after compares. The hook itself
// (HookKind::ClampDim) is data the engine applies; this file builds it from
// an unclamped pass and summarises a pass for the comparison.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "engine/hooks.h"

namespace ss {

struct ClampSpec {
  int dim = -1;             // residual dimension
  int from_layer = 0;       // first layer whose resid_pre is clamped
  std::vector<int> tokens;  // positions; empty = every token
};

// [L]: median over all T tokens of resid_pre_l[:, dim] of an unclamped pass
// (signed; mean of the two middle values when T is even). Empty when a
// resid_pre tap is missing or dim is out of range.
std::vector<float> clamp_medians(const Taps& taps, int n_layers, int dim);
// One ClampDim hook per token (one hook with position -1 when tokens is empty).
Hooks clamp_hooks(const ClampSpec& spec, const std::vector<float>& medians);
// The default dim: argmax_j |resid_pre_layer[token, j]| (the lower dim on a
// tie); -1 when the tap is missing or the token is out of range.
int top_outlier_dim(const Taps& taps, int layer, int token);

// One side of the before/after (docs/metrics.md, "clamp_outlier").
struct ClampSide {
  float loss = 0;                     // next_token_loss (0 with fewer than 2 tokens or no logits)
  float sink1_share = 0;
  std::vector<float> key0;            // [L * H]  sink_score(0) per head
  float key0_max = 0, key0_mean = 0;  // over heads
  int n_sinks = 0;
};
ClampSide clamp_side(const Analysis& an, float loss);

// {dim, from_layer, tokens, medians, before, after}; the after side also
// carries the clamped pass's "sinks" and "tags" (to_json's format).
nlohmann::json clamp_json(const ClampSpec& spec, const std::vector<float>& medians, const ClampSide& before,
                          const ClampSide& after, const Analysis& after_an, const AnalysisSettings& st);

// --clamp DIM@LAYER[:TOKENS], TOKENS = a or a-b joined by '+': fills spec, or
// says what is wrong (checked against d_model, n_layers and T).
std::string parse_clamp(const std::string& s, int d_model, int n_layers, int T, ClampSpec& spec);

}  // namespace ss
