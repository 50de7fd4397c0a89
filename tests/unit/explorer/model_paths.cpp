// The native app finds a model folder without relying on where it was built:
// --models DIR first, then $SINKSCOPE_MODELS, next to the binary, the source tree.
#ifndef __EMSCRIPTEN__
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "explorer/model_paths.h"

using namespace ss::explorer;

TEST_CASE("the native app looks for models in --models, $SINKSCOPE_MODELS, next to the binary, then the source tree",
          "[app]") {
  const std::string tiny = std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tiny";
  CHECK(find_model_dir("llama", tiny) == tiny + "/llama");  // --models wins
  ::setenv("SINKSCOPE_MODELS", tiny.c_str(), 1);
  CHECK(find_model_dir("neox", "") == tiny + "/neox");      // then the environment
  const auto c = model_dir_candidates("demo-lm", "/nowhere");
  REQUIRE(c.size() >= 3);
  CHECK(c[0] == "/nowhere/demo-lm");
  CHECK(c[1] == tiny + "/demo-lm");
  CHECK(c.back() == std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm");
  CHECK(find_model_dir("demo-lm", "/nowhere") == c.back());  // found in the last place tried
  ::unsetenv("SINKSCOPE_MODELS");
  CHECK(find_model_dir("no-such-model", "").empty());
  const std::string msg = model_not_found_message("no-such-model", "/nowhere");
  CHECK(msg.find("no model 'no-such-model' found in: /nowhere/no-such-model") == 0);
  CHECK(msg.find("--model-dir") != std::string::npos);
}
#endif
