// The averaging task (paper.md "The minimal problem"): a sequence of T inputs,
// each a random vector in R^d_input or a [SEP]; position 0 is always [SEP].
// Target at t = mean of the vectors since the most recent [SEP]; the loss
// counts only non-[SEP] positions.
#pragma once
#include <vector>

#include "averaging/rng.h"

namespace ss::avg {

struct TaskConfig {
  int T = 32;          // sequence length
  int d_input = 8;     // vector size; the [SEP] flag is column d_input
  float p_sep = 0.1f;  // chance that a position t >= 1 is a [SEP]
};

struct Batch {
  int B = 0, T = 0, d_input = 0;
  std::vector<float> x;        // [B, T, d_input + 1]  vector entries, or the [SEP] one-hot
  std::vector<float> target;   // [B, T, d_input]      running mean since the last [SEP] (0 at [SEP])
  std::vector<float> mask;     // [B, T]               1 = counted in the loss (non-[SEP])
  std::vector<int> last_sep;   // [B, T]               position of the most recent [SEP] <= t
  bool is_sep(int b, int t) const { return mask[b * T + t] == 0.f; }
};

// Draws B sequences from `rng` (order: per sequence, per position, the [SEP]
// draw then d_input normals; fixed so native and wasm agree bit for bit).
Batch make_batch(Rng& rng, const TaskConfig& task, int B);

// Recomputes target, mask and last_sep from x (the golden file stores only x).
void fill_targets(Batch& batch);

}  // namespace ss::avg
