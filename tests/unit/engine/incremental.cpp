// The Engine's cache (prefix reuse equals a full recompute), interventions
// (hooks) and the matmul kernel against its plain reference.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "backends/cpu/kernels.h"
#include "engine/engine.h"
#include "support/engine_util.h"

using namespace ss;
using namespace ss::testing;

static void require_same_taps(const Taps& a, const Taps& b, double tol) {
  REQUIRE(a.named.size() == b.named.size());
  for (const auto& [name, t] : b.named) {
    INFO("tap " << name);
    const Tensor* other = a.get(name);
    REQUIRE(other != nullptr);
    // Relative to the tap's scale: the few-row and the tiled matmul paths sum
    // in different orders (and natively with FMA), so large residuals differ
    // in their last bits.
    float scale = 0.0f;
    for (float f : t.data) scale = std::max(scale, std::isfinite(f) ? std::fabs(f) : 0.0f);
    CHECK(max_abs_diff(*other, t) <= tol * (1.0 + scale));
  }
}

TEST_CASE("Engine: appended tokens reuse the prefix and equal a full pass", "[engine][incremental]") {
  for (const char* family : {"gpt2", "llama", "neox"}) {
    INFO(family);
    auto model = load_model_dir(tiny_dir(family));
    REQUIRE(model.ok());
    std::vector<int32_t> ids = {1, 17, 4, 88, 23, 5, 61, 9, 33, 2, 70, 45, 12};
    Hooks hooks = {{HookKind::RemoveKey, 1, 2, 3, {}}};  // hooks must survive the incremental path
    Engine eng;
    auto backend = make_cpu_backend();
    for (size_t n : {5, 6, 9, 13}) {  // typing: each call extends the last
      std::span<const int32_t> prefix(ids.data(), n);
      auto r = eng.run(*model, prefix, hooks);
      REQUIRE(r.ok());
      Taps full;
      REQUIRE(backend->forward(*model, prefix, hooks, {}, full).ok());
      require_same_taps(**r, full, 1e-5);
    }
    CHECK(eng.stats().full_passes == 1);
    CHECK(eng.stats().incremental_passes == 3);
    CHECK(eng.stats().rows_computed == 13);

    // Same request: no work.
    REQUIRE(eng.run(*model, ids, hooks).ok());
    CHECK(eng.stats().cache_hits == 1);
    CHECK(eng.stats().rows_computed == 13);

    // Editing the last two tokens (backspace + retype) recomputes only them.
    std::vector<int32_t> edited = ids;
    edited[11] = 3, edited[12] = 7;
    auto r = eng.run(*model, edited, hooks);
    REQUIRE(r.ok());
    CHECK(eng.stats().rows_computed == 15);
    Taps full;
    REQUIRE(backend->forward(*model, edited, hooks, {}, full).ok());
    require_same_taps(**r, full, 1e-5);

    // Deleting tokens is a pure truncation.
    std::span<const int32_t> shorter(edited.data(), 8);
    r = eng.run(*model, shorter, hooks);
    REQUIRE(r.ok());
    CHECK(eng.stats().rows_computed == 15);
    Taps full8;
    REQUIRE(backend->forward(*model, shorter, hooks, {}, full8).ok());
    require_same_taps(**r, full8, 1e-5);

    // Retyping the end into more tokens, then fewer: kept rows are moved in
    // place to the new row length (both directions of resize_rows).
    std::vector<int32_t> longer(edited.begin(), edited.begin() + 6);
    longer.insert(longer.end(), {9, 10, 11, 12});  // T 8 -> 10, prefix 6
    std::vector<int32_t> cut(longer.begin(), longer.begin() + 4);
    cut.push_back(5);  // T 10 -> 5, prefix 4
    int64_t rows = 15;
    for (const auto* v : {&longer, &cut}) {
      r = eng.run(*model, *v, hooks);
      REQUIRE(r.ok());
      rows += v == &longer ? 4 : 1;
      CHECK(eng.stats().rows_computed == rows);
      Taps ref;
      REQUIRE(backend->forward(*model, *v, hooks, {}, ref).ok());
      require_same_taps(**r, ref, 1e-5);
    }

    // New hooks or a new weights version: a full pass.
    REQUIRE(eng.run(*model, shorter).ok());
    CHECK(eng.stats().full_passes == 2);
    model->weights.version++;
    REQUIRE(eng.run(*model, shorter).ok());
    CHECK(eng.stats().full_passes == 3);
  }
}

