// Known-answer tests of src/analysis: the averaging construction (catch, tag
// and release hold exactly), a head forced onto one key, planted massive
// activations, and invariants on random models.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <set>

#include "analysis/analysis.h"
#include "support/analysis_fixtures.h"

using namespace ss;
using Catch::Matchers::WithinAbs;

namespace {
const int kT = 16;
const std::set<int> kUntagged = {4, 11};
bool tagged(int t) { return !kUntagged.count(t); }

struct Built {
  Model m;
  Tensor x;
  Taps taps;
};
Built build() {
  Built b{test::averaging_construction(), test::averaging_inputs(kT, {4, 11}), {}};
  b.taps = test::forward_attention_only(b.m, test::embed_inputs(b.m, b.x));
  return b;
}
// The patterns the construction must produce, derived from its design.
std::vector<double> expected_A(int layer) {
  std::vector<double> A(kT * kT, 0.0);
  for (int t = 0; t < kT; ++t) {
    if (t == 0) { A[0] = 1; continue; }
    if (layer == 0) {
      if (tagged(t)) A[t * kT] = 1;
      else for (int i = 1; i <= t; ++i) A[t * kT + i] = 1.0 / t;  // uniform over the vectors it sees
    } else {
      if (tagged(t)) {
        int n = 0;
        for (int i = 1; i <= t; ++i) n += tagged(i);
        for (int i = 1; i <= t; ++i) if (tagged(i)) A[t * kT + i] = 1.0 / n;
      } else {
        for (int i = 0; i <= t; ++i) A[t * kT + i] = 1.0 / (t + 1);  // no tag, no query: uniform
      }
    }
  }
  return A;
}
}  // namespace

TEST_CASE("averaging construction: the taps show catch and release exactly", "[analysis]") {
  Built b = build();
  for (int l = 0; l < 2; ++l) {
    auto A = expected_A(l);
    const Tensor& P = *b.taps.get(test::tname(l, "attn_pattern"));
    for (int i = 0; i < kT * kT; ++i) REQUIRE_THAT(P.data[i], WithinAbs(A[i], 1e-6));
  }
  // ... and the model solves averaging for every tagged position.
  const Tensor& y = *b.taps.get("logits");  // [T, 8]
  for (int t = 1; t < kT; ++t) {
    if (!tagged(t)) continue;
    for (int j = 0; j < 8; ++j) {
      double s = 0;
      int n = 0;
      for (int i = 1; i <= t; ++i) if (tagged(i)) s += b.x.at(i, j), ++n;
      REQUIRE_THAT(y.at(t, j), WithinAbs(s / n, 1e-5));
    }
  }
}

