// The paper's second half in the explorer, without its UI: tag probes
// (the shipped probe set plus the prompt, and the user's own A/B labels),
// several sinks of a head (handoffs, tag_cosines), key_dimensions, the
// outlier clamp's settings, and a pinned analysis to compare prompts with.
// Definitions: docs/metrics.md ("The paper's second half", "clamp_outlier").
//
// What recomputes when: handoffs, tag_cosines and key_dimensions on every
// prompt edit while a panel that shows them (or the C API) asks; the user's
// label probe when the labels, the head or the prompt change; the catch probe
// on the probe set only on request (its probe windows' passes are cached per
// model, its result per prompt and head).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "analysis/clamp.h"
#include "analysis/report_second_half.h"
#include "explorer/app_state.h"

namespace ss::explorer {

struct ExplorerView;

// What the panels and the C API set.
struct SecondHalfUi {
  std::vector<int> labels;  // [T] 0 = A, 1 = B, -1 = none (positions; cut or padded to the prompt)
  int brush = 0;            // a click on a chip: 0 marks A, 1 marks B, -1 clears
  bool want_catch_probe = false;  // "run" pressed: compute the catch probe for the current prompt and head
  // clamp_outlier, applied with the Interventions panel's other toggles.
  bool clamp = false;
  int clamp_dim = -1;     // -1: the top outlier dim at the clamp token in the sink's layer
  int clamp_layer = 0;    // from this layer on
  int clamp_token = -2;   // -2: the selected sink's key; -1: every token; else a position
  bool pinned = false;    // compare: the pinned analysis below is shown against the live one
};
SecondHalfUi& second_half_ui();

// The analysis pinned by "pin" (compare two prompts).
struct Pinned {
  bool valid = false;
  std::string prompt;
  std::vector<std::string> chips;     // [T0]
  Analysis analysis;                  // its catch for every head (live analysis)
  std::vector<SinkMapCell> cells;     // [L * H] its sink map
  float loss = 0;
};
const Pinned& pinned();
// Pins the current view (false without one); unpin drops it.
bool pin(const ExplorerView& v, const AppState& s);
void unpin();

struct SecondHalfView {
  uint64_t generation = 0;  // the ExplorerView generation this was computed for
  bool valid = false;
  Analysis full;            // analyze() of the prompt: every sink's tag (the live view tags one head)
  SecondHalf sh;            // handoffs, tag_cosines, key_dimensions (every sink)
  // The user's labels: leave-one-out probes on the selected head.
  bool has_labels = false;
  ProbeResult label_probe;
  // The shipped probe set plus the prompt, catch target, on the selected head.
  bool has_catch = false;
  ProbeResult catch_probe;
  std::string probe_error;
  int probe_windows = 0;    // windows of the shipped probe set
};

// Brings handoffs / tag_cosines / key_dimensions up to date with the view;
// the label probe too when any token is labelled; the catch probe when
// second_half_ui().want_catch_probe (then clears it) or when it is cached.
const SecondHalfView* second_half_ensure(AppState& s, bool probes);
const SecondHalfView* second_half_view();

// Clamp settings resolved on the view: the spec and the medians (empty when
// the clamp is off or cannot apply; *why says why).
bool resolve_clamp(const ExplorerView& v, ClampSpec& spec, std::vector<float>& medians, std::string* why);

// The labels cut or padded to T (the C API and panels call it after edits).
void fit_labels(int T);

}  // namespace ss::explorer
