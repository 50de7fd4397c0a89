// CompressionRun (analysis/compress_run.h), the explorer's compression
// sliders' engine: spread over many small steps, it reports what
// compare_compression() reports, and moving a slider (another spec) moves the
// numbers while the base stays.
#include <catch2/catch.hpp>
#include <random>

#include "analysis/compress_run.h"
#include "model/loader.h"

using namespace ss;
using Catch::Matchers::WithinAbs;

namespace {
std::vector<int32_t> window(const Model& m, int T, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> ids(T);  // [T]
  for (auto& id : ids) id = int32_t(rng() % uint32_t(m.config.vocab_size));
  ids[0] = std::max(0, m.config.bos_token_id);
  return ids;
}

CompressionReport run_sliced(const Model& m, const CompressSpec& sp, const std::vector<std::vector<int32_t>>& w,
                             int* steps) {
  CompressionRun run(m, sp, w, AnalysisSettings{}, 8);
  float last = -1;
  *steps = 0;
  while (!run.step(0.0)) {  // budget 0: one unit per step, as a slow frame would
    CHECK(run.progress() >= last);
    last = run.progress();
    ++*steps;
  }
  CHECK(run.error().empty());
  CHECK(run.progress() == 1.f);
  return run.report();
}

void require_same(const CompressionReport& a, const CompressionReport& b) {
  CHECK_THAT(a.loss_before, WithinAbs(b.loss_before, 1e-4));
  CHECK_THAT(a.loss_after, WithinAbs(b.loss_after, 1e-4));
  REQUIRE(a.sink0_after.size() == b.sink0_after.size());
  for (size_t i = 0; i < a.sink0_after.size(); ++i) {
    CHECK_THAT(a.sink0_before[i], WithinAbs(b.sink0_before[i], 1e-4));
    CHECK_THAT(a.sink0_after[i], WithinAbs(b.sink0_after[i], 1e-4));
  }
  for (size_t l = 0; l < a.share_after.size(); ++l) CHECK_THAT(a.share_after[l], WithinAbs(b.share_after[l], 1e-4));
  CHECK(a.params_kept == b.params_kept);
  CHECK(a.params_total == b.params_total);
}
}  // namespace

TEST_CASE("compression in slices equals compare_compression; another slider value moves the numbers",
          "[analysis][compress][incremental]") {
  auto model = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm");
  REQUIRE(model.ok());
  const std::vector<std::vector<int32_t>> w = {window(*model, 24, 5), window(*model, 20, 6)};
  auto backend = make_cpu_backend();

  CompressSpec lr;  // low rank at the budget of 50% sparsity (OATS rule)
  lr.kind = CompressKind::LowRank, lr.rank = -1, lr.sparsity = 0.5f, lr.ratio = 1.f;
  int steps = 0;
  CompressionReport a = run_sliced(*model, lr, w, &steps);
  CHECK(steps > 8 * 4);  // one step per layer matrix at least: never one long stall
  auto ref = compare_compression(*backend, *model, compress(*model, lr), w, AnalysisSettings{}, lr);
  REQUIRE(ref.ok());
  require_same(a, *ref);

  CompressSpec sp = lr;  // the sparsity slider moved, and the mode switched to pruning
  sp.kind = CompressKind::Sparse, sp.sparsity = 0.8f;
  CompressionReport b = run_sliced(*model, sp, w, &steps);
  auto ref_b = compare_compression(*backend, *model, compress(*model, sp), w, AnalysisSettings{}, sp);
  REQUIRE(ref_b.ok());
  require_same(b, *ref_b);
  CHECK(b.loss_before == a.loss_before);                  // same base, same windows
  CHECK(std::fabs(b.loss_after - a.loss_after) > 1e-3);   // the compressed model changed
  CHECK(b.params_kept != a.params_kept);
}