TEST_CASE("Engine: averaging inputs extend incrementally too", "[engine][incremental]") {
  auto model = load_model_dir(tiny_dir("averaging"));
  REQUIRE(model.ok());
  Golden g = load_golden("averaging");
  Tensor all = g.get("seq1.inputs");  // [20, 9]
  REQUIRE(all.dim(0) == 20);
  Engine eng;
  Tensor first = all;
  first.shape[0] = 12;
  first.data.resize(12 * 9);
  REQUIRE(eng.run_inputs(*model, first).ok());
  auto r = eng.run_inputs(*model, all);
  REQUIRE(r.ok());
  CHECK(eng.stats().incremental_passes == 1);
  CHECK(eng.stats().rows_computed == 20);
  CHECK(max_scaled_diff(*(*r)->get("logits"), g.get("seq1.logits")) <= 1e-4);
  CHECK(max_abs_diff(*(*r)->get(1, "attn_pattern"), g.get("seq1.attn.1")) <= 1e-4);
}

TEST_CASE("Hooks: ZeroHead, RemoveKey, ZeroValue, ReplaceValue, SubtractDirection", "[engine][hooks]") {
  auto model = load_model_dir(tiny_dir("gpt2"));
  REQUIRE(model.ok());
  const auto& c = model->config;
  std::vector<int32_t> ids = {1, 40, 7, 19, 66, 3, 52, 8};
  const int64_t T = ids.size();
  auto backend = make_cpu_backend();
  Taps base;
  REQUIRE(backend->forward(*model, ids, {}, {}, base).ok());

  SECTION("ZeroHead zeroes that head's head_out and changes the logits") {
    Taps t;
    REQUIRE(backend->forward(*model, ids, {{HookKind::ZeroHead, 0, 2, -1, {}}}, {}, t).ok());
    const Tensor& ho = *t.get(0, "head_out");
    double head2 = 0, head1 = 0;
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < c.d_model; ++j) head2 += std::fabs(ho.at(2, i, j)), head1 += std::fabs(ho.at(1, i, j));
    CHECK(head2 == 0.0);
    CHECK(head1 > 0.0);
    CHECK(max_abs_diff(*t.get("logits"), *base.get("logits")) > 1e-3);
    CHECK(max_abs_diff(*t.get(0, "attn_pattern"), *base.get(0, "attn_pattern")) == 0.0);  // pattern untouched
  }
  SECTION("RemoveKey zeroes the key's column; rows still sum to 1") {
    Taps t;
    REQUIRE(backend->forward(*model, ids, {{HookKind::RemoveKey, 1, -1, 0, {}}}, {}, t).ok());
    const Tensor& p = *t.get(1, "attn_pattern");
    for (int64_t h = 0; h < c.n_heads; ++h)
      for (int64_t i = 1; i < T; ++i) {
        CHECK(p.at(h, i, 0) == 0.0f);
        double sum = 0;
        for (int64_t j = 0; j < T; ++j) sum += p.at(h, i, j);
        CHECK(sum == Approx(1.0).epsilon(1e-5));
      }
    CHECK(base.get(1, "attn_pattern")->at(0, 5, 0) > 0.0f);
    CHECK(max_abs_diff(*t.get("logits"), *base.get("logits")) > 1e-3);
    CHECK(max_abs_diff(*t.get(0, "attn_pattern"), *base.get(0, "attn_pattern")) == 0.0);  // other layer untouched
  }
  SECTION("ZeroValue and ReplaceValue edit v at one position") {
    Taps t;
    std::vector<float> vec(c.d_head, 0.5f);
    REQUIRE(backend->forward(*model, ids, {{HookKind::ZeroValue, 0, 1, 0, {}}, {HookKind::ReplaceValue, 0, 3, 4, vec}}, {}, t).ok());
    const Tensor& v = *t.get(0, "v");
    for (int64_t e = 0; e < c.d_head; ++e) {
      CHECK(v.at(0, 1, e) == 0.0f);
      CHECK(v.at(4, 3, e) == 0.5f);
    }
    CHECK(v.at(0, 0, 0) == base.get(0, "v")->at(0, 0, 0));
  }
  SECTION("SubtractDirection leaves resid_post orthogonal to the direction") {
    std::vector<float> u(c.d_model);
    for (int j = 0; j < c.d_model; ++j) u[j] = std::sin(1.0f + j);
    Taps t;
    REQUIRE(backend->forward(*model, ids, {{HookKind::SubtractDirection, 0, -1, -1, u}}, {}, t).ok());
    const Tensor& r = *t.get(0, "resid_post");
    const Tensor& r0 = *base.get(0, "resid_post");
    for (int64_t i = 0; i < T; ++i) {
      double dot = 0, dot0 = 0, nn = 0;
      for (int j = 0; j < c.d_model; ++j) dot += r.at(i, j) * u[j], dot0 += r0.at(i, j) * u[j], nn += u[j] * u[j];
      CHECK(std::fabs(dot) / std::sqrt(nn) < 1e-4);
      CHECK(std::fabs(dot0) / std::sqrt(nn) > 1e-4);
    }
  }
  SECTION("bad hooks are errors") {
    Taps t;
    auto r = backend->forward(*model, ids, {{HookKind::ZeroHead, 9, 0, -1, {}}}, {}, t);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("layer 9"));
    r = backend->forward(*model, ids, {{HookKind::SubtractDirection, 0, -1, -1, {1.0f}}}, {}, t);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("d_model"));
  }
}

