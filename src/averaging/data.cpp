#include "averaging/data.h"

#include <algorithm>
#include <cstddef>
using std::size_t;

namespace ss::avg {

Batch make_batch(Rng& rng, const TaskConfig& task, int B) {
  Batch b;
  b.B = B;
  b.T = task.T;
  b.d_input = task.d_input;
  const int C = b.C = task.columns();
  b.x.assign(size_t(B) * task.T * C, 0.f);
  for (int s = 0; s < B; ++s) {
    // single_sep: the one [SEP] at 1 + floor(u (T - 2)), in [1, T-2]
    const int one = task.single_sep ? 1 + std::min(task.T - 3, int(rng.uniform() * (task.T - 2))) : -1;
    for (int t = 0; t < task.T; ++t) {
      float* xt = &b.x[(size_t(s) * task.T + t) * C];
      if (task.const_input) xt[task.d_input + 1] = 1.f;
      bool sep = task.single_sep ? t == one : (t == 0 || rng.uniform() < task.p_sep);
      if (sep) {
        xt[task.d_input] = 1.f;
      } else {
        for (int j = 0; j < task.d_input; ++j) xt[j] = static_cast<float>(rng.normal());
      }
    }
  }
  fill_targets(b);
  return b;
}

void fill_targets(Batch& b) {
  if (b.C == 0) b.C = b.d_input + 1;
  const int C = b.C, D = b.d_input;
  b.target.assign(size_t(b.B) * b.T * D, 0.f);
  b.mask.assign(size_t(b.B) * b.T, 0.f);
  b.last_sep.assign(size_t(b.B) * b.T, 0);
  std::vector<double> sum(D);  // [D]  running sum since the last [SEP], in double
  for (int s = 0; s < b.B; ++s) {
    int n = 0, sep_pos = 0;
    for (auto& v : sum) v = 0.0;  // position 0 may be a vector: start every sequence from zero
    for (int t = 0; t < b.T; ++t) {
      const float* xt = &b.x[(size_t(s) * b.T + t) * C];
      float* yt = &b.target[(size_t(s) * b.T + t) * D];
      if (xt[D] != 0.f) {  // a [SEP] (a segment also starts at position 0: sep_pos = 0)
        n = 0;
        sep_pos = t;
        for (auto& v : sum) v = 0.0;
      } else {
        ++n;
        for (int j = 0; j < D; ++j) sum[j] += xt[j];
        for (int j = 0; j < D; ++j) yt[j] = static_cast<float>(sum[j] / n);
        b.mask[size_t(s) * b.T + t] = 1.f;
      }
      b.last_sep[size_t(s) * b.T + t] = sep_pos;
    }
  }
}

}  // namespace ss::avg