TEST_CASE("averaging construction: every metric's value", "[analysis]") {
  Built b = build();
  std::vector<std::string> texts(kT, "v");
  texts[0] = "[SEP]";
  Analysis an = analyze(b.m, b.taps, AnalysisSettings{}, &texts);
  REQUIRE(an.n_layers == 2);
  REQUIRE(an.T == kT);

  // sink_score: every key of every head, against the designed patterns.
  for (int l = 0; l < 2; ++l) {
    auto A = expected_A(l);
    for (int k = 0; k < kT; ++k) {
      double s = 0;
      for (int i = k; i < kT; ++i) s += A[i * kT + k];
      REQUIRE_THAT(an.score(l, 0, k), WithinAbs(s / (kT - k), 1e-6));
    }
  }
  REQUIRE_THAT(an.score(0, 0, 0), WithinAbs(14.0 / 16.0, 1e-6));
  REQUIRE(an.sink1_share_per_layer == std::vector<float>{1.f, 0.f});
  REQUIRE(an.sink1_share == 0.5f);

  // Layer 0 has exactly one sink, the [SEP] at 0.
  std::vector<const Sink*> l0;
  for (auto& s : an.sinks) if (s.layer == 0) l0.push_back(&s);
  REQUIRE(l0.size() == 1);
  const Sink& s = *l0[0];
  CHECK(s.key == 0);
  CHECK(s.kind == SinkKind::Bos);
  // caught: every tagged position; catch_span the longest run 5..10.
  std::vector<int> want;
  for (int t = 0; t < kT; ++t) if (tagged(t)) want.push_back(t);
  CHECK(s.caught == want);
  CHECK(s.span_begin == 5);
  CHECK(s.span_end == 11);

  // tag = gamma e_9.
  REQUIRE(s.tag.size() == 19);
  for (int j = 0; j < 19; ++j) CHECK_THAT(s.tag[j], WithinAbs(j == 9 ? test::kGamma : 0.f, 1e-6));
  CHECK_THAT(s.tag_norm, WithinAbs(test::kGamma, 1e-6));
  // tag_alignment: 1 on caught tokens, 0 on the others (their output lies on e_18).
  for (int t = 0; t < kT; ++t) CHECK_THAT(s.tag_alignment[t], WithinAbs(tagged(t) ? 1.0 : 0.0, 1e-6));

  // tag_variance: head outputs lie in span(e_9, e_18): var_top2 = 1, and var_top1
  // and the top direction from the closed-form 2x2 covariance.
  std::vector<double> a(kT), c(kT);  // coordinates on e_9 and e_18
  for (int t = 0; t < kT; ++t) {
    a[t] = tagged(t) ? test::kGamma : 0.0;
    if (!tagged(t)) {
      double m = 0;
      for (int i = 1; i <= t; ++i)
        for (int j = 0; j < 8; ++j) m += b.x.at(i, j) / 8.0;
      c[t] = m / t;
    }
  }
  double ma = 0, mc = 0;
  for (int t = 0; t < kT; ++t) ma += a[t] / kT, mc += c[t] / kT;
  double saa = 0, scc = 0, sac = 0;
  for (int t = 0; t < kT; ++t)
    saa += (a[t] - ma) * (a[t] - ma) / kT, scc += (c[t] - mc) * (c[t] - mc) / kT, sac += (a[t] - ma) * (c[t] - mc) / kT;
  double tr = saa + scc, det = saa * scc - sac * sac;
  double l1 = tr / 2 + std::sqrt(tr * tr / 4 - det);
  double ex = sac, ey = l1 - saa;  // eigenvector (x on e_9, y on e_18)
  double cos_pc_tag = std::fabs(ex) / std::hypot(ex, ey);
  REQUIRE(s.has_variance);
  CHECK_THAT(s.var_top1, WithinAbs(l1 / tr, 1e-5));
  CHECK_THAT(s.var_top2, WithinAbs(1.0, 1e-5));
  CHECK_THAT(s.cos_top_pc_tag, WithinAbs(cos_pc_tag, 1e-5));
  HeadDetail hd = analyze_head(b.m, b.taps, 0, 0, AnalysisSettings{});
  CHECK(hd.sink_key == 0);
  CHECK_THAT(hd.var_top1, WithinAbs(l1 / tr, 1e-5));
  CHECK_THAT(hd.total_variance, WithinAbs(tr, 1e-5));
  REQUIRE(hd.coords.size() == 2 * kT);
  for (int t = 0; t < kT; ++t) {  // the 2-D coordinates reproduce the centred outputs' norm
    double r2 = (a[t] - ma) * (a[t] - ma) + (c[t] - mc) * (c[t] - mc);
    CHECK_THAT(hd.coords[2 * t] * hd.coords[2 * t] + hd.coords[2 * t + 1] * hd.coords[2 * t + 1], WithinAbs(r2, 1e-5));
  }

  // The tag's path: gamma on caught tokens after both layers, 0 on the others.
  REQUIRE(s.tag_projection.size() == 2);
  for (int l = 0; l < 2; ++l) {
    CHECK_THAT(s.tag_projection[l], WithinAbs(test::kGamma, 1e-6));
    CHECK_THAT(s.tag_projection_others[l], WithinAbs(0.0, 1e-6));
  }

  // release: the layer-1 head reads only tagged tokens, by the tag alone.
  // C = the catch span [5, 11) without the sink (key 0); queries j = 5..T-1;
  // the baseline spreads each query's non-sink attention over its j non-sink keys.
  REQUIRE(s.has_release);
  REQUIRE(s.release.size() == 1);
  const Release& r = s.release[0];
  CHECK(r.layer == 1);
  const auto A1 = expected_A(1);
  double mass = 0, base = 0;
  for (int j = 5; j < kT; ++j) {
    int seen = 0;
    for (int i = 5; i < 11 && i <= j; ++i) mass += A1[j * kT + i], ++seen;
    base += (1.0 - A1[j * kT + 0]) * seen / j;
  }
  mass /= kT - 5, base /= kT - 5;
  CHECK_THAT(r.mass_caught, WithinAbs(mass, 1e-6));
  CHECK_THAT(r.uniform_caught, WithinAbs(base, 1e-6));
  CHECK_THAT(r.lift, WithinAbs(mass / base, 1e-5));
  CHECK(r.lift > 1.0);  // the head prefers the tagged tokens
  CHECK_THAT(r.tag_score_share, WithinAbs(1.0, 1e-5));

  // Nothing here is massive at the default thresholds; the top-k still reports.
  REQUIRE(an.massive.size() == 2);
  CHECK(an.massive[0].over_threshold.empty());
  CHECK(an.massive[0].top.size() == 10);
}

