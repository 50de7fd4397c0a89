// The explorer's view: turns one forward pass (the session's taps) into
// everything the panels draw, once per change rather than once per frame.
// Cache keys: (prompt version, model, weights version, analysis settings) for
// the Analysis; plus (layer, head) for the selected head's PCA; plus the
// intervention toggles for the "after" run. Panels only read ExplorerView.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "explorer/app_state.h"
#include "explorer/summary.h"
#include "explorer/ui_state.h"
#include "engine/hooks.h"
#include "engine/taps.h"
#include "model/weights.h"

namespace ss {
class Tokenizer;
}

namespace ss::explorer {

// What the controller reads from the session for the current prompt. The
// model is kept alive; the results are only watched (a weak pointer): the CPU
// session shares its engine's taps with the current results instead of
// copying them, which works while nobody else holds old results.
struct ExplorerInputs {
  std::shared_ptr<const void> hold_model;
  std::weak_ptr<const void> hold_results;
  const Model* model = nullptr;
  const Tokenizer* tokenizer = nullptr;        // for next-token texts (may be null)
  const Taps* taps = nullptr;
  const std::vector<int32_t>* ids = nullptr;   // [T]
  const std::vector<std::string>* texts = nullptr;  // [T] raw token texts
  uint64_t prompt_version = 0;
  bool ok() const { return model && taps && ids && texts; }
};

// Filled by explorer_inputs.cpp from the session (the one place that knows its types).
ExplorerInputs explorer_inputs(const AppState& s);

struct ExplorerView {
  ExplorerInputs in;
  int L = 0, H = 0, T = 0;
  uint64_t generation = 0;         // which rebuild this is (keys of what is computed from it)
  std::vector<std::string> chips;  // [T] display text (newlines and spaces visible)
  Analysis analysis;
  double analyze_ms = 0;
  RunSummary base;
  // The selected head.
  int layer = 0, head = 0;
  // Computed on demand (explorer_ensure): the Tag panel's PCA, the Release
  // panel's release of the head's sinks, the Interventions panel's "after".
  bool has_detail = false, has_release = false;
  HeadDetail detail;
  std::vector<int> head_sinks;     // indices into analysis.sinks for (layer, head), ascending key
  std::vector<int> caught_by;      // [T] position of the sink (in head_sinks) that caught token i, -1 = none
  float tag_variance = 0;          // var_top1 of the selected sink of the head (0 when none); with has_detail
  // Residual view: per layer l, per token i, ||resid_post[l, i]|| and max |h| / median |h|.
  std::vector<float> resid_norm;   // [L, T]
  std::vector<float> resid_ratio;  // [L, T]
  // Interventions ("after"), when any toggle is on.
  bool has_after = false;
  std::string after_label;         // what was done, in words
  Analysis after_analysis;
  RunSummary after;
  std::string after_error;
  // Selected sink of the selected head (nullptr when the head has none).
  const Sink* sink() const;
  const Sink* head_sink(int i) const {
    return i >= 0 && i < static_cast<int>(head_sinks.size()) ? &analysis.sinks[head_sinks[i]] : nullptr;
  }
};

AnalysisSettings analysis_settings(const AppState& s);

// The explorer's one entry point, called by the frame before anything is
// drawn (and again by the UI right after an input changed the prompt, the
// selection or the panel, so that frame shows it): runs the backend if the
// prompt changed (session.h update), brings the view up to date, and computes
// what the visible panel needs beyond it. Cheap when nothing changed.
const ExplorerView* explorer_step(AppState& s);

// Brings the view up to date with the session's results and the selection;
// returns it (nullptr until a prompt has been analysed).
const ExplorerView* explorer_update(AppState& s);
const ExplorerView* explorer_view();
// Computes what panel `p` shows beyond the live view (PCA, release, the
// intervention rerun) for the current prompt and head; call before drawing it.
void explorer_ensure(AppState& s, Panel p);
// The selected head's tag_variance, computing its PCA if no panel has yet (C API).
float explorer_tag_variance(AppState& s);

}  // namespace ss::explorer
