// Regression tests for the definitions of docs/metrics.md where an earlier
// analysis said something untrue: false sinks (too few queries, uniform
// attention), the Sink_1 share's eps, release's lift with the sink inside its
// own span, the Tag panel's cosine of another sink, GQA tags, and RoPE
// frequencies in release. Each builds a case whose answer is known by hand.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "core/tensor_storage.h"
#include "analysis/analysis.h"
#include "analysis/incremental.h"
#include "engine/engine.h"
#include "model/loader.h"
#include "support/analysis_fixtures.h"
#include "tokenizer/tokenizer.h"

using namespace ss;
using Catch::Matchers::WithinAbs;

namespace {

// A model shell of L layers x H heads and Taps holding only attention
// patterns [H, T, T] built row by row by `row(l, h, i, k)` (normalised here).
template <class F>
Taps patterns(int L, int H, int T, F row) {
  Taps taps;
  for (int l = 0; l < L; ++l) {
    Tensor A({H, T, T});
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < T; ++i) {
        double sum = 0;
        for (int k = 0; k <= i; ++k) sum += row(l, h, i, k);
        for (int k = 0; k <= i; ++k) A.at(h, i, k) = float(row(l, h, i, k) / sum);
      }
    taps.named[test::tname(l, "attn_pattern")] = std::move(A);
  }
  return taps;
}

double harmonic(int n) {
  double s = 0;
  for (int i = 1; i <= n; ++i) s += 1.0 / i;
  return s;
}

}  // namespace

TEST_CASE("uniform_score is what uniform causal attention gives a key", "[analysis][fidelity]") {
  const std::vector<float> u = uniform_scores(16);
  CHECK_THAT(u[0], WithinAbs(harmonic(16) / 16, 1e-7));                   // H_T / T = 0.2113
  CHECK_THAT(u[15], WithinAbs(1.0 / 16, 1e-7));                           // the last key: one query, 1 / T
  CHECK_THAT(u[10], WithinAbs((harmonic(16) - harmonic(10)) / 6, 1e-7));  // queries 10..15 see 11..16 keys
  CHECK(uniform_scores(0).empty());
}

TEST_CASE("uniform attention and keys seen by few queries are no sinks", "[analysis][fidelity]") {
  Model m = test::attention_only_model(4, 8, 1, 2, 4);
  for (int T : {2, 4, 8, 16, 17}) {
    INFO("T = " << T);
    // Head 0 uniform: sink_score(0) = H_T / T > 0.2 for T <= 17 (0.34 at T = 8), yet no sink.
    // Head 1: every query puts 0.9 on its own position (the last keys look like sinks by score alone).
    Taps taps = patterns(1, 2, T, [](int, int h, int i, int k) { return h == 0 ? 1.0 : (k == i ? 9.0 * std::max(1, i) : 1.0); });
    Analysis an = analyze(m, taps, AnalysisSettings{});
    CHECK(an.score(0, 0, 0) > 0.2f);
    for (const Sink& s : an.sinks) {
      INFO("sink at head " << s.head << " key " << s.key << " score " << s.score);
      CHECK(s.head != 0);                 // uniform: never a sink
      CHECK(T - s.key >= 4);              // at least sink_min_queries queries see it
      CHECK(s.score >= 2 * s.uniform_score);
    }
    CHECK(an.sink1_share == 0.f);
  }
  // One token: nothing can be a sink.
  Taps one = patterns(1, 2, 1, [](int, int, int, int) { return 1.0; });
  CHECK(analyze(m, one, AnalysisSettings{}).sinks.empty());
  // A strong BOS head still is one at T = 8: 0.9 from every query.
  Taps bos = patterns(1, 2, 8, [](int, int, int i, int k) { return k == 0 ? (i == 0 ? 1.0 : 9.0 * i) : 1.0; });
  Analysis an = analyze(m, bos, AnalysisSettings{});
  REQUIRE(an.sinks.size() == 2);
  CHECK(an.sinks[0].key == 0);
  CHECK_THAT(an.sinks[0].uniform_score, WithinAbs(harmonic(8) / 8, 1e-6));
  // The minimum is a setting.
  AnalysisSettings st;
  st.sink_min_queries = 9;
  CHECK(analyze(m, bos, st).sinks.empty());
}

