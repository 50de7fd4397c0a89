// Layer and head pickers shared by the panels that show one head, plus the
// sink picker (a head can have several sinks: BOS and a punctuation mark).
#pragma once
#include "explorer/app_state.h"

namespace ss::ui {
void head_picker(explorer::AppState& s);
void sink_picker(explorer::AppState& s);
}
