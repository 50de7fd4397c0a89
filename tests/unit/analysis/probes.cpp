// Tag probes (src/analysis/probes.h) on known answers: residuals whose label
// is a linear function of the tag directions only, so the tag probe must find
// it and the complement probe must not; catch labels of a hand-built pattern.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "analysis/probes.h"
#include "analysis/report_second_half.h"
#include "support/analysis_fixtures.h"

using namespace ss;

namespace {

// A unit vector of R^d: e_j rotated a little towards e_{j+1}, so that the
// directions are not axis-aligned (a probe must not rely on that).
std::vector<float> unit_dir(int d, int j) {
  std::vector<float> u(d, 0.f);  // [d]
  u[j] = 0.8f, u[(j + 1) % d] = 0.6f;
  return u;
}

// The label is the sign of one tag direction's coefficient: head_out = +-3 t
// (plus a weaker second direction of noise), residual = head_out + N(0, 1).
ProbeData linear_in_tag(int d, int windows, int per_window, unsigned seed) {
  ProbeData pd;
  pd.d = d;
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.f, 1.f);
  const std::vector<float> t = unit_dir(d, 0), w = unit_dir(d, 5);  // [d] each
  for (int win = 0; win < windows; ++win)
    for (int i = 0; i < per_window; ++i) {
      const int y = (i + win) % 2;  // balanced: chance is exactly 0.5
      const float a = y ? 3.f : -3.f, b = 0.3f * noise(rng);
      for (int j = 0; j < d; ++j) {
        const float o = a * t[j] + b * w[j];
        pd.head_out.push_back(o);
        pd.resid.push_back(o + noise(rng));
      }
      pd.label.push_back(y);
      pd.fold.push_back(win);
    }
  return pd;
}

}  // namespace

TEST_CASE("probes: a label linear in the tag direction is found in the tag subspace only", "[probes]") {
  const ProbeData pd = linear_in_tag(16, 6, 40, 7);
  ProbeResult r;
  run_probes(pd, 2, ProbeSettings{}, r);
  CHECK(r.n_tokens == 240);
  CHECK(r.n_folds == 6);
  CHECK(r.tag_dims == 2);
  CHECK(r.chance == 0.5f);
  REQUIRE(r.class_counts == std::vector<int>{120, 120});
  const float tag = r.accuracy[int(ProbeSpace::Tag)], comp = r.accuracy[int(ProbeSpace::Complement)];
  const float full = r.accuracy[int(ProbeSpace::Full)];
  INFO("tag " << tag << " complement " << comp << " full " << full << " random " << r.accuracy[3]);
  CHECK(tag >= 0.97f);                      // N(0, 1) noise against a +-3 separation: ~0.1% errors
  CHECK(full >= 0.95f);                     // the full residual holds the tag too
  CHECK(std::fabs(comp - 0.5f) <= 0.12f);   // the complement holds only noise: chance
}

TEST_CASE("probes: deterministic, and the random basis is orthonormal", "[probes]") {
  const std::vector<double> a = random_basis(20, 3, 1234), b = random_basis(20, 3, 1234), c = random_basis(20, 3, 99);
  CHECK(a == b);
  CHECK(a != c);
  for (int p = 0; p < 3; ++p)
    for (int q = 0; q < 3; ++q) {
      double dot = 0;
      for (int j = 0; j < 20; ++j) dot += a[j * 3 + p] * a[j * 3 + q];
      CHECK(std::fabs(dot - (p == q ? 1.0 : 0.0)) < 1e-12);
    }
  const ProbeData pd = linear_in_tag(12, 4, 30, 3);
  ProbeResult r1, r2;
  run_probes(pd, 2, ProbeSettings{}, r1);
  run_probes(pd, 2, ProbeSettings{}, r2);
  CHECK(r1.accuracy == r2.accuracy);
}