TEST_CASE("demo-lm: no sink is seen by fewer than 4 queries or below twice uniform", "[analysis][fidelity]") {
  const std::string dir = std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm";
  auto model = load_model_dir(dir);
  REQUIRE(model.ok());
  std::ifstream f(dir + "/tokenizer.json");
  std::string json((std::istreambuf_iterator<char>(f)), {});
  auto tok = Tokenizer::from_json(json);
  REQUIRE(tok.ok());
  // 16 tokens with BOS: the prompt that listed 86 sinks, 10 of them in the last 3 positions.
  const Tokens t = tok->encode("The ship sailed at dawn. The crew was tired.", true);
  const int T = int(t.ids.size());
  REQUIRE(T == 16);
  Engine engine;
  auto taps = engine.run(*model, t.ids);
  REQUIRE(taps.ok());
  const Analysis an = analyze(*model, **taps, AnalysisSettings{});
  const std::vector<float> u = uniform_scores(T);
  REQUIRE(!an.sinks.empty());
  for (const Sink& s : an.sinks) {
    CHECK(s.key <= T - 4);
    CHECK(s.score >= 2 * u[s.key]);
    CHECK(s.uniform_score == u[s.key]);
  }
  // The live explorer's incremental analysis applies the same rule.
  IncrementalAnalysis inc;
  const Analysis& live = inc.update(*model, **taps, t.ids, AnalysisSettings{});
  REQUIRE(live.sinks.size() == an.sinks.size());
  for (size_t i = 0; i < an.sinks.size(); ++i) CHECK(live.sinks[i].key == an.sinks[i].key);
}

TEST_CASE("the Sink_1 share counts key-0 sinks at eps 0.3, not sink_eps", "[analysis][fidelity]") {
  Model m = test::attention_only_model(4, 8, 1, 3, 4);
  // T = 32; head h gives key 0 the share w_h from every query: 0.25 (a sink at
  // sink_eps 0.2, not at 0.3), 0.5, and uniform.
  const double w[3] = {0.25, 0.5, -1};
  Taps taps = patterns(1, 3, 32, [&](int, int h, int i, int k) {
    if (w[h] < 0 || i == 0) return 1.0;
    return k == 0 ? w[h] : (1 - w[h]) / i;
  });
  Analysis an = analyze(m, taps, AnalysisSettings{});
  int key0 = 0;
  for (const Sink& s : an.sinks) key0 += s.key == 0;
  CHECK(key0 == 2);                                       // listed at sink_eps 0.2
  CHECK_THAT(an.sink1_share, WithinAbs(1.0 / 3, 1e-6));   // counted at 0.3: only head 1
}

TEST_CASE("release lift leaves the sink out of its own span", "[analysis][fidelity]") {
  // Layer 0: key 0 catches every query. Layer 1: head 0 rests on key 0 (the
  // sink) alone; head 1 spreads its attention uniformly; head 2 puts half on the
  // sink and half on the query's own position.
  Model m = test::attention_only_model(4, 8, 2, 3, 4);
  const int T = 12;
  Taps taps = patterns(2, 3, T, [](int l, int h, int i, int k) {
    if (l == 0) return k == 0 ? 100.0 : 0.0;
    if (h == 0) return k == 0 ? 1.0 : 0.0;
    if (h == 1) return 1.0;
    return i == 0 ? 1.0 : (k == 0 || k == i) ? 1.0 : 0.0;
  });
  AnalysisSettings st;
  st.release_max_sinks = -1;
  Analysis an = analyze(m, taps, st);
  const Sink* s = nullptr;
  for (const Sink& x : an.sinks)
    if (x.layer == 0 && x.key == 0) s = &x;
  REQUIRE(s);
  CHECK(s->span_begin == 0);
  CHECK(s->span_end == T);
  CHECK(caught_after(*s) == std::pair{1, T});
  REQUIRE(s->release.size() == 3);
  // Resting on the sink is not reading the tagged tokens: lift 0 (it was above 1
  // while the sink counted as a tagged token).
  CHECK(s->release[0].mass_caught == 0.f);
  CHECK(s->release[0].lift == 0.f);
  // Uniform attention is the baseline itself: lift 1.
  CHECK_THAT(s->release[1].lift, WithinAbs(1.0, 1e-5));
  // Half on the sink, half on itself: mass 0.5 on C, baseline 0.5 * j / j = 0.5 (every non-sink key is in C).
  CHECK_THAT(s->release[2].mass_caught, WithinAbs(0.5, 1e-6));
  CHECK_THAT(s->release[2].uniform_caught, WithinAbs(0.5, 1e-6));
  CHECK_THAT(s->release[2].lift, WithinAbs(1.0, 1e-5));
}

