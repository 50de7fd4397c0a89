// The averaging lab's data: the shipped averaging models (models/averaging-*),
// one random sequence with [SEP]s drawn by the task's own generator, and each
// model's forward pass, loss and analysis on it, so the seeds can be compared.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "app/app_state.h"
#include "engine/taps.h"
#include "model/weights.h"

namespace ss::app {

struct AveragingRun {
  std::string name;              // "averaging-5"
  std::string status;            // "" = loaded; else "loading ..." or the error
  std::shared_ptr<Model> model;
  Taps taps;
  Analysis analysis;
  float loss = -1;               // MSE over non-[SEP] positions (the training loss)
  bool ran = false;
};

struct AveragingLab {
  std::vector<AveragingRun> runs;      // one per shipped model
  int T = 48, d_input = 8;
  std::vector<float> x;                // [T, d_input + 1] the sequence (flag column = [SEP])
  std::vector<std::string> labels;     // [T] "[SEP]" or "v3"
  std::vector<int> sep_positions;
  uint64_t seed = 0;                   // generator seed of `x`
};

// Names of the shipped averaging models (the page serves them under models/).
const std::vector<std::string>& averaging_model_names();

// Starts loading (once), redraws the sequence when `seed` changed, and runs
// every loaded model on it. Cheap when nothing changed.
AveragingLab& averaging_lab(const AppState& s, uint64_t seed);

}  // namespace ss::app
