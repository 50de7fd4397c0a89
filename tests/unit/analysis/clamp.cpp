// clamp_outlier (docs/metrics.md): the ClampDim hook, its medians, and a
// constructed sink that exists only because of one outlier dimension.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "analysis/analysis.h"
#include "analysis/clamp.h"
#include "engine/backend.h"
#include "engine/engine.h"
#include "model/loader.h"
#include "engine/validate.h"
#include "support/analysis_fixtures.h"

using namespace ss;

namespace {

// Attention only, one head (dh 2), no norm, no RoPE, the identity embedding:
// q = x_7 (a constant 1 feature), k = x_3; token 0 has x_3 = 20, the others
// 0, so every query's score for key 0 is 20 / sqrt(2) and 0 for the rest:
// key 0 is a sink only because of dim 3.
constexpr int kT = 12, kD = 8;
Model outlier_model(int L) {
  Model m = test::attention_only_model(kD - 1, kD, L, 1, 2);
  for (int j = 0; j < kD; ++j) m.weights.tok_emb.at(j, j) = 1.f;
  for (LayerWeights& w : m.weights.layers) {
    w.wq.at(0, 7) = 1.f;
    w.wk.at(0, 3) = 1.f;
    w.wv.at(1, 5) = 1.f;  // something to write: head dim 1 reads dim 5 ...
    w.wo.at(6, 1) = 1.f;  // ... into dim 6, away from the dims above
  }
  return m;
}
Tensor outlier_inputs() {
  Tensor x({kT, kD});  // [T, input_width = d]
  for (int t = 0; t < kT; ++t) x.at(t, 7) = 1.f, x.at(t, 5) = 0.1f * float(t);
  x.at(0, 3) = 20.f;
  return x;
}

double max_logit_change(const Taps& a, const Taps& b) {
  double m = 0;
  const Tensor& x = *a.get("logits");
  const Tensor& y = *b.get("logits");
  for (size_t i = 0; i < x.data.size(); ++i) m = std::max(m, double(std::fabs(x.data[i] - y.data[i])));
  return m;
}

}  // namespace

TEST_CASE("clamp_outlier: clamping the outlier removes the sink it made", "[clamp]") {
  const Model m = outlier_model(2);
  const Tensor in = outlier_inputs();
  auto cpu = make_cpu_backend();
  Taps before;
  auto r = cpu->forward_inputs(m, in, {}, TapFilter{}, before);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  const Analysis a0 = analyze(m, before, AnalysisSettings{});
  REQUIRE(a0.score(0, 0, 0) > 0.9f);  // a sink at key 0 in both layers
  REQUIRE(!a0.sinks.empty());
  CHECK(a0.sinks[0].key == 0);
  CHECK(top_outlier_dim(before, 0, 0) == 3);

  const std::vector<float> med = clamp_medians(before, 2, 3);
  REQUIRE(med.size() == 2);
  CHECK(med[0] == 0.f);  // eleven zeros and one 20: the median is 0
  ClampSpec spec;
  spec.dim = 3, spec.from_layer = 0, spec.tokens = {0};
  const Hooks hooks = clamp_hooks(spec, med);
  REQUIRE(hooks.size() == 1);
  Taps after;
  REQUIRE(cpu->forward_inputs(m, in, hooks, TapFilter{}, after).ok());
  CHECK(after.get("blocks.0.resid_pre")->at(0, 3) == 0.f);  // the tap shows the clamped value
  const Analysis a1 = analyze(m, after, AnalysisSettings{});
  // Every score is now 0: attention is uniform, and key 0 gets only what uniform attention gives it.
  CHECK(a1.score(0, 0, 0) == Approx(uniform_scores(kT)[0]).epsilon(1e-5));
  for (const Sink& s : a1.sinks) CHECK(s.key != 0);
  const ClampSide b = clamp_side(a0, 0.f), c = clamp_side(a1, 0.f);
  CHECK(b.key0_max > 0.9f);
  CHECK(c.key0_max < 0.3f);
  CHECK(c.n_sinks < b.n_sinks);
}

TEST_CASE("clamp_outlier: from a later layer on, earlier layers keep the sink", "[clamp]") {
  const Model m = outlier_model(2);
  const Tensor in = outlier_inputs();
  auto cpu = make_cpu_backend();
  Taps before, after;
  REQUIRE(cpu->forward_inputs(m, in, {}, TapFilter{}, before).ok());
  ClampSpec spec;
  spec.dim = 3, spec.from_layer = 1;  // every token, from layer 1 on
  REQUIRE(cpu->forward_inputs(m, in, clamp_hooks(spec, clamp_medians(before, 2, 3)), TapFilter{}, after).ok());
  const Analysis a1 = analyze(m, after, AnalysisSettings{});
  CHECK(a1.score(0, 0, 0) > 0.9f);                                            // layer 0: untouched
  CHECK(a1.score(1, 0, 0) == Approx(uniform_scores(kT)[0]).epsilon(1e-5));  // layer 1: gone
  // The layer-0 taps equal the unclamped pass's.
  CHECK(after.get("blocks.0.attn_pattern")->data == before.get("blocks.0.attn_pattern")->data);
}

