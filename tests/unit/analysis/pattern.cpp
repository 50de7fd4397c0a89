// The compact taps of a long prompt (engine/taps.h compact_tap_filter, the
// attn_lse tap) and LayerPattern (analysis/pattern.h), which recomputes a
// pattern from them: the recomputed pattern equals the kept one within float
// rounding on every family variant that shapes it (sliding window, soft-capping,
// sink logit, grouped keys), the compact pass computes the very same numbers as
// a full one, and the analysis built on recomputed patterns finds the same
// sinks with the same catches.
#include <catch2/catch.hpp>
#include <cmath>

#include "analysis/analysis.h"
#include "analysis/incremental.h"
#include "analysis/multi_sink.h"
#include "analysis/pattern.h"
#include "engine/engine.h"
#include "model/loader.h"
#include "support/family_fixtures.h"

using namespace ss;

namespace {

std::vector<int32_t> some_ids(const Model& m, int T, unsigned seed) {
  std::vector<int32_t> ids(static_cast<size_t>(T));  // [T]
  for (int i = 0; i < T; ++i) ids[size_t(i)] = int32_t((seed * 2654435761u + 97u * unsigned(i)) % unsigned(m.config.vocab_size));
  ids[0] = std::max(0, m.config.bos_token_id);
  return ids;
}

// Every layer and head: the recomputed pattern against the kept one, entry
// by entry, through rows(), column() and at().
double worst_recompute_diff(const Model& m, const Taps& full, const Taps& compact) {
  double worst = 0;
  for (int l = 0; l < m.config.n_layers; ++l) {
    const LayerPattern kept(m, full, l), again(m, compact, l);
    REQUIRE(kept.kept());
    REQUIRE((again.ok() && !again.kept()));
    REQUIRE(again.T() == kept.T());
    const int T = kept.T();
    std::vector<float> a(size_t(T) * T), b(size_t(T) * T);
    for (int h = 0; h < m.config.n_heads; ++h) {
      kept.rows(h, 0, T, a.data());
      again.rows(h, 0, T, b.data());
      for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
      const std::vector<float> col = again.column(h, 1);
      for (int i = 0; i < T; ++i) {  // one dot product (at) or a matrix product (rows): the order may differ
        CHECK(col[size_t(i)] == again.at(h, i, 1));
        CHECK(std::fabs(again.at(h, i, 1) - b[size_t(i) * T + 1]) <= 2e-5);
      }
    }
  }
  return worst;
}

void check_model(const Model& m, int T) {
  const std::vector<int32_t> ids = some_ids(m, T, 3);
  Engine e1, e2;
  auto full = e1.run(m, ids);
  auto compact = e2.run(m, ids, {}, compact_tap_filter());
  REQUIRE(full.ok());
  REQUIRE(compact.ok());
  const Taps &F = **full, &C = **compact;
  // Nothing square is kept, and what is kept is computed exactly as before.
  CHECK(!C.get(0, "attn_pattern"));
  CHECK(!C.get(0, "attn_scores"));
  CHECK(!C.get(0, "mlp_post"));
  for (int l = 1; l < m.config.n_layers; ++l) {  // resid_pre past layer 0: the layer before's resid_post
    CHECK(!C.get(l, "resid_pre"));
    CHECK(C.get(l - 1, "resid_post")->data == F.get(l, "resid_pre")->data);
  }
  REQUIRE(C.get(0, "resid_pre"));
  for (const char* what : {"q", "k", "v", "z", "resid_post", "attn_lse"})
    for (int l = 0; l < m.config.n_layers; ++l) {
      INFO(what << " layer " << l);
      REQUIRE(C.get(l, what));
      CHECK(C.get(l, what)->data == F.get(l, what)->data);
    }
  CHECK(C.get("logits")->data == F.get("logits")->data);
  CHECK(taps_length(C) == T);
  // The recomputed pattern: float rounding of the dot products' order only.
  CHECK(worst_recompute_diff(m, F, C) <= 2e-6);
}

}  // namespace

TEST_CASE("attn_lse: every kept pattern entry is exp(score - lse)", "[analysis][pattern]") {
  auto m = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm");
  REQUIRE(m.ok());
  Engine e;
  auto taps = e.run(*m, some_ids(*m, 40, 1));
  REQUIRE(taps.ok());
  const int H = m->config.n_heads;
  double worst = 0;
  for (int l = 0; l < m->config.n_layers; ++l) {
    const Tensor &S = *(**taps).get(l, "attn_scores"), &P = *(**taps).get(l, "attn_pattern"),
                 &lse = *(**taps).get(l, "attn_lse");  // [H, T, T] [H, T, T] [T, H]
    REQUIRE(lse.shape == std::vector<int64_t>{40, H});
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < 40; ++i)
        for (int j = 0; j <= i; ++j)
          worst = std::max(worst, std::fabs(std::exp(double(S.at(h, i, j)) - lse.at(i, h)) - P.at(h, i, j)));
  }
  CHECK(worst <= 1e-6);
}

