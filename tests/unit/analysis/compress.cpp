// Compression: SVD recovers a rank-1 weight, pruning keeps the largest
// entries, the OATS budget rule, OATS itself, and per-matrix compression of a Model.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "analysis/compress.h"
#include "support/analysis_fixtures.h"

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

TEST_CASE("OATS budget rule and per-matrix compression of a model", "[analysis]") {
  CHECK(oats_rank(48, 384, 0.5f) == 21);   // 0.5 * 48 * 384 / 432 = 21.33
  CHECK(oats_rank(8, 19, 0.f) == 5);       // 152 / 27 = 5.6
  CHECK(oats_rank(8, 19, 0.f, 10.f) == 8); // clamped to min(m, n)
  CHECK(oats_rank(64, 64, 0.75f, 1.f) == 8);
  CHECK(oats_rank(384, 384, 0.5f) == 96);  // a whole d x d attention matrix of demo-lm
  CHECK(budget_params(384, 384, 0.5f) == 73728);

  // Each layer matrix is compressed whole (not per head block): rank 1 of the
  // whole W_Q equals lowrank(W_Q, 1), and its second singular value is 0.
  Model r = test::attention_only_model(4, 16, 2, 2, 4);
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0.f, 1.f);
  for (auto& lw : r.weights.layers)
    for (Tensor* t : {&lw.wq, &lw.wk, &lw.wv, &lw.wo})
      for (float& x : t->data) x = g(rng);
  r.weights.version = 7;
  CompressSpec sp;
  sp.kind = CompressKind::LowRank;
  sp.rank = 1;
  Model c = compress(r, sp);
  CHECK(c.weights.version == 8);
  CHECK(r.weights.version == 7);
  for (int l = 0; l < 2; ++l) {
    const Tensor want = lowrank(r.weights.layers[l].wq, 1);
    for (size_t i = 0; i < want.data.size(); ++i) REQUIRE(c.weights.layers[l].wq.data[i] == want.data[i]);
    const Tensor again = lowrank(c.weights.layers[l].wq, 1);  // already rank 1: unchanged
    for (size_t i = 0; i < want.data.size(); ++i) REQUIRE_THAT(again.data[i], WithinAbs(want.data[i], 1e-4));
  }
  // Sparse at p = 0.5 halves the nonzeros of each whole matrix.
  CompressSpec ss;
  ss.kind = CompressKind::Sparse;
  ss.sparsity = 0.5f;
  Model rs = compress(r, ss);
  int zeros = 0;
  for (float x : rs.weights.layers[0].wq.data) zeros += x == 0.f;
  CHECK(zeros == int(r.weights.layers[0].wq.data.size() / 2));
  CompressionReport rep;
  count_compressed_params(rep, r, ss);
  CHECK(rep.params_total == 2 * 4 * 8 * 16);  // 2 layers x 4 matrices of [8, 16]
  CHECK(rep.params_kept == rep.params_total / 2);
  ss.kind = CompressKind::Oats;
  count_compressed_params(rep, r, ss);
  CHECK(rep.params_kept == rep.params_total / 2);  // OATS spends exactly the pruning budget
}

TEST_CASE("OATS recovers sparse plus low-rank weights that neither part alone can", "[analysis]") {
  // W = u v^T + 20 large spikes, 32 x 32. Budget at p = 0.75: B = 256 numbers;
  // OATS with rank ratio 0.25: r = 1 and k = 256 - 64 = 192 sparse entries,
  // enough for the spikes. Pure low rank (r = 4) and pure pruning cannot.
  const int n = 32;
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.f, 1.f);
  std::uniform_int_distribution<int> pos(0, n * n - 1);
  Tensor W({n, n});
  std::vector<float> u(n), v(n);
  for (float& x : u) x = g(rng);
  for (float& x : v) x = g(rng);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) W.at(i, j) = u[i] * v[j];
  for (int s = 0; s < 20; ++s) W.data[pos(rng)] += 10.f;
  auto err = [&](const Tensor& A) {
    double e = 0, w = 0;
    for (size_t i = 0; i < A.data.size(); ++i) e += double(A.data[i] - W.data[i]) * (A.data[i] - W.data[i]), w += double(W.data[i]) * W.data[i];
    return std::sqrt(e / w);
  };
  CHECK(oats_rank(n, n, 0.75f, 0.25f) == 1);
  const double e_oats = err(oats(W, 0.75f, 0.25f, 8));
  const double e_low = err(lowrank(W, oats_rank(n, n, 0.75f)));
  const double e_sparse = err(sparse(W, 0.75f));
  INFO("relative error: oats " << e_oats << ", low rank " << e_low << ", sparse " << e_sparse);
  CHECK(e_oats < 0.02);
  CHECK(e_oats < 0.25 * e_low);
  CHECK(e_oats < 0.25 * e_sparse);
  // One iteration from S = 0 is the low-rank fit of W plus the largest residuals: worse than eight.
  CHECK(err(oats(W, 0.75f, 0.25f, 1)) > e_oats);
}
