// Analysis: every metric of docs/metrics.md ("catch, tag, release") computed
// from one forward pass's Taps, under the names that page uses. Pure functions
// of (Model, Taps, settings): the CLI, the exports and the tests call
// analyze(); the live explorer keeps an IncrementalAnalysis (incremental.h),
// which gives the same catch/tag/outlier numbers and reuses the rows of an
// unchanged prefix.
//
// Conventions: positions, layers and heads are 0-based; a span [begin, end) is
// half-open; T = tokens, L = layers, H = heads, d = model dim, dh = head dim.
//
// Taps read (names of engine/taps.h): attn_pattern (all), v + head_out or z
// (tags), q + k + resid_pre (release's score share), resid_post (tag
// projection and massive activations); attn_scores is not needed. A metric
// whose taps are missing is left empty rather than guessed.
//
// Cost (bench/bench_analysis.cpp): the O(L H T^2) attention sums dominate; the
// per-head PCA (tag_variance) and release's score share are computed only for
// the `release_max_sinks` strongest sinks, and analyze_release() /
// analyze_head() compute them for any sink or head the user selects.
#pragma once
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "engine/taps.h"
#include "model/weights.h"

namespace ss {

// Defaults and meaning: docs/metrics.md, "Settings and their defaults".
struct AnalysisSettings {
  // Key k is a sink when T - k >= sink_min_queries, sink_score(k) > sink_eps and
  // sink_score(k) >= sink_uniform_factor * uniform_score(k) (is_sink()).
  float sink_eps = 0.2f;
  int sink_min_queries = 4;
  float sink_uniform_factor = 2.f;
  float sink1_eps = 0.3f;      // the Sink_1 share's eps (Gu et al.'s published figure)
  float catch_tau = 0.5f;      // query i is caught by sink s when A[i, s] >= catch_tau
  float massive_abs = 100.f;   // |h| above this ...
  float massive_rel = 1000.f;  // ... and above this times the layer's median |h|
  int top_k = 10;              // top |h| entries reported per layer, always
  int release_max_sinks = 8;   // analyze() computes release and tag_variance for this many sinks (strongest first); -1 = all
  bool tag_variance = true;    // per-head PCA of head_out for those sinks' heads
  bool operator==(const AnalysisSettings&) const = default;  // cache keys
};

enum class SinkKind { Bos, Punctuation, Newline, Other };
const char* sink_kind_name(SinkKind k);  // "bos", "punctuation", "newline", "other"
// Kind of a key from its position and (optional) token text: position 0 is the
// BOS sink whatever it holds; a text with a newline is a newline sink; a text
// of only punctuation (ASCII punct, ignoring spaces) is a punctuation sink.
SinkKind classify_sink(int key, const std::string* token_text);

// How one later head (layer > the sink's layer) reads the tokens a sink caught.
struct Release {
  int layer = 0, head = 0;
  // C = the catch span without the sink s; over the queries j >= min(C):
  //   mass_caught    = mean_j sum_{i in C, i <= j} A'[j, i]
  //   uniform_caught = mean_j (1 - A'[j, s]) |C n [0, j]| / j   (the head's non-sink
  //                    attention spread uniformly over the j non-sink keys it sees)
  //   lift           = mass_caught / uniform_caught    (1 = no preference for tagged tokens)
  float mass_caught = 0, uniform_caught = 0, lift = 0;
  // Share of the head's query-key score on pairs of C that comes from the tag:
  //   t^ = tag / |tag|, x_i = resid_pre of `layer` at key i, a_i = x_i . t^,
  //   k_i^tag = the key the head would compute from a_i t^ alone: W_K^g applied to
  //             the layer's input norm taken linearly with token i's own statistics
  //             (RMSNorm: g * u / rms(x_i); LayerNorm: g * (u - mean u) / std(x_i);
  //             none: u), no bias, then rotated to position i (RoPE, when the family has it);
  //   tag_score_share = sum_{j in C} sum_{i in C, i <= j} A'[j,i] (q_j . k_i^tag)
  //                   / sum_{same pairs}                  A'[j,i] |q_j . k_i|
  //   i.e. the attention-weighted signed tag part of q_j . k_i over the weighted |q_j . k_i|.
  //   1 = the score that pulls tagged queries to tagged keys is all tag; 0 = none of it.
  float tag_score_share = 0;
};

struct Sink {
  int layer = 0, head = 0, key = 0;
  float score = 0;                    // sink_score(key)
  float uniform_score = 0;            // uniform_score(key, T): what uniform causal attention gives it
  SinkKind kind = SinkKind::Other;
  std::vector<int> caught;            // queries i >= key with A[i, key] >= catch_tau, ascending
  int span_begin = 0, span_end = 0;   // catch_span: longest contiguous run of caught, [begin, end)
  std::vector<float> tag;             // [d]  v_key W_O^h
  float tag_norm = 0;
  std::vector<float> tag_alignment;   // [T - key]  cos(head_out[h, i], tag) for queries i >= key (element i - key)
  // tag_variance: share of the centred head_out variance (over tokens) in the top
  // principal direction (var_top1) and the top two together (var_top2), and
  // |cos(top principal direction, tag)| (a principal direction has no sign).
  bool has_variance = false;
  float var_top1 = 0, var_top2 = 0, cos_top_pc_tag = 0;
  // The tag's path: for each layer l'' from `layer` to L-1, the mean over caught
  // tokens of resid_post_{l''}[i] . t^ (and the same over the other tokens).
  std::vector<float> tag_projection;         // [L - layer]
  std::vector<float> tag_projection_others;  // [L - layer]  (0 when every token is caught)
  bool has_release = false;
  std::vector<Release> release;       // every head of every later layer, layer-major
};

// The span of queries the sink caught, without the sink itself: [max(b, key + 1), e).
inline std::pair<int, int> caught_after(const Sink& s) {
  const int b = std::max(s.span_begin, s.key + 1);
  return {b, std::max(b, s.span_end)};
}

struct MassiveEntry {
  int layer = 0, token = 0, dim = 0;
  float value = 0;            // h[token, dim] (signed)
  float ratio_to_median = 0;  // |value| / median |h| of that layer's resid_post
};

struct LayerMassive {
  float median_abs = 0, max_abs = 0;
  std::vector<MassiveEntry> over_threshold;  // |h| > massive_abs and > massive_rel * median
  std::vector<MassiveEntry> top;             // top_k by |h|, always
};

struct Analysis {
  int n_layers = 0, n_heads = 0, T = 0;
  std::vector<float> sink_score;  // [L][H][T]  sink_score(k) per head; see score()
  float score(int l, int h, int k) const { return sink_score[(size_t(l) * n_heads + h) * T + k]; }
  std::vector<float> sink1_share_per_layer;  // [L]  share of the layer's heads whose key 0 is a sink at sink1_eps
  float sink1_share = 0;                     // over all (layer, head) pairs ("Sink_1 at eps 0.3")
  std::vector<Sink> sinks;                   // layer, head, key ascending
  std::vector<LayerMassive> massive;         // [L]  from resid_post
  // [L * H]  sink_slot_share(l, h) = mean over queries i of 1 - sum_j A[i, j]:
  // the attention a head gives its sink slot (a learned logit per head in the
  // softmax, config attention_sink_logit). Empty for a model without one.
  std::vector<float> sink_slot_share;
  float slot_share(int l, int h) const { return sink_slot_share.empty() ? 0.f : sink_slot_share[size_t(l) * n_heads + h]; }
};

// sink_slot_share of every head ([L * H], layer-major) from attn_pattern;
// empty when the model has no sink slot.
std::vector<float> sink_slot_shares(const Model& model, const Taps& taps, int T);

// The sink map: per head [L * H], its strongest sink (largest score among its
// sinks) and that sink's key; score 0 and key -1 when the head has none.
struct SinkMapCell {
  float score = 0;
  int key = -1;
};
std::vector<SinkMapCell> sink_map(const Analysis& an);

// Everything above. `token_texts` (T strings), when given, decides sink kinds.
Analysis analyze(const Model& model, const Taps& taps, const AnalysisSettings& settings,
                 const std::vector<std::string>* token_texts = nullptr);

// Release of one sink (fills sink.release, sets has_release), for a sink the
// user selects when analyze() left it out.
void analyze_release(const Model& model, const Taps& taps, const AnalysisSettings& settings, Sink& sink);

// The expensive per-head view: PCA of head_out [T, d] centred over tokens.
struct HeadDetail {
  int layer = 0, head = 0;
  float total_variance = 0;          // trace of the covariance (sum over dims, divided by T)
  std::vector<float> eigenvalues;    // top min(T, d) eigenvalues of the covariance, descending
  float var_top1 = 0, var_top2 = 0;  // eigenvalues[0] / total, (eigenvalues[0] + [1]) / total
  std::vector<float> pc1, pc2;       // [d]  unit; sign fixed so the largest |entry| is positive
  std::vector<float> coords;         // [T, 2]  (head_out[i] - mean) . pc1, . pc2
  int sink_key = -1;                 // the sink the numbers below belong to (-1 = none)
  std::vector<float> tag;            // [d]  its tag (empty when none)
  float cos_top_pc_tag = 0;          // |cos(pc1, tag)|
};
// PCA of one head's outputs, with the tag and |cos(pc1, tag)| of sink `sink_key`
// (-1: the head's strongest sink by is_sink(), if any).
HeadDetail analyze_head(const Model& model, const Taps& taps, int layer, int head,
                        const AnalysisSettings& settings, int sink_key = -1);
// |cos(pc1, tag)| of a head's PCA and any tag [d] (0 when either is empty).
float cos_pc1_tag(const HeadDetail& detail, const std::vector<float>& tag);

// Building blocks, exposed for the tests and the panels.
// sink_score of every key of one head from its pattern A [T, T] (row-major, rows = queries).
std::vector<float> sink_scores(const float* A, int T);
// uniform_score(k) = (1 / (T - k)) sum_{i >= k} 1 / (i + 1), for every key: [T].
std::vector<float> uniform_scores(int T);
// The significance rule (docs/metrics.md, "Sink"): T - k >= sink_min_queries,
// score > eps and score >= sink_uniform_factor * uniform. eps < 0 means sink_eps.
bool is_sink(float score, float uniform, int k, int T, const AnalysisSettings& settings, float eps = -1.f);
// Queries caught by key s, and the longest contiguous run of them ([begin, end)).
std::vector<int> caught_queries(const float* A, int T, int s, float tau);
std::pair<int, int> longest_run(const std::vector<int>& sorted_positions);
// Massive activations of one [T, d] residual stream.
LayerMassive massive_activations(const Tensor& resid, int layer, const AnalysisSettings& settings);

}  // namespace ss
