// The one place the explorer reads the session's types: the loaded model and
// the current prompt's results (tokens + taps).
#include "explorer/view.h"
#include "explorer/session.h"

namespace ss::explorer {

ExplorerInputs explorer_inputs(const AppState& s) {
  ExplorerInputs in;
  if (!s.model || !s.results || !s.results->has_taps) return in;
  in.hold_model = s.model;
  in.hold_results = s.results;
  in.model = &s.model->model;
  in.tokenizer = &s.model->tokenizer;
  in.taps = &s.results->tap_set();
  in.ids = &s.results->tokens.ids;
  in.texts = &s.results->tokens.texts;
  in.prompt_version = s.results->prompt_version;
  return in;
}

}  // namespace ss::explorer
