// Interventions and compression reports on the shipped demo LM, through the
// engine's CPU backend: edits change what they must and nothing causally before.
#include <catch2/catch.hpp>
#include <random>

#include "analysis/compress.h"
#include "analysis/intervene.h"
#include "engine/engine.h"
#include "model/loader.h"

using namespace ss;
using Catch::Matchers::WithinAbs;

namespace {
std::vector<int32_t> some_ids(const Model& m, int T, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> ids(T);
  for (auto& id : ids) id = int32_t(rng() % m.config.vocab_size);
  ids[0] = std::max(0, m.config.bos_token_id);
  return ids;
}
}  // namespace

TEST_CASE("interventions: ablating a sink, removing its tag, knocking out a head", "[analysis]") {
  auto model = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm");
  REQUIRE(model.ok());
  const int L = model->config.n_layers, H = model->config.n_heads;
  auto ids = some_ids(*model, 48, 1);
  Engine engine;
  auto taps = engine.run(*model, ids);
  REQUIRE(taps.ok());
  Analysis an = analyze(*model, **taps, AnalysisSettings{});
  // The strongest BOS sink below the last layer.
  const Sink* s = nullptr;
  for (const Sink& c : an.sinks)
    if (c.key == 0 && c.layer + 1 < L && (!s || c.score > s->score)) s = &c;
  REQUIRE(s);

  auto ab = intervene(engine.backend(), *model, ids, ablate_sink(*s));
  REQUIRE(ab.ok());
  CHECK(ab->sink0_before[s->layer * H + s->head] == Approx(s->score).margin(1e-5));
  CHECK(ab->sink0_after[s->layer * H + s->head] == 0.f);  // attention to key 0 removed
  CHECK(ab->attention_change[s->layer * H + s->head] > 0.1f);
  for (int l = 0; l < s->layer; ++l)
    for (int h = 0; h < H; ++h) CHECK(ab->attention_change[l * H + h] == 0.f);  // causality
  CHECK(ab->kl_mean > 0.f);
  CHECK(ab->delta_loss == Approx(ab->loss_after - ab->loss_before));
  CHECK(ab->kl.size() == ids.size());

  Hooks rt = remove_tag(*s);
  REQUIRE(rt.size() == s->caught.size());
  auto tg = intervene(engine.backend(), *model, ids, rt);
  REQUIRE(tg.ok());
  for (int l = 0; l <= s->layer; ++l)  // the tag is removed after the sink's layer
    for (int h = 0; h < H; ++h) CHECK(tg->attention_change[l * H + h] == 0.f);
  double later = 0;
  for (int h = 0; h < H; ++h) later += tg->attention_change[(s->layer + 1) * H + h];
  CHECK(later > 0);

  auto ko = intervene(engine.backend(), *model, ids, knock_out_head(L - 1, 0));
  REQUIRE(ko.ok());
  for (float c : ko->attention_change) CHECK(c == 0.f);  // the last layer's head feeds no attention
  CHECK(ko->kl_mean > 0.f);
  auto none = intervene(engine.backend(), *model, ids, {});
  REQUIRE(none.ok());
  CHECK(none->kl_mean == 0.f);
  CHECK(none->delta_loss == 0.f);
}

TEST_CASE("compression report: full rank keeps the model, heavy pruning does not", "[analysis]") {
  auto model = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm");
  REQUIRE(model.ok());
  std::vector<std::vector<int32_t>> windows = {some_ids(*model, 32, 2), some_ids(*model, 32, 3)};
  Engine engine;
  CompressSpec full;
  full.rank = model->config.d_model;  // full rank of every d x d attention matrix
  Model mf = compress(*model, full);
  auto rf = compare_compression(engine.backend(), *model, mf, windows, AnalysisSettings{}, full);
  REQUIRE(rf.ok());
  CHECK_THAT(rf->loss_after, WithinAbs(rf->loss_before, 1e-3));
  for (size_t i = 0; i < rf->sink0_before.size(); ++i) CHECK_THAT(rf->sink0_after[i], WithinAbs(rf->sink0_before[i], 1e-3));
  CHECK(rf->params_kept > rf->params_total);  // full rank as U, V costs more than the dense matrix

  CompressSpec pr;
  pr.kind = CompressKind::Sparse;
  pr.sparsity = 0.9f;
  Model mp = compress(*model, pr);
  auto rp = compare_compression(engine.backend(), *model, mp, windows, AnalysisSettings{}, pr);
  REQUIRE(rp.ok());
  CHECK(rp->loss_after > rp->loss_before + 0.05f);
  CHECK(rp->params_kept == rp->params_total - int64_t(std::llround(0.9 * 384 * 384)) * 8 * 4);  // 8 layers x 4 matrices
  CHECK_THAT(rp->loss_before, WithinAbs(rf->loss_before, 1e-6));  // same base, same windows
}