TEST_CASE("a head forced onto one key has sink_score 1 there", "[analysis]") {
  const int T = 12, s = 3;
  std::vector<float> A(T * T, 0.f);  // [T, T]
  for (int i = 0; i < T; ++i) {
    if (i < s) for (int k = 0; k <= i; ++k) A[i * T + k] = 1.f / (i + 1);
    else A[i * T + s] = 1.f;
  }
  auto sc = sink_scores(A.data(), T);
  CHECK_THAT(sc[s], WithinAbs(1.0, 1e-7));
  CHECK_THAT(sc[0], WithinAbs((1 + 0.5 + 1.0 / 3) / T, 1e-6));
  for (int k = s + 1; k < T; ++k) CHECK(sc[k] == 0.f);
  auto caught = caught_queries(A.data(), T, s, 0.5f);
  CHECK(caught.size() == size_t(T - s));
  CHECK(longest_run(caught) == std::pair<int, int>{s, T});
  CHECK(longest_run({1, 2, 5, 6, 7, 9}) == std::pair<int, int>{5, 8});
  CHECK(longest_run({}) == std::pair<int, int>{0, 0});

  // Through analyze(): a one-layer, one-head model whose pattern is A.
  Model m = test::attention_only_model(2, 4, 1, 1, 2);
  Taps taps;
  Tensor P({1, T, T});
  P.data = A;
  taps.named[test::tname(0, "attn_pattern")] = P;
  std::vector<std::string> texts(T, "word");
  texts[s] = ",";
  Analysis an = analyze(m, taps, AnalysisSettings{}, &texts);
  REQUIRE(an.sinks.size() == 1);  // key 0 gets (1 + .5 + .33) / 12 < 0.2
  CHECK(an.sinks[0].key == s);
  CHECK(an.sinks[0].kind == SinkKind::Punctuation);
  CHECK(an.sinks[0].tag.empty());  // no v / W_O taps: no tag rather than a guess
  CHECK(an.sink1_share == 0.f);
  // The Sink_1 share has its own eps; key 0 (0.153) counts at 0.1 only without
  // the uniform rule (twice uniform is 0.517 at T = 12).
  AnalysisSettings low;
  low.sink1_eps = 0.1f;
  CHECK(analyze(m, taps, low, &texts).sink1_share == 0.f);
  low.sink_uniform_factor = 0.f;
  CHECK(analyze(m, taps, low, &texts).sink1_share == 1.f);
}

TEST_CASE("sink kinds from token text", "[analysis]") {
  std::string nl = "\n", bpe_nl = "\xC4\x8A", dot = ".", sp_comma = "\xC4\xA0,", word = "the", meta = "\xE2\x96\x81;";
  CHECK(classify_sink(0, &word) == SinkKind::Bos);
  CHECK(classify_sink(3, &nl) == SinkKind::Newline);
  CHECK(classify_sink(3, &bpe_nl) == SinkKind::Newline);
  CHECK(classify_sink(3, &dot) == SinkKind::Punctuation);
  CHECK(classify_sink(3, &sp_comma) == SinkKind::Punctuation);
  CHECK(classify_sink(3, &meta) == SinkKind::Punctuation);
  CHECK(classify_sink(3, &word) == SinkKind::Other);
  CHECK(classify_sink(3, nullptr) == SinkKind::Other);
}

