// The first view: the head and sink the page opens on when the address does
// not pick one. For any model and prompt it is computed from the analysis,
// never fixed: the sink at key > 0 with the longest catch (the prompt-dependent
// sink that shows the most: a clause caught on its opening mark), else the
// strongest sink of all (BOS, usually), else layer 0, head 0. Rule and ties:
// docs/metrics.md, "The first view".
#pragma once
#include "analysis/analysis.h"
#include "explorer/app_state.h"

namespace ss::explorer {

struct FirstView {
  int layer = 0, head = 0;
  int key = -1;         // the selected sink's key (-1 = none: the model has no sink on this prompt)
  int sink_index = -1;  // its index in an.sinks (-1 = none)
  bool prompt_dependent = false;  // true when picked by the catch rule (key > 0)
};

// Pure: the rule above on one analysis.
FirstView first_view(const Analysis& an);

// Once per loaded model, unless the address or a lesson picked the head (or
// the user moved it first): selects first_view() of the current view's
// analysis, with its sink. Called by explorer_step() after the view is up to
// date; returns true when it moved the selection.
bool apply_first_view(AppState& s);

}  // namespace ss::explorer
