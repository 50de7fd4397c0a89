// Where the native app finds its models (the browser fetches them from the
// page's models/ folder instead). A build or an install can be copied
// anywhere, so the app does not rely on the source tree: it looks, in order,
// in --models DIR, $SINKSCOPE_MODELS, models/ next to the binary,
// ../share/sinkscope/models next to it (an install, see cmake/app.cmake), and
// last the source tree it was built from.
#pragma once
#include <string>
#include <vector>

namespace ss::explorer {

// The folders tried for `name`, in order (`root` = --models, may be empty).
std::vector<std::string> model_dir_candidates(const std::string& name, const std::string& root);
// The first candidate holding a config.json, or "" when none does.
std::string find_model_dir(const std::string& name, const std::string& root);
// "no model 'NAME' found in: A, B, C; pass --model-dir DIR or --models DIR".
std::string model_not_found_message(const std::string& name, const std::string& root);

}  // namespace ss::explorer
