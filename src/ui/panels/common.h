// Helpers every explorer panel uses: fetch the current view (or say why there
// is none), and report the token under the mouse so all panels highlight it.
#pragma once
#include "explorer/view.h"

namespace ss::ui {

// The current view, or nullptr after drawing a one-line reason (loading, no model...).
const explorer::ExplorerView* view_or_reason(const explorer::AppState& s);

// Call with the token a widget reports as hovered (-1 = none).
void hover_token(int token);

// "L3 H5" label of a head.
const char* head_label(int layer, int head);

}  // namespace ss::ui
