// The averaging lab's live training: start/pause/reset a run of the C++
// trainer (src/averaging), trained a slice per frame, with its loss and
// mechanism metrics as curves, the attention heatmaps and the tag PCA updating
// as it trains, the verdict, and a tally over runs.
#pragma once
#include "explorer/app_state.h"

namespace ss::ui {

// Draws into the current window and advances the live run by one frame slice.
void draw_averaging_train(explorer::AppState& s);

}  // namespace ss::ui
