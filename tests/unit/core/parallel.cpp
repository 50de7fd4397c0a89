// Threads (core/parallel.h) must not change a single bit: parallel_for hands
// out every index once, linear() split over outputs equals one thread's, and
// a whole forward with every tap is identical at 1 and 3 threads. In the
// plain wasm build there are no threads: set_threads stays at 1 and the same
// checks run serially.
#include <catch2/catch.hpp>
#include <atomic>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "backends/cpu/kernels.h"
#include "core/parallel.h"
#include "engine/engine.h"
#include "support/engine_util.h"

namespace {
struct ThreadsGuard {  // restores the count the other tests expect
  int before = ss::threads();
  ~ThreadsGuard() { ss::set_threads(before); }
};
}  // namespace

TEST_CASE("parallel_for covers every index once, in grain-aligned ranges", "[parallel]") {
  ThreadsGuard guard;
  for (int t : {1, 2, 3, 4}) {
    REQUIRE(ss::set_threads(t) == std::min(t, ss::max_threads()));
    for (auto [n_, grain_] : {std::tuple<int64_t, int64_t>{1, 1}, {7, 1}, {100, 16}, {1000, 16}, {4097, 4096}, {6, 1}}) {
      const int64_t n = n_, grain = grain_;  // clang 14 lambdas cannot capture structured bindings
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      std::atomic<int> misaligned{0};
      ss::parallel_for(n, grain, [&](int64_t b, int64_t e) {
        if (b % grain != 0 || (e != n && e % grain != 0)) ++misaligned;
        for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
      });
      int wrong = 0;
      for (auto& h : hits) wrong += h.load() != 1;
      INFO("threads " << t << " n " << n << " grain " << grain);
      CHECK(wrong == 0);
      CHECK(misaligned.load() == 0);
    }
  }
}

TEST_CASE("linear split over threads equals one thread bit for bit", "[parallel][kernels]") {
  ThreadsGuard guard;
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  for (auto [n, in, out] : {std::tuple{1, 384, 1536}, {3, 384, 4096}, {37, 832, 384}, {64, 64, 200}}) {
    std::vector<float> x(n * in), W(out * in), b(out), y1(n * out), y3(n * out, -5.0f);  // x [n,in] W [out,in] y [n,out]
    for (auto* v : {&x, &W, &b})
      for (float& f : *v) f = nd(rng);
    ss::set_threads(1);
    ss::cpu::linear(x.data(), n, in, W.data(), out, b.data(), y1.data());
    ss::set_threads(3);
    ss::cpu::linear(x.data(), n, in, W.data(), out, b.data(), y3.data());
    INFO("n=" << n << " in=" << in << " out=" << out << " threads=" << ss::threads());
    CHECK(std::memcmp(y1.data(), y3.data(), y1.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("a forward pass with every tap is identical at 1 and 3 threads", "[parallel][engine]") {
  ThreadsGuard guard;
  auto model = ss::load_model_dir(ss::testing::tiny_dir("llama"));
  REQUIRE(model);
  std::vector<int32_t> ids;
  for (int i = 0; i < 40; ++i) ids.push_back((i * 7 + 3) % static_cast<int32_t>(model->config.vocab_size));
  ss::set_threads(1);
  ss::Engine e1;
  auto t1 = e1.run(*model, ids);
  REQUIRE(t1);
  ss::set_threads(3);
  ss::Engine e3;
  auto t3 = e3.run(*model, ids);
  REQUIRE(t3);
  REQUIRE(t1.value()->named.size() == t3.value()->named.size());
  int differ = 0;
  for (const auto& [name, a] : t1.value()->named) {
    const ss::Tensor* b = t3.value()->get(name);
    const bool same = b && a.data.size() == b->data.size() &&
                      std::memcmp(a.data.data(), b->data.data(), a.data.size() * sizeof(float)) == 0;
    if (!same) UNSCOPED_INFO("tap differs: " << name);
    differ += !same;
  }
  CHECK(differ == 0);
}
