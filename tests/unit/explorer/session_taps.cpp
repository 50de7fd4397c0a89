// The session shares the live engine's taps with the current results instead
// of copying them per keystroke (session.h, Results::tap_set()); results that
// someone still holds keep their own taps when the engine moves on.
#include <catch2/catch.hpp>

#include "explorer/session.h"

using namespace ss;
using namespace ss::explorer;

TEST_CASE("session: results share the engine's taps; held old results keep theirs", "[app][incremental]") {
  AppState s;
  install_model(s, load_model_dir("tiny-chars", std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/models/tiny-chars"));
  REQUIRE(s.model);
  s.set_prompt("the cat sat on the mat.");
  update(s);
  REQUIRE(s.results);
  REQUIRE(s.results->has_taps);
  CHECK(s.results->shared_taps != nullptr);  // no copy
  CHECK(s.results->taps.named.empty());
  const Tensor* logits = s.results->tap_set().get("logits");  // [T, V]
  REQUIRE(logits);
  const Tensor before = *logits;
  std::shared_ptr<const Results> held = s.results;  // a panel that still draws the old prompt

  const int64_t copies0 = session_stats().tap_copies;
  s.set_prompt("the cat sat on the mat. the dog ran.");
  update(s);
  CHECK(session_stats().tap_copies == copies0 + 1);
  REQUIRE(s.results != held);
  CHECK(s.results->shared_taps != nullptr);
  const Tensor* now = s.results->tap_set().get("logits");
  REQUIRE(now);
  CHECK(now->dim(0) > before.dim(0));
  // The held results were given their own copy before the engine changed its taps.
  CHECK(held->shared_taps == nullptr);
  const Tensor* kept = held->tap_set().get("logits");
  REQUIRE(kept);
  CHECK(kept->shape == before.shape);
  CHECK(kept->data == before.data);

  // Nobody holds the previous results: the next edit copies nothing.
  held.reset();
  s.set_prompt("the cat sat on the mat. the dog ran away.");
  update(s);
  CHECK(s.results->prompt_version == s.prompt_version);
  CHECK(s.results->shared_taps != nullptr);
  CHECK(session_stats().tap_copies == copies0 + 1);  // none this time
}
