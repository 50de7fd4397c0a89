// The averaging lab's data: the shipped averaging models (models/averaging-*),
// one random sequence of the single-[SEP] task (vectors, one [SEP] in [2, T-2]),
// written in each model's own input columns (BOS flag at position 0 and the
// constant column where its config.json has them), and each model's forward
// pass, loss and analysis on it, so the seeds can be compared.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "explorer/app_state.h"
#include "engine/taps.h"
#include "model/weights.h"

namespace ss::explorer {

struct AveragingRun {
  std::string name;              // "averaging-bos-8"
  std::string status;            // "" = loaded; else "loading ..." or the error
  std::shared_ptr<Model> model;
  Taps taps;
  Analysis analysis;
  float loss = -1;               // MSE over the vector positions (the training loss)
  bool ran = false;
  std::vector<float> x;          // [T, input_width] this model's encoding of the lab's sequence
  std::vector<std::string> labels;  // [T] "[SEP]", "BOS" or "v3"
  // The layer-0 sink on the [SEP] with the longest catch (what the lab shows): -1 = none.
  int sep_sink = -1;             // index into analysis.sinks
  bool caught_segment = false;   // its catch span is [sep + 1, T) (or [sep, T)): every token after the [SEP]
};

struct AveragingLab {
  std::vector<AveragingRun> runs;      // one per shipped model
  int T = 32, d_input = 8;
  std::vector<float> vectors;          // [T, d_input] a vector for every position (markers ignore theirs)
  int sep = 0;                         // the [SEP]'s position
  std::vector<int> sep_positions;      // {sep}
  uint64_t seed = 0;                   // generator seed of `x`
};

// Names of the shipped averaging models (the page serves them under models/).
const std::vector<std::string>& averaging_model_names();

// How many shipped models the lab holds, and one of them (nullptr past the end);
// for the C API (src/platform/webapi_trainer.cpp) and tests. The lab must have been
// drawn once (averaging_lab()).
const AveragingLab* averaging_lab_if_started();

// Starts loading (once), redraws the sequence when `seed` changed, and runs
// every loaded model on it. Cheap when nothing changed.
AveragingLab& averaging_lab(const AppState& s, uint64_t seed);

}  // namespace ss::explorer
