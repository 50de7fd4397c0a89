// Compare mode: a second model on the same prompt, side by side with the app's
// (`?model=demo-lm&compare=demo-lm-gated`). The compared model has an AppState
// of its own that follows the app's prompt and settings, and runs through the
// same session path (session.h update) on every edit; its analysis is the full
// one (analysis.h analyze) on its taps. What both sides show is one struct,
// CompareSide, so the panel draws them the same way.
#pragma once
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "explorer/app_state.h"
#include "explorer/view.h"

namespace ss::explorer {

// One model's side: what the compare panel and the C API read.
struct CompareSide {
  std::string name;
  int L = 0, H = 0, T = 0;
  int layer = 0, head = 0;               // the selected head on this side
  float loss = -1;                       // mean next-token cross-entropy over the prompt (nats)
  float sink1_share = 0;                 // share of heads with sink_score(0) > 0.3
  float max_sink_score = 0;              // largest sink_score of any significant sink
  std::vector<SinkMapCell> map;          // [L * H] strongest sink per head (sink map)
  std::vector<std::string> chips;        // [T] display text
  std::vector<int> caught_by;            // [T] index into head_sink_keys of the sink that caught token i, -1 = none
  std::vector<int> head_sink_keys;       // the selected head's sinks (positions, ascending)
  std::vector<float> outlier_ratio;      // [L] max |resid_post| / median |resid_post| over the window
  std::vector<float> bos_ratio;          // [L] max_d |resid_post[0, d]| / median |resid_post|
  std::vector<float> sink_slot_share;    // [L * H] attention to the sink slot (empty: the model has none)
};

// The side of the app's own model, from its view (with `layer`, `head` selected).
CompareSide side_of_view(const ExplorerView& v, const std::string& name);

struct CompareState {
  std::string name;       // compared model, "" = compare off
  std::string status;     // "" = loaded; else "loading ..." or why it failed
  bool ready = false;     // `side` holds the current prompt's results
  bool same_shape = false;// same layers and heads as the app's model: the same head is selected
  CompareSide side;
  uint64_t prompt_version = 0;  // of the compared state's results `side` was built from
};

// The compared model's own state (prompt, settings, results); its session runs
// on the CPU.
AppState& compare_app_state();
const CompareState& compare_state();
// Starts loading `name` as the compared model ("" turns compare mode off).
// An invalid name or a failed load keeps the previous compared model and says why.
void compare_set(const std::string& name);
// Once a frame, after the app's own update: follows the app's prompt, settings
// and selected head, runs the compared model's pass, rebuilds its side.
void compare_step(AppState& s);

}  // namespace ss::explorer