namespace {
// One head's pattern [T = 12, 12]: rows 1-2 on key 0 (0.9), rows 3-7 on key 3
// (0.8, the rest on 0), rows 8-11 back on key 0 (0.95), the rest on the query itself.
std::vector<float> two_sink_pattern() {
  const int T = 12;
  std::vector<float> A(T * T, 0.f);  // [T, T]
  A[0] = 1.f;
  for (int i = 1; i < T; ++i) {
    float on0 = i < 3 ? 0.9f : i < 8 ? 0.2f : 0.95f, on3 = (i >= 3 && i < 8) ? 0.8f : 0.f;
    A[i * T + 0] = on0;
    A[i * T + 3] += on3;
    A[i * T + i] += 1.f - on0 - on3;
  }
  return A;
}
}  // namespace

TEST_CASE("probes: catch labels are the catching sink's kind", "[probes]") {
  const std::vector<float> A = two_sink_pattern();
  std::vector<std::string> texts(12, "x");
  texts[3] = "\n";
  const std::vector<int> got = catch_labels(A.data(), 12, AnalysisSettings{}, &texts);
  // -1 position 0; 1 bos; 3 newline (catch_class_name order).
  CHECK(got == std::vector<int>{-1, 1, 1, 3, 3, 3, 3, 3, 1, 1, 1, 1});
  CHECK(std::string(catch_class_name(3)) == "newline");
  AnalysisSettings strict;
  strict.catch_tau = 0.92f;  // only rows 8-11 reach it (on key 0)
  CHECK(catch_labels(A.data(), 12, strict, &texts) == std::vector<int>{-1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1});
}

namespace {
// Windows whose head (layer 0, head 0) catches a run on a newline sink, the
// rest on BOS; head_out = 6 x the catching sink's tag (two orthogonal tags), the
// residual = head_out + N(0, 1): the label is linear in the tag subspace.
struct Windows {
  Model m = test::attention_only_model(4, 24, 1, 1, 4);
  std::vector<Taps> taps;
  std::vector<std::vector<std::string>> texts;
};
Windows catch_windows(int n, int T) {
  Windows w;
  const int d = 24;
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0.f, 1.f);
  const std::vector<float> tag_bos = unit_dir(d, 2), tag_nl = unit_dir(d, 9);  // orthogonal
  for (int win = 0; win < n; ++win) {
    const int s = 4 + win % 5, e = s + 8;  // newline sink at s catches s..e-1
    Tensor A({1, T, T}), ho({1, T, d}), r({T, d});
    std::vector<std::string> texts(T, "w");
    texts[s] = "\n";
    for (int i = 0; i < T; ++i) {
      const bool nl = i >= s && i < e;
      const int key = nl ? s : 0;
      A.at(0, i, key) += 0.9f;
      A.at(0, i, i) += 0.1f;
      for (int j = 0; j < d; ++j) {
        ho.at(0, i, j) = 6.f * (nl ? tag_nl[j] : tag_bos[j]);
        r.at(i, j) = ho.at(0, i, j) + noise(rng);
      }
    }
    Taps t;
    t.named["blocks.0.attn_pattern"] = A, t.named["blocks.0.head_out"] = ho, t.named["blocks.0.resid_post"] = r;
    w.taps.push_back(std::move(t));
    w.texts.push_back(std::move(texts));
  }
  return w;
}
}  // namespace

TEST_CASE("probes: catch target end to end, held out by window", "[probes]") {
  const Windows w = catch_windows(6, 32);
  std::vector<ProbeWindow> pw;
  for (size_t i = 0; i < w.taps.size(); ++i) pw.push_back({&w.taps[i], &w.texts[i]});
  const ProbeResult r = probe_catch(w.m, pw, 0, 0, AnalysisSettings{}, ProbeSettings{});
  CHECK(r.target == "catch");
  REQUIRE(r.classes == std::vector<std::string>{"bos", "newline"});
  CHECK(r.class_counts == std::vector<int>{6 * 23, 6 * 8});
  CHECK(r.n_tokens == 6 * 31);
  CHECK(r.n_folds == 6);
  CHECK(r.chance == Approx(23.f / 31.f));
  INFO("tag " << r.accuracy[0] << " complement " << r.accuracy[1] << " full " << r.accuracy[2] << " random " << r.accuracy[3]);
  CHECK(r.accuracy[int(ProbeSpace::Tag)] >= 0.97f);
  // The head's outputs span exactly the two tags: without them only noise is
  // left, and the best a probe can do is the majority class.
  CHECK(r.accuracy[int(ProbeSpace::Complement)] <= r.chance + 0.05f);
}

