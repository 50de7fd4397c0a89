// C++ metrics on the engine's taps vs the Python reference on Hugging Face's
// taps (training/reference_metrics.py, run on the GPU machine) for the shipped
// demo LM, within 1e-4 (see support/analysis_parity.h for the tolerances).
#include <catch2/catch.hpp>

#include "engine/engine.h"
#include "model/loader.h"
#include "support/analysis_parity.h"

using namespace ss;

TEST_CASE("analysis of the engine's taps equals the Python reference on demo-lm", "[analysis][parity]") {
  const std::string root = SINKSCOPE_SOURCE_DIR;
  auto model = load_model_dir(root + "/models/demo-lm");
  REQUIRE(model.ok());
  auto ref = test::read_json(root + "/tests/data/reference_metrics/demo-lm.json");
  REQUIRE(!ref["cases"].empty());
  // Every tap, and the live explorer's taps (no head_out: tags and PCA come
  // from z and W_O, head_out_rows; no attn_scores).
  TapFilter live;
  live.skip = {"attn_scores", "head_out"};
  for (const TapFilter& filter : {TapFilter{}, live}) {
    INFO("filter skips " << filter.skip.size() << " taps");
    Engine engine;
    int sinks = 0;
    for (const auto& c : ref["cases"]) {
      std::vector<int32_t> ids = c["ids"].get<std::vector<int32_t>>();
      auto taps = engine.run(*model, ids, {}, filter);
      REQUIRE(taps.ok());
      REQUIRE(((*taps)->get(0, "head_out") == nullptr) == !filter.skip.empty());
      AnalysisSettings st;
      st.release_max_sinks = -1;
      Analysis an = analyze(*model, **taps, st);
      sinks += test::compare_with_reference(an, c["metrics"], st, **taps);
    }
    CHECK(sinks > 20);  // the demo LM has BOS sinks in most layers
  }
}
