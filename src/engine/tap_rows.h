// Growing and shrinking taps by rows (token positions), for incremental
// forward passes: causal attention means earlier rows never change when
// tokens are appended, so new rows are appended and a prompt edited at its
// end is truncated back to the unchanged prefix.
#pragma once
#include <cstdint>

#include "core/tensor.h"
#include "engine/taps.h"

namespace ss {

// Tap layouts by where the token axis sits.
enum class RowAxis {
  First,     // [T, ...]                       (resid, q, k, v, z, mlp, logits)
  Second,    // [H, T, X]                      (head_out)
  Square,    // [H, T, T]                      (attn_scores, attn_pattern)
};

RowAxis row_axis_of(const std::string& tap);

// dst holds `s` rows, or s + n rows already made room for by resize_rows (the
// cheap case: written in place), or is empty when s == 0; fresh holds the n
// new rows in the same layout ([n, ...], [H, n, X], or [H, n, s + n] for
// Square). Square taps fill the new columns of old rows with `fill` (0 for
// patterns, -inf for scores: causal masking).
void append_rows(Tensor& dst, int64_t s, Tensor&& fresh, RowAxis axis, float fill);

// Keeps the first p token rows (and, for Square, columns) and makes the
// tensor T rows long, in place: rows [p, T) hold garbage until written. An
// edit at the prompt's end thus moves each kept row at most once (not at
// all when T is unchanged), where truncate-then-append copied every
// [H, T, T] and [H, T, d] tap twice (about 20 MB per keystroke on demo-lm).
void resize_rows(Tensor& t, int64_t p, int64_t T, RowAxis axis, float fill);
void resize_taps(Taps& taps, int64_t p, int64_t T);  // fill: -inf for attn_scores, else 0

// Keeps the first p token rows (and, for Square, columns).
void truncate_rows(Tensor& t, int64_t p, RowAxis axis);
void truncate_taps(Taps& taps, int64_t p);

}  // namespace ss
