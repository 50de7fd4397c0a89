// IncrementalAnalysis (analysis/incremental.h) against a from-scratch
// analyze() on the same taps, over random edit sequences (append, delete at
// the end, edit in the middle, insert, paste) on the shipped LM and a tiny
// Llama: every field equal (floats within 1e-6 relative; the implementation
// aims at the same bits), and the prefix really reused.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "analysis/incremental.h"
#include "engine/engine.h"
#include "model/loader.h"

using namespace ss;

namespace {

bool close(float a, float b) {
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-6f * std::max(1.f, std::fabs(b));
}
bool close(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!close(a[i], b[i])) return false;
  return true;
}

// Counts mismatching fields (0 = equal); INFO names the first kind seen.
int compare(const Analysis& inc, const Analysis& ref, bool tags_for_all, int tag_layer = -1, int tag_head = -1) {
  int bad = 0;
  auto check = [&](bool ok, const char* what) {
    if (!ok) {
      if (!bad) UNSCOPED_INFO("first mismatch: " << what);
      ++bad;
    }
  };
  check(inc.n_layers == ref.n_layers && inc.n_heads == ref.n_heads && inc.T == ref.T, "shape");
  check(close(inc.sink_score, ref.sink_score), "sink_score");
  check(close(inc.sink1_share_per_layer, ref.sink1_share_per_layer), "sink1_share_per_layer");
  check(close(inc.sink1_share, ref.sink1_share), "sink1_share");
  check(inc.sinks.size() == ref.sinks.size(), "sink count");
  for (size_t i = 0; i < std::min(inc.sinks.size(), ref.sinks.size()); ++i) {
    const Sink &a = inc.sinks[i], &b = ref.sinks[i];
    check(a.layer == b.layer && a.head == b.head && a.key == b.key && a.kind == b.kind, "sink identity");
    check(close(a.score, b.score), "sink score");
    check(a.caught == b.caught && a.span_begin == b.span_begin && a.span_end == b.span_end, "caught / catch_span");
    const bool tagged = tags_for_all || (a.layer == tag_layer && a.head == tag_head);
    if (tagged) {
      check(close(a.tag, b.tag) && close(a.tag_norm, b.tag_norm), "tag");
      check(close(a.tag_alignment, b.tag_alignment), "tag_alignment");
      check(close(a.tag_projection, b.tag_projection) && close(a.tag_projection_others, b.tag_projection_others),
            "tag_projection");
    } else {
      check(a.tag.empty() && a.tag_norm == 0 && a.tag_projection.empty(), "untagged sink outside the scope");
    }
    check(!a.has_release && !a.has_variance, "no release / variance");
  }
  check(inc.massive.size() == ref.massive.size(), "massive layers");
  for (size_t l = 0; l < std::min(inc.massive.size(), ref.massive.size()); ++l) {
    const LayerMassive &a = inc.massive[l], &b = ref.massive[l];
    check(close(a.median_abs, b.median_abs) && close(a.max_abs, b.max_abs), "massive median / max");
    auto same = [&](const std::vector<MassiveEntry>& x, const std::vector<MassiveEntry>& y) {
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (x[i].layer != y[i].layer || x[i].token != y[i].token || x[i].dim != y[i].dim ||
            !close(x[i].value, y[i].value) || !close(x[i].ratio_to_median, y[i].ratio_to_median))
          return false;
      return true;
    };
    check(same(a.top, b.top), "massive top");
    check(same(a.over_threshold, b.over_threshold), "massive over_threshold");
  }
  return bad;
}

// One random edit of `ids` (never touching BOS at 0), the way a user edits a prompt.
void random_edit(std::vector<int32_t>& ids, std::mt19937& rng, int vocab, int max_len) {
  auto tok = [&] { return int32_t(rng() % uint32_t(vocab)); };
  const int n = int(ids.size());
  switch (rng() % 6) {
    case 0: case 1:  // type at the end (one token more, or the last token replaced)
      if (n > 1 && rng() % 2) ids.back() = tok();
      else ids.push_back(tok());
      break;
    case 2:  // delete at the end
      if (n > 2) ids.resize(n - 1 - int(rng() % std::min(3, n - 2)));
      break;
    case 3:  // edit in the middle
      if (n > 2) ids[1 + rng() % (n - 1)] = tok();
      break;
    case 4:  // insert in the middle
      ids.insert(ids.begin() + 1 + rng() % std::max(1, n - 1), tok());
      break;
    case 5:  // paste a few tokens at the end
      for (int k = 0, m = 2 + int(rng() % 6); k < m; ++k) ids.push_back(tok());
      break;
  }
  if (int(ids.size()) > max_len) ids.resize(max_len);
}