TEST_CASE("compact taps: demo-lm's patterns recomputed from q, k and attn_lse", "[analysis][pattern]") {
  auto m = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm");
  REQUIRE(m.ok());
  check_model(*m, 70);
}

TEST_CASE("compact taps: sink logit, sliding windows, soft-capping and grouped keys", "[analysis][pattern]") {
  auto twin = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm-sinklogit");
  REQUIRE(twin.ok());
  check_model(*twin, 30);
  // sink_slot_share from lse equals the one from the kept rows' sums.
  const std::vector<int32_t> ids = some_ids(*twin, 30, 5);
  Engine e1, e2;
  auto full = e1.run(*twin, ids);
  auto compact = e2.run(*twin, ids, {}, compact_tap_filter());
  REQUIRE((full.ok() && compact.ok()));
  const std::vector<float> a = sink_slot_shares(*twin, **full, 30), b = sink_slot_shares(*twin, **compact, 30);
  REQUIRE(a.size() == b.size());
  REQUIRE(!a.empty());
  for (size_t i = 0; i < a.size(); ++i) CHECK(std::fabs(a[i] - b[i]) <= 1e-5);
  for (const char* fam : {"mistral-w5", "gemma2", "qwen3"}) {  // window 5; window + caps; grouped keys
    INFO(fam);
    for (auto& [name, ckpt] : testing::derived_family_ckpts()) {
      if (name != fam) continue;
      auto m = ckpt.load(name);
      REQUIRE(m.ok());
      check_model(*m, 12);
    }
  }
}

TEST_CASE("compact taps: the analysis from recomputed patterns finds the same sinks and catches",
          "[analysis][pattern]") {
  auto m = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm");
  REQUIRE(m.ok());
  AnalysisSettings st;
  st.release_max_sinks = 2;  // release reads later layers' patterns: recomputed too
  std::vector<int32_t> ids = some_ids(*m, 150, 9);
  Engine e1, e2;
  IncrementalAnalysis live;
  for (int step = 0; step < 4; ++step) {
    INFO("step " << step << ", T " << ids.size());
    auto full = e1.run(*m, ids);
    auto compact = e2.run(*m, ids, {}, compact_tap_filter());
    REQUIRE((full.ok() && compact.ok()));
    const Analysis a = analyze(*m, **full, st), b = analyze(*m, **compact, st);
    AnalysisSettings lst = st;
    lst.release_max_sinks = 0, lst.tag_variance = false;
    const Analysis& c = live.update(*m, **compact, ids, lst);
    REQUIRE(a.T == int(ids.size()));
    REQUIRE(b.T == a.T);
    REQUIRE(c.T == a.T);
    REQUIRE(!a.sinks.empty());
    REQUIRE(b.sinks.size() == a.sinks.size());
    REQUIRE(c.sinks.size() == a.sinks.size());
    for (size_t i = 0; i < a.sinks.size(); ++i) {
      const Sink &x = a.sinks[i], &y = b.sinks[i], &z = c.sinks[i];
      CHECK((x.layer == y.layer && x.head == y.head && x.key == y.key));
      CHECK((x.layer == z.layer && x.head == z.head && x.key == z.key));
      CHECK(std::fabs(x.score - y.score) <= 1e-5);
      CHECK(std::fabs(x.score - z.score) <= 1e-5);
      CHECK(x.caught == y.caught);
      CHECK(x.caught == z.caught);
      CHECK(x.has_release == y.has_release);
      REQUIRE(x.release.size() == y.release.size());
      for (size_t r = 0; r < x.release.size(); ++r) CHECK(std::fabs(x.release[r].lift - y.release[r].lift) <= 1e-4);
    }
    const auto ha = all_handoffs(*m, a, **full), hb = all_handoffs(*m, b, **compact);
    CHECK(ha.size() == hb.size());
    // Edits the live view sees: type at the end, then an edit in the middle
    // (the column sums restart from a snapshot), then a paste.
    if (step == 0) ids.push_back(17);
    if (step == 1) ids[100] = 5;
    if (step == 2) ids.insert(ids.end(), {3, 4, 5, 6});
  }
  CHECK(live.stats().resets == 1);
}