TEST_CASE("the Tag panel's cosine belongs to the selected sink", "[analysis][fidelity]") {
  // The averaging construction's layer-0 head with two [SEP]s: two sinks of one
  // head with different tags (the second [SEP]'s value differs by its inputs).
  Model m = test::averaging_construction();
  Taps taps = test::forward_attention_only(m, test::embed_inputs(m, test::averaging_inputs(16, {4, 11})));
  const HeadDetail strongest = analyze_head(m, taps, 0, 0, AnalysisSettings{});
  REQUIRE(strongest.sink_key >= 0);
  REQUIRE(!strongest.pc1.empty());
  const Tensor& v = *taps.get(0, "v");  // [T, 1, dh]
  const Tensor wo = to_f32(m.weights.layers[0].wo);  // [d, H*dh]
  const int d = m.config.d_model, dh = m.config.d_head;
  for (int key : {0, 1, 5}) {
    INFO("key " << key);
    const HeadDetail hd = analyze_head(m, taps, 0, 0, AnalysisSettings{}, key);
    CHECK(hd.sink_key == key);
    std::vector<float> tag(d, 0.f);  // W_O^0 v_key, by hand
    double tt = 0, tp = 0, pp = 0;
    for (int j = 0; j < d; ++j) {
      for (int e = 0; e < dh; ++e) tag[j] += wo.at(j, e) * v.at(key, 0, e);
      tt += double(tag[j]) * tag[j], tp += double(tag[j]) * hd.pc1[j], pp += double(hd.pc1[j]) * hd.pc1[j];
    }
    const double want = tt > 0 ? std::fabs(tp) / std::sqrt(tt * pp) : 0.0;
    CHECK_THAT(hd.cos_top_pc_tag, WithinAbs(want, 1e-5));
    CHECK_THAT(cos_pc1_tag(strongest, tag), WithinAbs(want, 1e-5));  // the panel's computation
  }
}

TEST_CASE("GQA: a query head's tag uses its key/value group", "[analysis][fidelity]") {
  auto model = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tiny/llama");
  REQUIRE(model.ok());
  REQUIRE(model->config.n_heads == 4);
  REQUIRE(model->config.n_kv_heads == 2);
  std::vector<int32_t> ids;
  for (int i = 0; i < 16; ++i) ids.push_back((i * 37 + 5) % model->config.vocab_size);
  Engine engine;
  auto taps = engine.run(*model, ids);
  REQUIRE(taps.ok());
  AnalysisSettings st;
  st.sink_eps = 0.f, st.sink_uniform_factor = 0.f;  // every key a sink: tags for every head and key
  const Analysis an = analyze(*model, **taps, st);
  const int d = model->config.d_model, dh = model->config.d_head;
  int checked = 0;
  for (const Sink& s : an.sinks) {
    const Tensor& v = *(*taps)->get(s.layer, "v");  // [T, Hkv, dh]
    const Tensor wo = to_f32(model->weights.layers[s.layer].wo);  // [d, H*dh] (loaded 16-bit)
    const int g = s.head / 2;                        // H / Hkv = 2 query heads per group
    REQUIRE(s.tag.size() == size_t(d));
    for (int j = 0; j < d; ++j) {
      double t = 0;
      for (int e = 0; e < dh; ++e) t += double(wo.at(j, s.head * dh + e)) * v.at(s.key, g, e);
      REQUIRE_THAT(s.tag[j], WithinAbs(t, 1e-5));
    }
    ++checked;
  }
  CHECK(checked == 2 * 4 * (16 - 3));  // every layer, head and key seen by >= 4 queries
}

TEST_CASE("release's tag keys use the model's RoPE frequencies", "[analysis][fidelity]") {
  auto model = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tiny/llama");
  REQUIRE(model.ok());
  std::vector<int32_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back((i * 11 + 3) % model->config.vocab_size);
  AnalysisSettings st;
  st.release_max_sinks = -1;
  st.sink_eps = 0.f, st.sink_uniform_factor = 0.f;  // every key of layer 0 a sink, with release by layer 1
  Engine engine;
  // Scaled frequencies (a linear RoPE scaling of 4): the engine rotates q and k with them.
  Model scaled = *model;
  scaled.config.rope_inv_freq = rope_frequencies(model->config);
  for (float& f : scaled.config.rope_inv_freq) f *= 0.25f;
  auto taps = engine.run(scaled, ids);
  REQUIRE(taps.ok());
  auto shares = [&](const Model& m) {
    std::vector<float> out;
    for (const Sink& s : analyze(m, **taps, st).sinks)
      for (const Release& r : s.release) out.push_back(r.tag_score_share);
    return out;
  };
  const std::vector<float> with = shares(scaled);
  REQUIRE(!with.empty());
  // The same taps read with theta's frequencies (what release did before it
  // read the model's): the tag keys rotate differently and the shares move.
  Model theta = scaled;
  theta.config.rope_inv_freq.clear();
  const std::vector<float> without = shares(theta);
  REQUIRE(without.size() == with.size());
  double diff = 0;
  for (size_t i = 0; i < with.size(); ++i) diff = std::max(diff, double(std::fabs(with[i] - without[i])));
  CHECK(diff > 1e-3);
  // Explicit frequencies equal to theta's: the same numbers as none at all.
  Model same = *model;
  same.config.rope_inv_freq = rope_frequencies(model->config);
  Engine plain;
  auto t2 = plain.run(*model, ids);
  REQUIRE(t2.ok());
  const Analysis a = analyze(*model, **t2, st), b = analyze(same, **t2, st);
  REQUIRE(a.sinks.size() == b.sinks.size());
  for (size_t i = 0; i < a.sinks.size(); ++i)
    for (size_t r = 0; r < a.sinks[i].release.size(); ++r)
      CHECK(a.sinks[i].release[r].tag_score_share == b.sinks[i].release[r].tag_score_share);
}
