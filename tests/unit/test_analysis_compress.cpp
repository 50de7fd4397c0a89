// Compression: SVD recovers a rank-1 weight, pruning keeps the largest
// entries, the OATS budget rule, and per-head slicing of a Model.
#include <catch2/catch.hpp>
#include <random>

#include "analysis/compress.h"
#include "test_analysis_fixtures.h"

using namespace ss;
using Catch::Matchers::WithinAbs;

TEST_CASE("lowrank recovers a rank-1 weight; sparse prunes by magnitude", "[analysis]") {
  const int m = 7, n = 11;
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.f, 1.f);
  std::vector<float> u(m), v(n);
  for (float& x : u) x = g(rng);
  for (float& x : v) x = g(rng);
  Tensor W({m, n}), noisy({m, n});
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) W.at(i, j) = u[i] * v[j], noisy.at(i, j) = W.at(i, j) + 1e-3f * g(rng);
  Tensor r1 = lowrank(W, 1);
  for (int i = 0; i < m * n; ++i) REQUIRE_THAT(r1.data[i], WithinAbs(W.data[i], 1e-5));
  Tensor r1n = lowrank(noisy, 1);  // noise removed to within its size
  double err = 0;
  for (int i = 0; i < m * n; ++i) err = std::max(err, double(std::fabs(r1n.data[i] - W.data[i])));
  CHECK(err < 5e-3);
  Tensor r0 = lowrank(W, 0);
  for (float x : r0.data) CHECK(x == 0.f);
  Tensor full = lowrank(noisy, 99);  // clamped to full rank: exact
  for (int i = 0; i < m * n; ++i) REQUIRE_THAT(full.data[i], WithinAbs(noisy.data[i], 1e-5));

  Tensor s({2, 3});
  s.data = {0.1f, -5.f, 0.3f, -0.2f, 4.f, 0.05f};
  Tensor p = sparse(s, 0.5f);
  CHECK(p.data == std::vector<float>{0.f, -5.f, 0.3f, 0.f, 4.f, 0.f});
  CHECK(sparse(s, 0.f).data == s.data);
  for (float x : sparse(s, 1.f).data) CHECK(x == 0.f);
}

TEST_CASE("OATS budget rule and per-head compression of a model", "[analysis]") {
  CHECK(oats_rank(48, 384, 0.5f) == 21);   // 0.5 * 48 * 384 / 432 = 21.33
  CHECK(oats_rank(8, 19, 0.f) == 5);       // 152 / 27 = 5.6
  CHECK(oats_rank(8, 19, 0.f, 10.f) == 8); // clamped to min(m, n)
  CHECK(oats_rank(64, 64, 0.75f, 1.f) == 8);

  Model m = test::averaging_construction();
  m.weights.version = 7;
  CompressSpec sp;
  sp.kind = CompressKind::LowRank;
  sp.rank = 1;  // each head's blocks of the construction have rank <= 1 except W_V/W_O of layer 1
  sp.v = sp.o = false;
  Model c = compress(m, sp);
  CHECK(c.weights.version == 8);
  CHECK(m.weights.version == 7);
  for (int l = 0; l < 2; ++l) {
    for (size_t i = 0; i < m.weights.layers[l].wq.data.size(); ++i)
      REQUIRE_THAT(c.weights.layers[l].wq.data[i], WithinAbs(m.weights.layers[l].wq.data[i], 1e-5));
    for (size_t i = 0; i < m.weights.layers[l].wk.data.size(); ++i)
      REQUIRE_THAT(c.weights.layers[l].wk.data[i], WithinAbs(m.weights.layers[l].wk.data[i], 1e-5));
  }
  // Layer 1's W_V copies 8 input dims (8 equal singular values): rank 1 keeps
  // one of them, so the block's squared norm drops from 8 to 1.
  sp.v = true, sp.q = sp.k = false;
  Model cv = compress(m, sp);
  double sq = 0;
  for (float x : cv.weights.layers[1].wv.data) sq += double(x) * x;
  CHECK_THAT(sq, WithinAbs(1.0, 1e-4));
  // Sparse at p = 0.5 halves the nonzeros of a dense random block.
  Model r = test::attention_only_model(4, 16, 1, 2, 4);
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0.f, 1.f);
  for (float& x : r.weights.layers[0].wq.data) x = g(rng);
  CompressSpec ss;
  ss.kind = CompressKind::Sparse;
  ss.sparsity = 0.5f;
  Model rs = compress(r, ss);
  int zeros = 0;
  for (float x : rs.weights.layers[0].wq.data) zeros += x == 0.f;
  CHECK(zeros == 64);  // 2 heads x (4 x 16) / 2
}