void run_sequence(const Model& model, AnalysisSettings st, int start_len, int max_len, int edits, unsigned seed) {
  st.release_max_sinks = 0;
  st.tag_variance = false;
  std::mt19937 rng(seed);
  const int vocab = model.config.vocab_size;
  std::vector<int32_t> ids(start_len);
  for (auto& id : ids) id = int32_t(rng() % uint32_t(vocab));
  ids[0] = std::max(0, model.config.bos_token_id);
  Engine engine, live_engine;
  TapFilter live;  // the app's live engine: no head_out (tags from z), no attn_scores
  live.skip = {"attn_scores", "head_out"};
  IncrementalAnalysis all, one, all_live;
  IncrementalAnalysis narrow(3);  // a median window of a few values: edits leave it and rebuild it
  int reused = 0, sinks = 0;
  for (int e = 0; e <= edits; ++e) {
    if (e) random_edit(ids, rng, vocab, max_len);
    INFO("edit " << e << ", T " << ids.size());
    auto taps = engine.run(model, ids);
    REQUIRE(taps.ok());
    const Analysis ref = analyze(model, **taps, st);
    CHECK(compare(all.update(model, **taps, ids, st), ref, true) == 0);
    auto live_taps = live_engine.run(model, ids, {}, live);
    REQUIRE(live_taps.ok());
    CHECK(compare(all_live.update(model, **live_taps, ids, st), ref, true) == 0);
    CHECK(compare(narrow.update(model, **taps, ids, st), ref, true) == 0);
    reused += all.stats().last_prefix;
    sinks += int(ref.sinks.size());
    // The live view's scope: tags of the selected head only, which moves around.
    const int l = int(rng() % uint32_t(model.config.n_layers)), h = int(rng() % uint32_t(model.config.n_heads));
    CHECK(compare(one.update(model, **taps, ids, st, nullptr, TagScope::only(l, h)), ref, false, l, h) == 0);
    // Residual rows (the residual view): norms and maxima of resid_post.
    const Tensor* r = (**taps).get("blocks.1.resid_post");
    REQUIRE(r);
    const int d = int(r->dim(1)), T = int(ids.size());
    for (int i : {0, T / 2, T - 1}) {
      double ss = 0;
      float mx = 0;
      for (int j = 0; j < d; ++j) ss += double(r->at(i, j)) * r->at(i, j), mx = std::max(mx, std::fabs(r->at(i, j)));
      CHECK(all.resid_norm()[size_t(T) + i] == float(std::sqrt(ss)));
      CHECK(all.resid_max()[size_t(T) + i] == mx);
    }
  }
  CHECK(sinks > 0);
  // Incremental for real: most edits kept a prefix.
  CHECK(reused > edits * start_len / 2);
  CHECK(all.stats().resets == 1);
  // The median windows: mostly edited in place; the narrow ones left and rebuilt too.
  CHECK(all.stats().window_edits > 2 * all.stats().window_rebuilds);
  CHECK(narrow.stats().window_rebuilds > all.stats().window_rebuilds);
  CHECK(narrow.stats().window_edits > 0);
}

}  // namespace

TEST_CASE("incremental analysis equals analyze() over random edits: tiny llama", "[analysis][incremental]") {
  auto model = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tiny/llama");
  REQUIRE(model.ok());
  AnalysisSettings st;
  st.sink_eps = 0.1f, st.catch_tau = 0.3f, st.top_k = 12, st.massive_abs = 0.5f, st.massive_rel = 2.f;
  for (unsigned seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    run_sequence(*model, st, 12, 60, 40, seed);
  }
}

TEST_CASE("incremental analysis equals analyze() over random edits: demo-lm", "[analysis][incremental]") {
  auto model = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm");
  REQUIRE(model.ok());
  AnalysisSettings st;  // paper defaults; demo-lm's BOS dims pass massive_abs = 100 only sometimes
  st.massive_abs = 20.f, st.massive_rel = 10.f;
  run_sequence(*model, st, 24, 48, 14, 7);
}

TEST_CASE("incremental analysis: a changed model or catch_tau starts over", "[analysis][incremental]") {
  auto model = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tiny/llama");
  REQUIRE(model.ok());
  std::vector<int32_t> ids = {1, 17, 4, 88, 23, 5, 61, 9, 33, 2, 70};
  Engine engine;
  auto taps = engine.run(*model, ids);
  REQUIRE(taps.ok());
  AnalysisSettings st;
  st.release_max_sinks = 0, st.tag_variance = false;
  IncrementalAnalysis inc;
  inc.update(*model, **taps, ids, st);
  inc.update(*model, **taps, ids, st);
  CHECK(inc.stats().last_prefix == int(ids.size()));
  st.catch_tau = 0.3f;
  CHECK(compare(inc.update(*model, **taps, ids, st), analyze(*model, **taps, st), true) == 0);
  CHECK(inc.stats().last_prefix == 0);
  Model other = *model;
  ++other.weights.version;
  auto taps2 = engine.run(other, ids);
  REQUIRE(taps2.ok());
  CHECK(compare(inc.update(other, **taps2, ids, st), analyze(other, **taps2, st), true) == 0);
  CHECK(inc.stats().last_prefix == 0);
}
