// One layer's attention pattern A [H, T, T], wherever it comes from: the
// attn_pattern tap when the pass kept it, else recomputed from the q, k and
// attn_lse taps (the compact taps of a long prompt, engine/taps.h), entry by
// entry:
//   A[h, i, j] = exp(cap(scale * q_i^h . k_j^g) - lse[i, h])
// for the keys query i sees (j <= i, and j > i - window under a sliding
// window), else 0; g = the head's key-value group, cap = Gemma 2's
// soft-capping (the identity elsewhere). The sink logit needs nothing here: it
// is inside lse. A RemoveKey hook's renormalisation is not (attn_lse is the
// softmax's), so a hooked pass keeps attn_pattern when it wants one.
//
// Cost of a recomputation, dh multiply-adds per entry: a column T dh, a head
// T^2 dh (T = 2048, dh = 64: 0.27 GFLOP, tens of ms); the kept tap costs a
// copy. Why: at T = 2048 a 12 x 12-head model's patterns are 2.4 GB, past a
// wasm page; q, k and lse are 2 T d + T H floats per layer.
#pragma once
#include <vector>

#include "engine/taps.h"
#include "model/weights.h"

namespace ss {

class LayerPattern {
 public:
  LayerPattern(const Model& model, const Taps& taps, int layer);
  bool ok() const { return A_ || (q_ && k_ && lse_); }
  bool kept() const { return A_ != nullptr; }  // read from the tap, not recomputed
  int T() const { return T_; }
  int heads() const { return H_; }

  float at(int h, int i, int j) const;
  // Rows [i0, i1) of head h into out [(i1 - i0), T].
  void rows(int h, int i0, int i1, float* out) const;
  // Column `key` of head h: A[i, key] for every query i, [T].
  std::vector<float> column(int h, int key) const;
  // Head h's [T, T]: a pointer into the tap, or recomputed into `scratch`.
  const float* head(int h, std::vector<float>& scratch) const;

 private:
  float capped(float dot) const;           // q . k -> the scaled, capped score
  float score(int h, int i, int j) const;  // the capped, scaled score, before the softmax
  bool sees(int i, int j) const { return j <= i && (window_ <= 0 || j > i - window_); }

  const Tensor* A_ = nullptr;    // [H, T, T] or null
  const Tensor* q_ = nullptr;    // [T, H, dh]
  const Tensor* k_ = nullptr;    // [T, Hkv, dh]
  const Tensor* lse_ = nullptr;  // [T, H]
  int T_ = 0, H_ = 0, dh_ = 0, Hkv_ = 0, group_ = 1, window_ = 0;
  float scale_ = 1.f, softcap_ = 0.f;
};

// Tokens of the pass whose taps these are: from attn_pattern, attn_lse or
// logits, whichever is there; 0 when none is.
int taps_length(const Taps& taps);

}  // namespace ss