TEST_CASE("linear kernel equals the plain reference on awkward sizes", "[engine][kernels]") {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  for (auto [n, in, out] : {std::tuple{1, 7, 5}, {3, 16, 9}, {5, 33, 12}, {8, 64, 64}, {2, 3, 1}}) {
    std::vector<float> x(n * in), W(out * in), b(out), y(n * out), y0(n * out);
    for (auto* v : {&x, &W, &b})
      for (float& f : *v) f = nd(rng);
    cpu::linear(x.data(), n, in, W.data(), out, b.data(), y.data());
    cpu::linear_plain(x.data(), n, in, W.data(), out, b.data(), y0.data());
    double err = 0;
    for (size_t i = 0; i < y.size(); ++i) err = std::max(err, double(std::fabs(y[i] - y0[i])));
    INFO(cpu::linear_path() << " n=" << n << " in=" << in << " out=" << out);
    CHECK(err < 1e-4);
  }
}

TEST_CASE("TapFilter: skip drops taps even with all, never logits", "[engine][taps]") {
  auto model = load_model_dir(tiny_dir("llama"));
  REQUIRE(model.ok());
  const std::vector<int32_t> ids = {1, 17, 4, 88};
  auto backend = make_cpu_backend();
  TapFilter live;  // what the app's live engine asks for
  live.skip = {"attn_scores"};
  Taps taps;
  REQUIRE(backend->forward(*model, ids, {}, live, taps).ok());
  CHECK(taps.get(0, "attn_scores") == nullptr);
  CHECK(taps.get(0, "attn_pattern") != nullptr);
  CHECK(taps.get(0, "head_out") != nullptr);
  TapFilter some;
  some.all = false, some.names = {"attn_pattern"}, some.skip = {"blocks.0.attn_pattern", "logits"};
  Taps few;
  REQUIRE(backend->forward(*model, ids, {}, some, few).ok());
  CHECK(few.get(0, "attn_pattern") == nullptr);
  CHECK(few.get(1, "attn_pattern") != nullptr);
  CHECK(few.get("logits") != nullptr);
  CHECK(few.get(1, "q") == nullptr);
}

TEST_CASE("tap_filter_from_list: names keep, a leading '-' skips", "[engine][taps]") {
  const TapFilter every = tap_filter_from_list("");
  CHECK(every.all);
  CHECK(every.wants("blocks.3.attn_scores"));
  const TapFilter some = tap_filter_from_list("attn_pattern,blocks.0.q");
  CHECK_FALSE(some.all);
  CHECK(some.wants("blocks.2.attn_pattern"));
  CHECK(some.wants("blocks.0.q"));
  CHECK_FALSE(some.wants("blocks.1.q"));
  CHECK(some.wants("logits"));  // always
  const TapFilter live = tap_filter_from_list("-attn_scores,-head_out");  // the app's live taps
  CHECK(live.all);
  CHECK_FALSE(live.wants("blocks.0.attn_scores"));
  CHECK_FALSE(live.wants("blocks.5.head_out"));
  CHECK(live.wants("blocks.5.attn_pattern"));
  const TapFilter mixed = tap_filter_from_list("q,-blocks.1.q");
  CHECK_FALSE(mixed.all);
  CHECK(mixed.wants("blocks.0.q"));
  CHECK_FALSE(mixed.wants("blocks.1.q"));
  CHECK_FALSE(mixed.wants("blocks.0.k"));
}
