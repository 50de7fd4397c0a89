// Internal helpers shared by the analysis files (not part of the API).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "analysis/analysis.h"

namespace ss::analysis_detail {

// Tap of one layer, or nullptr. Builds the name here rather than through
// tap_name() so the analysis links without the engine (tests build Taps by hand).
inline const Tensor* layer_tap(const Taps& taps, int layer, const char* what) {
  return taps.get("blocks." + std::to_string(layer) + "." + what);
}

inline int kv_group(const ModelConfig& c, int head) {
  int hkv = c.n_kv_heads > 0 ? c.n_kv_heads : c.n_heads;
  return head / (c.n_heads / hkv);
}

// tag = v_key W_O^h: head dim -> model dim.  v: [T, Hkv, dh], wo: [d, H*dh].
std::vector<float> tag_vector(const ModelConfig& c, const LayerWeights& w, const Tensor& v, int head, int key);

// The sink head's PCA (HeadDetail) from head_out [H, T, d].
HeadDetail head_pca(const Tensor& head_out, int layer, int head);

inline float cosine(const float* a, const float* b, int n) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < n; ++i) ab += double(a[i]) * b[i], aa += double(a[i]) * a[i], bb += double(b[i]) * b[i];
  return (aa > 0 && bb > 0) ? float(ab / std::sqrt(aa * bb)) : 0.f;
}

}  // namespace ss::analysis_detail