TEST_CASE("probes: the user's labels, leave one token out", "[probes]") {
  const Windows w = catch_windows(1, 40);
  std::vector<int> labels(40, -1);
  for (int i = 4; i < 12; ++i) labels[i] = 1;   // the newline span (s = 4): B
  for (int i = 20; i < 30; ++i) labels[i] = 0;  // BOS-caught tokens: A
  const ProbeResult r = probe_labels(w.m, w.taps[0], 0, 0, labels, ProbeSettings{});
  CHECK(r.target == "labels");
  CHECK(r.classes == std::vector<std::string>{"A", "B"});
  CHECK(r.n_tokens == 18);
  CHECK(r.n_folds == 18);
  CHECK(r.chance == Approx(10.f / 18.f));
  CHECK(r.accuracy[int(ProbeSpace::Tag)] == 1.f);
}

TEST_CASE("probes: default heads catch most after sinks at keys > 0", "[probes]") {
  Analysis an;
  auto sink = [](int l, int h, int key, float score, int b, int e) {
    Sink s;
    s.layer = l, s.head = h, s.key = key, s.score = score, s.span_begin = b, s.span_end = e;
    return s;
  };
  an.sinks = {sink(0, 0, 0, 0.9f, 0, 30), sink(1, 2, 0, 0.5f, 0, 3), sink(1, 2, 5, 0.4f, 5, 12),
              sink(2, 1, 7, 0.3f, 7, 20), sink(3, 0, 4, 0.6f, 4, 11)};
  // caught after: (1,2) 6, (2,1) 12, (3,0) 6 (ties: stronger sink first) -> (2,1), (3,0), (1,2).
  CHECK(default_probe_heads(an, 4) == std::vector<std::pair<int, int>>{{2, 1}, {3, 0}, {1, 2}});
  CHECK(default_probe_heads(an, 1) == std::vector<std::pair<int, int>>{{2, 1}});
  an.sinks = {sink(0, 0, 0, 0.5f, 0, 30), sink(1, 1, 0, 0.9f, 0, 30)};
  CHECK(default_probe_heads(an, 4) == std::vector<std::pair<int, int>>{{1, 1}});
}

TEST_CASE("probes reach the JSON and CSV", "[probes]") {
  SecondHalf sh;
  ProbeResult r;
  r.layer = 6, r.head = 2, r.target = "catch", r.classes = {"none", "punctuation"}, r.class_counts = {30, 10};
  r.n_tokens = 40, r.n_folds = 3, r.tag_dims = 2, r.chance = 0.75f, r.accuracy = {0.8f, 0.7f, 0.9f, 0.75f};
  sh.probes.push_back(r);
  nlohmann::json j;
  add_second_half_json(sh, j);
  REQUIRE(j["probes"].size() == 1);
  const auto& p = j["probes"][0];
  CHECK(p["accuracy"]["tag"].get<float>() == 0.8f);
  CHECK(p["accuracy"]["random"].get<float>() == 0.75f);
  CHECK(p["classes"] == nlohmann::json({"none", "punctuation"}));
  CHECK(p["n_folds"] == 3);
  const std::string csv = second_half_csv(sh);
  CHECK(csv.find("probe,6,2,,,,catch.complement,0.699999988\n") != std::string::npos);
  CHECK(csv.find("probe,6,2,,,,catch.chance,0.75\n") != std::string::npos);
}
