// linear() against the plain loop on the shapes its fast paths split into:
// 4-row tiles and leftover rows, full 8-output panels and a ragged last one,
// `in` not a multiple of 4, with and without bias, and the n < 4 path.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "backends/cpu/kernels.h"

TEST_CASE("linear kernel tiles and ragged edges equal the plain loop", "[engine][kernels]") {
  std::mt19937 rng(11);
  std::normal_distribution<float> nd;
  for (auto [n, in, out] : {std::tuple{4, 8, 8}, {5, 13, 9}, {7, 384, 17}, {16, 64, 40}, {3, 384, 8}, {9, 6, 31},
                            {33, 832, 24}}) {
    for (bool bias : {false, true}) {
      std::vector<float> x(n * in), W(out * in), b(out), y(n * out, -7.0f), y0(n * out);  // x [n,in] W [out,in] y [n,out]
      for (auto* v : {&x, &W, &b})
        for (float& f : *v) f = nd(rng);
      ss::cpu::linear(x.data(), n, in, W.data(), out, bias ? b.data() : nullptr, y.data());
      ss::cpu::linear_plain(x.data(), n, in, W.data(), out, bias ? b.data() : nullptr, y0.data());
      double err = 0;
      for (size_t i = 0; i < y.size(); ++i) err = std::max(err, double(std::fabs(y[i] - y0[i])) / (1.0 + std::fabs(y0[i])));
      INFO(ss::cpu::linear_path() << " n=" << n << " in=" << in << " out=" << out << " bias=" << bias);
      // A tiling bug gives errors of order 1; a different summation order (Eigen's
      // blocked GEMM natively, other compilers' contraction) moves an 832-term float
      // sum by ~sqrt(832) * 6e-8 * |terms|, up to ~5e-5 relative.
      CHECK(err < 2e-4);
    }
  }
}