TEST_CASE("massive activations: planted outliers are found", "[analysis]") {
  const int T = 20, d = 32;
  Tensor r({T, d});
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0.f, 0.01f);
  for (float& v : r.data) v = n(rng);
  r.at(0, 7) = 500.f;
  r.at(5, 7) = -300.f;
  r.at(9, 30) = 50.f;  // large relative to the median, but under |h| > 100
  AnalysisSettings st;
  st.top_k = 4;
  LayerMassive lm = massive_activations(r, 2, st);
  std::vector<float> mags;
  for (float v : r.data) mags.push_back(std::fabs(v));
  std::sort(mags.begin(), mags.end());
  const float med = 0.5f * (mags[T * d / 2 - 1] + mags[T * d / 2]);
  CHECK_THAT(lm.median_abs, WithinAbs(med, 1e-7));
  CHECK(lm.max_abs == 500.f);
  REQUIRE(lm.over_threshold.size() == 2);
  CHECK(lm.over_threshold[0].token == 0);
  CHECK(lm.over_threshold[0].dim == 7);
  CHECK(lm.over_threshold[0].layer == 2);
  CHECK(lm.over_threshold[1].token == 5);
  CHECK(lm.over_threshold[1].value == -300.f);
  REQUIRE(lm.top.size() == 4);
  CHECK(lm.top[2].token == 9);
  CHECK(lm.top[2].dim == 30);
  CHECK_THAT(lm.top[0].ratio_to_median, WithinAbs(500.f / med, 1e-2 * 500.f / med));
  st.massive_abs = 10.f;  // a user lowers the threshold
  CHECK(massive_activations(r, 2, st).over_threshold.size() == 3);
}

TEST_CASE("random attention-only models: invariants", "[analysis]") {
  for (unsigned seed = 1; seed <= 4; ++seed) {
    const int T = 24, d = 16, L = 3, H = 2, dh = 4;
    Model m = test::attention_only_model(8, d, L, H, dh);
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.f, 0.8f);
    for (auto& w : m.weights.layers)
      for (Tensor* t : {&w.wq, &w.wk, &w.wv, &w.wo})
        for (float& v : t->data) v = n(rng);
    Tensor e({T, d});
    for (float& v : e.data) v = n(rng);
    Taps taps = test::forward_attention_only(m, e);
    AnalysisSettings st;
    st.sink_eps = 0.05f;  // many sinks, to exercise every path
    st.release_max_sinks = -1;
    Analysis an = analyze(m, taps, st);
    for (int l = 0; l < L; ++l) {
      const Tensor& A = *taps.get(test::tname(l, "attn_pattern"));
      for (int h = 0; h < H; ++h) {
        for (int i = 0; i < T; ++i) {
          double row = 0;
          for (int k = 0; k < T; ++k) row += A.at(h, i, k);
          REQUIRE_THAT(row, WithinAbs(1.0, 1e-5));
        }
        double mass = 0;  // every query gives 1 in total: sum_k (T - k) sink_score(k) = T
        for (int k = 0; k < T; ++k) {
          float s = an.score(l, h, k);
          REQUIRE(s >= 0.f);
          REQUIRE(s <= 1.f + 1e-6f);
          mass += s * (T - k);
        }
        REQUIRE_THAT(mass, WithinAbs(T, 1e-3));
        CHECK_THAT(an.score(l, h, T - 1), WithinAbs(A.at(h, T - 1, T - 1), 1e-6));
      }
    }
    REQUIRE(!an.sinks.empty());
    for (const Sink& s : an.sinks) {
      REQUIRE(s.score > st.sink_eps);
      REQUIRE(T - s.key >= st.sink_min_queries);                      // the significance rule
      REQUIRE(s.score >= st.sink_uniform_factor * s.uniform_score);
      REQUIRE(s.tag_alignment.size() == size_t(T - s.key));          // queries at or after the sink only
      for (int i : s.caught) REQUIRE(i >= s.key);
      REQUIRE(s.span_end - s.span_begin <= int(s.caught.size()));
      for (float a : s.tag_alignment) REQUIRE(std::fabs(a) <= 1.f + 1e-5f);
      if (s.has_variance) {
        REQUIRE(s.var_top1 >= 0.f);
        REQUIRE(s.var_top1 <= s.var_top2 + 1e-6f);
        REQUIRE(s.var_top2 <= 1.f + 1e-5f);
        REQUIRE(s.cos_top_pc_tag <= 1.f + 1e-5f);
      }
      REQUIRE(s.has_release);
      REQUIRE(s.release.size() == size_t((L - 1 - s.layer) * H));
      for (const Release& r : s.release) {
        REQUIRE(r.mass_caught <= 1.f + 1e-5f);
        REQUIRE(r.mass_caught >= 0.f);
        REQUIRE(std::isfinite(r.tag_score_share));  // signed; not bounded by 1 when parts cancel
        const auto [cb, ce] = caught_after(s);
        if (ce > cb) REQUIRE(r.uniform_caught >= 0.f);
        else REQUIRE(r.lift == 0.f);
      }
      REQUIRE(s.tag_projection.size() == size_t(L - s.layer));
    }
  }
}

