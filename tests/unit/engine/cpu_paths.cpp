// Every native linear() path forced in turn (AVX-512, AVX2 + FMA, Eigen):
// each against the plain loop on awkward shapes (every few-row count, the
// row counts where AVX-512 switches from reading W in place to packing x,
// then W; outputs not a multiple of 16 or 32; odd `in`), for float32 and
// both 16-bit weight types, and linear_16 equal to linear bit for bit on the
// same path (Eigen, which blocks as it likes, within the same tolerance),
// 1 and 2 threads. A path this CPU or build lacks is reported
// with WARN, and the others are still tested.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "core/half.h"
#include "core/parallel.h"

using namespace ss;

namespace {

// The largest error relative to 1 + |reference|, as cpu_kernels.cpp measures it.
double max_rel_err(const std::vector<float>& y, const std::vector<float>& y0) {
  double err = 0;
  for (size_t i = 0; i < y.size(); ++i) err = std::max(err, double(std::fabs(y[i] - y0[i])) / (1.0 + std::fabs(y0[i])));
  return err;
}

struct Restore {  // puts back the path the process started with
  std::string path = cpu::linear_path();
  int th = threads();
  ~Restore() {
    cpu::set_linear_path(path.c_str());
    set_threads(th);
  }
};

// One path, already forced: float32, f16 and bf16 W against the plain loop
// (2e-4: the bound cpu_kernels.cpp states for a reordered 832-term sum), and
// linear_16 == linear bit for bit (AVX-512, AVX2, SIMD128, plain).
void check_path(const std::string& path) {
  std::mt19937 rng(29);
  std::normal_distribution<float> N(0.f, 1.f);
  std::vector<int64_t> ns;
  for (int64_t n = 1; n <= 13; ++n) ns.push_back(n);
  for (int64_t n : {16, 17, 31, 32, 33, 47, 48, 49, 50, 64, 71}) ns.push_back(n);
  for (int th : {1, 2}) {
    set_threads(th);
    for (int64_t n : ns) {
      for (auto [in, out] : {std::pair<int64_t, int64_t>{1, 3}, {13, 37}, {33, 17}, {64, 40}, {129, 100}, {384, 65},
                             {833, 31}}) {
        if (th == 2 && n * in * out < (int64_t{1} << 16)) continue;  // stays on one thread anyway
        INFO(path << " threads " << th << " n " << n << " in " << in << " out " << out);
        std::vector<float> x(n * in), W(out * in), b(out), y(n * out), y0(n * out), y16(n * out);  // x [n,in] W [out,in] y [n,out]
        std::vector<uint16_t> Wh(out * in);  // [out, in] W as 16-bit patterns
        for (float& v : x) v = N(rng);
        for (float& v : b) v = N(rng);
        for (float& v : W) v = N(rng);
        const bool bias = (n + in) % 2 == 0;
        const float* bp = bias ? b.data() : nullptr;
        cpu::linear(x.data(), n, in, W.data(), out, bp, y.data());
        cpu::linear_plain(x.data(), n, in, W.data(), out, bp, y0.data());
        CHECK(max_rel_err(y, y0) < 2e-4);
        for (bool bf16 : {false, true}) {
          INFO((bf16 ? "bf16" : "f16"));
          for (int64_t i = 0; i < out * in; ++i) {
            const float w = N(rng) * 0.5f;
            Wh[i] = bf16 ? uint16_t(float_bits(w) >> 16) : uint16_t(float_bits(w) >> 16 & 0x8000) | uint16_t(rng() & 0x3bff);
            W[i] = bf16 ? bf16_to_float(Wh[i]) : f16_to_float(Wh[i]);
          }
          cpu::linear(x.data(), n, in, W.data(), out, bp, y.data());
          cpu::linear_16(x.data(), n, in, Wh.data(), bf16, out, bp, y16.data());
          cpu::linear_plain(x.data(), n, in, W.data(), out, bp, y0.data());
          CHECK(max_rel_err(y16, y0) < 2e-4);
          if (path == "eigen") CHECK(max_rel_err(y16, y) < 2e-4);  // Eigen picks its own blocking per call
          else REQUIRE(std::memcmp(y.data(), y16.data(), y.size() * 4) == 0);
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("each native linear path, forced in turn, equals the plain loop; 16-bit equals float32 bit for bit",
          "[engine][kernels][cpu_paths]") {
  Restore restore;
  int tested = 0;
  for (const char* want : {"avx512", "avx2", "eigen"}) {
    if (!cpu::set_linear_path(want)) {
      WARN("linear path " << want << " NOT TESTED: this CPU or build does not have it (running " << restore.path << ")");
      continue;
    }
    const std::string path = cpu::linear_path();
    CHECK(path.rfind(want, 0) == 0);  // "avx512" runs as "avx512-fma", "avx2" as "avx2-fma"
    check_path(path);
    ++tested;
  }
  if (tested == 0) {  // wasm or a plain build: its one path
    REQUIRE(cpu::set_linear_path(restore.path.c_str()));
    check_path(restore.path);
  }
}

TEST_CASE("set_linear_path refuses unknown names and keeps the path", "[engine][kernels][cpu_paths]") {
  Restore restore;
  for (const char* bad : {"", "avx", "avx5120", "AVX512", "neon", "avx2-fm"}) {
    INFO("name '" << bad << "'");
    CHECK_FALSE(cpu::set_linear_path(bad));
    CHECK(restore.path == cpu::linear_path());
  }
  CHECK_FALSE(cpu::set_linear_path(nullptr));
  CHECK(cpu::set_linear_path(restore.path.c_str()));  // its own name always works
  CHECK(restore.path == cpu::linear_path());
}

// The packed paths of AVX2 (n >= 6) and AVX-512 (n >= 8) both sum each output
// over k in order, one FMA per k from zero: a prompt's forward gives the same
// bits on either CPU, whatever the tile shapes.
TEST_CASE("AVX-512 and AVX2 give the same bits from 8 rows up", "[engine][kernels][cpu_paths]") {
  Restore restore;
  if (!cpu::set_linear_path("avx512") || !cpu::set_linear_path("avx2")) {
    WARN("AVX-512 against AVX2 NOT TESTED: this CPU or build lacks one of them (running " << restore.path << ")");
    return;
  }
  std::mt19937 rng(41);
  std::normal_distribution<float> N(0.f, 1.f);
  for (int64_t n : {8, 13, 16, 40, 48, 49, 64, 71}) {
    for (auto [in, out] : {std::pair<int64_t, int64_t>{13, 37}, {384, 65}, {833, 31}}) {
      INFO("n " << n << " in " << in << " out " << out);
      std::vector<float> x(n * in), W(out * in), b(out), y2(n * out), y512(n * out);  // x [n,in] W [out,in] y [n,out]
      for (auto* v : {&x, &W, &b})
        for (float& f : *v) f = N(rng);
      REQUIRE(cpu::set_linear_path("avx2"));
      cpu::linear(x.data(), n, in, W.data(), out, b.data(), y2.data());
      REQUIRE(cpu::set_linear_path("avx512"));
      cpu::linear(x.data(), n, in, W.data(), out, b.data(), y512.data());
      REQUIRE(std::memcmp(y2.data(), y512.data(), y2.size() * 4) == 0);
    }
  }
}