TEST_CASE("clamp_outlier: medians, the CLI's syntax and the hook's checks", "[clamp]") {
  Taps t;
  Tensor x({4, 2});  // [T, d]: dim 1 holds 5, -1, 2, 100 -> median (2 + 5) / 2
  x.at(0, 1) = 5, x.at(1, 1) = -1, x.at(2, 1) = 2, x.at(3, 1) = 100;
  t.named["blocks.0.resid_pre"] = x;
  REQUIRE(clamp_medians(t, 1, 1) == std::vector<float>{3.5f});
  CHECK(clamp_medians(t, 1, 2).empty());  // no such dim
  CHECK(clamp_medians(t, 2, 1).empty());  // layer 1 missing
  CHECK(top_outlier_dim(t, 0, 3) == 1);

  ClampSpec s;
  CHECK(parse_clamp("292@0", 384, 8, 50, s) == "");
  CHECK((s.dim == 292 && s.from_layer == 0 && s.tokens.empty()));
  CHECK(parse_clamp("292@2:0+5-7+6", 384, 8, 50, s) == "");
  CHECK(s.tokens == std::vector<int>{0, 5, 6, 7});
  CHECK(s.from_layer == 2);
  for (const char* bad : {"", "292", "292@", "@1", "292@1:", "292@1:3-", "292@1:5-3", "292@1:50", "384@0", "1@8", "1@0x", "1@0:1,2"})
    CHECK(parse_clamp(bad, 384, 8, 50, s) != "");

  const Model m = outlier_model(2);
  Capabilities caps;
  caps.families = {Family::Averaging};
  caps.hooks = {HookKind::ClampDim};
  Tensor in = outlier_inputs();
  auto check = [&](Hook h) { return validate_pass(Pass{&m, m.name, ForwardInput{{}, &in}, {h}, TapFilter{}}, caps, "test"); };
  Hook ok{HookKind::ClampDim, 0, -1, 0, {0.f, 0.f}, 3};
  CHECK(check(ok).ok());
  Hook h = ok;
  h.dim = kD;
  CHECK(!check(h).ok());
  h = ok, h.vec = {0.f};
  CHECK(!check(h).ok());
  h = ok, h.vec = {0.f, NAN};
  CHECK(!check(h).ok());
  caps.hooks = {};
  CHECK(!check(ok).ok());  // a backend that does not claim it refuses it
}

TEST_CASE("clamp_outlier: the hook survives the incremental path in every family", "[clamp]") {
  for (const char* family : {"gpt2", "llama", "neox"}) {
    INFO(family);
    auto model = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tiny/" + family);
    REQUIRE(model.ok());
    const std::vector<int32_t> ids = {1, 17, 4, 88, 23, 5, 61, 9, 33, 2, 70, 45, 12};
    auto cpu = make_cpu_backend();
    Taps base;
    REQUIRE(cpu->forward(*model, ids, {}, {}, base).ok());
    ClampSpec spec;
    spec.dim = top_outlier_dim(base, 1, 0), spec.from_layer = 1, spec.tokens = {0, 3};
    const std::vector<float> med = clamp_medians(base, model->config.n_layers, spec.dim);
    REQUIRE(med.size() == size_t(model->config.n_layers));
    const Hooks hooks = clamp_hooks(spec, med);
    Taps full;
    REQUIRE(cpu->forward(*model, ids, hooks, {}, full).ok());
    for (int l = 1; l < model->config.n_layers; ++l) {
      CHECK(full.get(l, "resid_pre")->at(0, spec.dim) == med[l]);
      CHECK(full.get(l, "resid_pre")->at(3, spec.dim) == med[l]);
    }
    CHECK(full.get(0, "resid_pre")->at(0, spec.dim) == base.get(0, "resid_pre")->at(0, spec.dim));  // before from_layer
    Engine eng;  // typing: 5 tokens, then the rest; the same clamp
    REQUIRE(eng.run(*model, std::span<const int32_t>(ids.data(), 5), hooks).ok());
    auto r = eng.run(*model, ids, hooks);
    REQUIRE(r.ok());
    CHECK(eng.stats().incremental_passes == 1);
    const Tensor& a = *(*r)->get("logits");
    const Tensor& b = *full.get("logits");
    double worst = 0, scale = 1;
    for (size_t i = 0; i < a.data.size(); ++i)
      worst = std::max(worst, double(std::fabs(a.data[i] - b.data[i]))), scale = std::max(scale, double(std::fabs(b.data[i])));
    CHECK(worst <= 1e-4 * scale);
    CHECK(max_logit_change(base, full) > 0);
  }
}