// ---------------------------------------------------------------------------
// The full construction on the single-[SEP] task (training/averaging_report.md):
// inputs [v (8), [SEP] flag, constant 1], no positions, no biases, any vectors.
// Residual dims: 0..7 v, 8 [SEP] flag, 9 constant, 10 the tag, 11..18 the mean.
//   Layer 0 (catch, tag): q = b1 x_9 (every token), k = x_8: a query after the
//     [SEP] scores 40 on it and 0 on vectors, so A[i, s] = 1 (to e^-40); a query
//     before it sees only vectors and spreads 1/(i+1). v = x_8 in head dim 0,
//     W_O maps it to dim 10 times gamma: tag = v_s W_O = gamma e_10.
//   Layer 1 (release): q = b2 x_10, k = x_10 - 2 gamma x_8: a tagged query scores
//     40 on tagged vectors, -40 on the [SEP], 0 on untagged tokens; an untagged
//     query scores 0 everywhere (uniform over [0, i], all vectors). v = x_0..7 ->
//     dims 11..18, read out: the prediction is exactly the mean since the
//     segment start, for vectors of any sign (the old construction needed
//     positive entries because it had no constant to build queries from).
namespace {
const int kT2 = 16, kSep = 6;
constexpr float kGamma2 = 2.0f;

Model full_construction() {
  const int din = 8, d = 19, dh = 8, C = din + 2;
  Model m = test::attention_only_model(din, d, 2, 1, dh);
  m.config.input_width = C;
  m.config.const_index = din + 1;
  m.weights.tok_emb = Tensor({C, d});  // [C, d]: the input columns land on dims 0..9
  for (int j = 0; j < C; ++j) m.weights.tok_emb.at(j, j) = 1.f;
  const float sq = std::sqrt(float(dh));
  LayerWeights& a = m.weights.layers[0];
  a.wq.at(0, 9) = 40.f * sq;  // score 40 / sqrt(dh) * sqrt(dh) on the [SEP]
  a.wk.at(0, 8) = 1.f;
  a.wv.at(0, 8) = 1.f;
  a.wo.at(10, 0) = kGamma2;
  LayerWeights& b = m.weights.layers[1];
  b.wq.at(0, 10) = 40.f * sq / (kGamma2 * kGamma2);
  b.wk.at(0, 10) = 1.f;
  b.wk.at(0, 8) = -2.f * kGamma2;
  for (int j = 0; j < din; ++j) b.wv.at(j, j) = 1.f, b.wo.at(11 + j, j) = 1.f;
  for (int j = 0; j < din; ++j) m.weights.lm_head.at(j, 11 + j) = 1.f;
  return m;
}

// [T, 10]: N(0, 1) vectors (both signs), the [SEP] at kSep, the constant column.
Tensor full_inputs() {
  Tensor x({kT2, 10});
  std::mt19937 rng(5);
  std::normal_distribution<float> n(0.f, 1.f);
  for (int t = 0; t < kT2; ++t) {
    if (t == kSep) x.at(t, 8) = 1.f;
    else for (int j = 0; j < 8; ++j) x.at(t, j) = n(rng);
    x.at(t, 9) = 1.f;
  }
  return x;
}

// The designed patterns (e^-40 terms dropped: below float resolution).
std::vector<double> full_A(int layer) {
  std::vector<double> A(kT2 * kT2, 0.0);
  for (int i = 0; i < kT2; ++i) {
    if (i < kSep) {  // before the [SEP]: uniform over the vectors seen, in both layers
      for (int j = 0; j <= i; ++j) A[i * kT2 + j] = 1.0 / (i + 1);
    } else if (layer == 0) {
      A[i * kT2 + kSep] = 1.0;  // catch
    } else if (i == kSep) {  // the [SEP] is tagged too but scores -40 on itself: uniform before it
      for (int j = 0; j < kSep; ++j) A[i * kT2 + j] = 1.0 / kSep;
    } else {  // release: uniform over the tagged vectors kSep+1..i
      for (int j = kSep + 1; j <= i; ++j) A[i * kT2 + j] = 1.0 / (i - kSep);
    }
  }
  return A;
}
}  // namespace

