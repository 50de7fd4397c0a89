// Internal helpers shared by the analysis files (not part of the API).
#pragma once
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"

namespace ss::analysis_detail {

// Tap of one layer, or nullptr. Builds the name here rather than through
// tap_name() so the analysis links without the engine (tests build Taps by hand).
// A missing resid_pre of layer l > 0 is layer l - 1's resid_post: the same
// tensor in a pass without hooks, which the compact taps of a long prompt
// (engine/taps.h compact_tap_filter) keep only once.
inline const Tensor* layer_tap(const Taps& taps, int layer, const char* what) {
  const Tensor* t = taps.get("blocks." + std::to_string(layer) + "." + what);
  if (!t && layer > 0 && std::string_view(what) == "resid_pre")
    return taps.get("blocks." + std::to_string(layer - 1) + ".resid_post");
  return t;
}

inline int kv_group(const ModelConfig& c, int head) {
  int hkv = c.n_kv_heads > 0 ? c.n_kv_heads : c.n_heads;
  return head / (c.n_heads / hkv);
}

// tag = v_key W_O^h: head dim -> model dim.  v: [T, Hkv, dh], wo: [d, H*dh].
std::vector<float> tag_vector(const ModelConfig& c, const LayerWeights& w, const Tensor& v, int head, int key);

// One head's outputs z_h W_O^h over tokens [T, d] (no bias): the head_out
// tap's rows when it was kept, else computed from the z tap and W_O (the live
// explorer does not keep head_out: moving its [H, T, d] rows on every
// keystroke cost more than these products for the few heads shown). Rows
// [first, T) only when first > 0 (the rest left zero); empty when neither tap
// is there.
Tensor head_out_rows(const Model& model, const Taps& taps, int layer, int head, int first = 0);

// The sink head's PCA (HeadDetail) from its outputs [T, d].
HeadDetail head_pca(const Tensor& rows, int layer, int head);

// Appends the sinks of head (layer, head) by is_sink(), given its sink_score
// [T] and uniform_scores(T), with score, uniform_score and kind filled in (the
// caller adds catch and tag). Returns whether key 0 is a sink at sink1_eps
// (the Sink_1 share's count).
bool append_head_sinks(int layer, int head, const float* score, const std::vector<float>& uniform, int T,
                       const AnalysisSettings& st, const std::vector<std::string>* texts, std::vector<Sink>& out);

inline float cosine(const float* a, const float* b, int n) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < n; ++i) ab += double(a[i]) * b[i], aa += double(a[i]) * a[i], bb += double(b[i]) * b[i];
  return (aa > 0 && bb > 0) ? float(ab / std::sqrt(aa * bb)) : 0.f;
}

}  // namespace ss::analysis_detail
