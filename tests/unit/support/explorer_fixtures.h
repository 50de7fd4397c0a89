// Helpers shared by the explorer tests: the app's state on demo-lm.
#pragma once
#include <string>

#include "core/file.h"
#include "explorer/app_state.h"
#include "explorer/session.h"

namespace ss::testing {

// Installs models/demo-lm into `s` and sets its default prompt (the text the
// page opens on); false when the model or the prompt file did not load.
inline bool open_demo_lm_default_prompt(explorer::AppState& s) {
  const std::string dir = std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm";
  explorer::install_model(s, explorer::load_model_dir("demo-lm", dir));
  if (!s.model) return false;
  auto prompt = read_text_file(dir + "/default_prompt.txt");
  if (!prompt) return false;
  s.set_prompt(*prompt);
  return true;
}

}  // namespace ss::testing