TEST_CASE("full averaging construction (single [SEP], constant input): every metric's exact value", "[analysis]") {
  const Model m = full_construction();
  const Tensor x = full_inputs();
  const Taps taps = test::forward_attention_only(m, test::embed_inputs(m, x));
  // The task is solved exactly: y_i = mean of the vectors since the segment start.
  const Tensor& y = *taps.get("logits");  // [T, 8]
  for (int i = 0; i < kT2; ++i) {
    if (i == kSep) continue;
    const int from = i < kSep ? 0 : kSep + 1;
    for (int j = 0; j < 8; ++j) {
      double mean = 0;
      for (int t = from; t <= i; ++t) mean += x.at(t, j);
      mean /= (i - from + 1);
      INFO("i " << i << " dim " << j);
      REQUIRE_THAT(y.at(i, j), WithinAbs(mean, 1e-5));
    }
  }
  std::vector<std::string> texts(kT2, "v");
  texts[kSep] = "[SEP]";
  AnalysisSettings st;  // sink_eps 0.2, catch_tau 0.5
  st.release_max_sinks = -1;
  const Analysis an = analyze(m, taps, st, &texts);
  REQUIRE(an.n_layers == 2);
  REQUIRE(an.T == kT2);

  // sink_score of every key, both layers, from the designed patterns; the sink
  // list of each layer is exactly the keys the significance rule admits.
  for (int l = 0; l < 2; ++l) {
    const auto A = full_A(l);
    const Tensor& got = *taps.get(l, "attn_pattern");  // [1, T, T]
    std::set<int> want_sinks, got_sinks;
    for (int k = 0; k < kT2; ++k) {
      double s = 0;
      for (int i = k; i < kT2; ++i) {
        REQUIRE_THAT(got.at(0, i, k), WithinAbs(A[i * kT2 + k], 1e-6));
        s += A[i * kT2 + k];
      }
      s /= (kT2 - k);
      INFO("layer " << l << " key " << k);
      REQUIRE_THAT(an.score(l, 0, k), WithinAbs(s, 1e-6));
      // The significance rule, spelled out: seen by >= 4 queries, above eps,
      // and at least twice what uniform causal attention would give the key.
      double uni = 0;
      for (int i = k; i < kT2; ++i) uni += 1.0 / (i + 1);
      uni /= (kT2 - k);
      if (s > st.sink_eps && kT2 - k >= 4 && s >= 2 * uni) want_sinks.insert(k);
    }
    for (const Sink& sk : an.sinks)
      if (sk.layer == l) got_sinks.insert(sk.key);
    CHECK(got_sinks == want_sinks);
  }
  // Numbers the design fixes: sink_score(s) = 1; key 0 gets H_6 / 16 = 0.1531 (no BOS sink).
  REQUIRE_THAT(an.score(0, 0, kSep), WithinAbs(1.0, 1e-6));
  REQUIRE_THAT(an.score(0, 0, 0), WithinAbs((1 + 1 / 2. + 1 / 3. + 1 / 4. + 1 / 5. + 1 / 6.) / 16, 1e-6));
  REQUIRE(an.sink1_share == 0.f);

  // Catch: the [SEP] is layer 0's only sink and catches exactly its segment.
  std::vector<const Sink*> l0;
  for (const Sink& sk : an.sinks)
    if (sk.layer == 0) l0.push_back(&sk);
  REQUIRE(l0.size() == 1);
  const Sink& s = *l0[0];
  CHECK(s.key == kSep);
  CHECK(s.kind == SinkKind::Other);
  std::vector<int> segment;
  for (int i = kSep; i < kT2; ++i) segment.push_back(i);
  CHECK(s.caught == segment);
  CHECK(s.span_begin == kSep);
  CHECK(s.span_end == kT2);

  // Tag: v_s W_O = gamma e_10; every caught token's head output is that vector
  // (alignment 1), the tokens before the [SEP] get none (0 by definition).
  REQUIRE(s.tag.size() == 19);
  for (int o = 0; o < 19; ++o) CHECK_THAT(s.tag[o], WithinAbs(o == 10 ? kGamma2 : 0.0, 1e-6));
  CHECK_THAT(s.tag_norm, WithinAbs(kGamma2, 1e-6));
  REQUIRE(s.tag_alignment.size() == size_t(kT2 - kSep));  // queries before the sink get no alignment
  for (int i = kSep; i < kT2; ++i) {
    INFO("token " << i);
    CHECK_THAT(s.tag_alignment[i - kSep], WithinAbs(1.0, 1e-6));
  }
  // tag_variance: the head's output is 0 or gamma e_10: one direction, the tag's.
  REQUIRE(s.has_variance);
  CHECK_THAT(s.var_top1, WithinAbs(1.0, 1e-5));
  CHECK_THAT(s.var_top2, WithinAbs(1.0, 1e-5));
  CHECK_THAT(s.cos_top_pc_tag, WithinAbs(1.0, 1e-5));
  // The tag's path: gamma on every caught token after layers 0 and 1 (layer 1 writes
  // dims 11..18), 0 on the others.
  REQUIRE(s.tag_projection.size() == 2);
  for (int k = 0; k < 2; ++k) {
    CHECK_THAT(s.tag_projection[k], WithinAbs(kGamma2, 1e-5));
    CHECK_THAT(s.tag_projection_others[k], WithinAbs(0.0, 1e-6));
  }

  // Release by layer 1's head: C = (s, T), queries j = s+1..T-1, each putting
  // its mass on the tagged tokens; the baseline spreads the non-sink
  // attention over the j non-sink keys a query sees.
  REQUIRE(s.has_release);
  REQUIRE(s.release.size() == 1);
  const Release& r = s.release[0];
  CHECK(r.layer == 1);
  CHECK(r.head == 0);
  const auto A1 = full_A(1);
  double mass = 0, base = 0;
  for (int j = kSep + 1; j < kT2; ++j) {
    for (int i = kSep + 1; i <= j; ++i) mass += A1[j * kT2 + i];
    base += (1.0 - A1[j * kT2 + kSep]) * double(j - kSep) / j;
  }
  mass /= kT2 - kSep - 1, base /= kT2 - kSep - 1;
  CHECK_THAT(r.mass_caught, WithinAbs(mass, 1e-6));
  CHECK_THAT(r.uniform_caught, WithinAbs(base, 1e-6));
  CHECK_THAT(r.lift, WithinAbs(mass / base, 1e-5));
  CHECK(r.lift > 1.0);
  // Every bit of the score that pulls tagged queries to tagged keys is the tag.
  CHECK_THAT(r.tag_score_share, WithinAbs(1.0, 1e-5));
}
