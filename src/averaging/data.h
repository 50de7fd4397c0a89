// The averaging task (docs/science.md "The minimal problem"): a sequence of T inputs,
// each a random vector in R^d_input or a [SEP]. Target at t = mean of the
// vectors since the segment start (the most recent [SEP], or position 0); the
// loss counts only non-[SEP] positions.
//   single_sep (default): exactly one [SEP], uniform in [1, T-2]: the tokens
//     after it form the segment its catch must cover (training/averaging_report.md).
//   otherwise: position 0 is [SEP], then each position is one with chance p_sep.
// const_input (default) appends a column of 1s: the model has no biases or
// positions, and without a constant a vector query's scores are odd in the
// vector, so no query can prefer the [SEP] (no PyTorch run caught, in any of
// the 11 configurations of training/averaging_report.md's call 3).
#pragma once
#include <vector>

#include "averaging/rng.h"

namespace ss::avg {

struct TaskConfig {
  int T = 32;          // sequence length
  int d_input = 8;     // vector size; the [SEP] flag is column d_input
  float p_sep = 0.1f;  // chance that a position t >= 1 is a [SEP] (single_sep = false)
  bool single_sep = true;
  bool const_input = true;
  int columns() const { return d_input + 1 + (const_input ? 1 : 0); }
};

struct Batch {
  int B = 0, T = 0, d_input = 0;
  int C = 0;                   // input columns: d_input + 1 (+ 1 constant)
  std::vector<float> x;        // [B, T, C]  vector entries, the [SEP] flag (column d_input), the constant
  std::vector<float> target;   // [B, T, d_input]      running mean since the last [SEP] (0 at [SEP])
  std::vector<float> mask;     // [B, T]               1 = counted in the loss (non-[SEP])
  std::vector<int> last_sep;   // [B, T]               segment start: the most recent [SEP] <= t, else 0
  bool is_sep(int b, int t) const { return mask[b * T + t] == 0.f; }
  // A vector whose segment starts at a [SEP] (the tokens a catch must cover).
  bool after_sep(int b, int t) const { return !is_sep(b, t) && is_sep(b, last_sep[b * T + t]); }
};

// Draws B sequences from `rng` (order: per sequence, the [SEP] position draw
// (single_sep), then per position the [SEP] draw (otherwise) and d_input
// normals; fixed so native and wasm agree bit for bit).
Batch make_batch(Rng& rng, const TaskConfig& task, int B);

// Recomputes target, mask and last_sep from x and C (the golden file stores only x).
void fill_targets(Batch& batch);

}  // namespace ss::avg
