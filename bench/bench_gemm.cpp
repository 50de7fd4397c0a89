// Our linear() kernel against what this core can do: a measured peak of
// 4-wide f32 mul+add (SIMD128 in wasm, SSE natively: the width both builds
// target; 8-wide FMA with the AVX2 kernel, 16-wide with the AVX-512 one),
// then linear() on the shapes of models/demo-lm as a share of it.
// Prints one JSON object per line (scripts/bench.sh collects them); never
// fails on speed.
//   bench_gemm [REPS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "backends/cpu/kernels.h"
#include <algorithm>
#include <string>

#include "backends/cpu/kernels_avx512.h"
#include "backends/cpu/kernels_x86.h"
#include "bench_peak.h"
#include "bench_util.h"

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 9;
  double peak = ss::bench::peak_gflops(ss::bench::now_ms);
#if !defined(__EMSCRIPTEN__)
  // With the AVX2 + FMA kernel, its peak is 8-wide FMAs, not SSE mul+add;
  // with the AVX-512 one, 16-wide FMAs. SINKSCOPE_CPU_PATH=avx2 (or avx512)
  // picks the kernel, so the two can be run in turn on one CPU.
  const std::string kernel = ss::cpu::linear_path();
  if (kernel == "avx2-fma")
    for (int r = 0; r < 5; ++r) peak = std::max(r ? peak : 0.0, ss::cpu::x86_fma_peak_gflops(ss::bench::now_ms, 20'000'000));
  if (kernel == "avx512-fma")
    for (int r = 0; r < 5; ++r) peak = std::max(r ? peak : 0.0, ss::cpu::avx512_fma_peak_gflops(ss::bench::now_ms, 20'000'000));
#endif
  std::printf("{\"bench\":\"peak\",\"path\":\"%s\",\"kernel\":\"%s\",\"gflops\":%.3f}\n", ss::bench::platform(),
              ss::cpu::linear_path(), peak);

  struct Shape {
    const char* name;
    int64_t in, out;
  };
  // demo-lm: d 384, MLP 832, vocab 4096.
  const Shape shapes[] = {{"qkvo", 384, 384}, {"mlp_up", 384, 832}, {"mlp_down", 832, 384}, {"lm_head", 384, 4096}};
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  for (int64_t n : {16, 64, 128, 256}) {
    double flops_all = 0, ms_all = 0;
    for (const Shape& s : shapes) {
      std::vector<float> x(n * s.in), W(s.out * s.in), y(n * s.out);  // x [n, in], W [out, in], y [n, out]
      for (float& f : x) f = nd(rng);
      for (float& f : W) f = nd(rng);
      // Each sample repeats the call to about 0.2 GFLOP: node's CPU clock
      // (process.cpuUsage) ticks too coarsely for one small product, whose
      // median then read 0 ms.
      const double flops = 2.0 * n * s.in * s.out;
      const int inner = std::max(1, static_cast<int>(2e8 / flops));
      std::vector<double> times;
      for (int r = 0; r < reps + 2; ++r) {
        const double t0 = ss::bench::now_ms();
        for (int k = 0; k < inner; ++k) ss::cpu::linear(x.data(), n, s.in, W.data(), s.out, nullptr, y.data());
        if (r >= 2) times.push_back((ss::bench::now_ms() - t0) / inner);  // 2 warm-up runs
      }
      ss::bench::keep(y[0]);
      const double ms = ss::bench::median(times);
      flops_all += flops, ms_all += ms;
      std::printf("{\"bench\":\"gemm\",\"path\":\"%s\",\"kernel\":\"%s\",\"shape\":\"%s\",\"n\":%lld,\"in\":%lld,\"out\":%lld,"
                  "\"ms\":%.4f,\"gflops\":%.3f,\"share_of_peak\":%.3f}\n",
                  ss::bench::platform(), ss::cpu::linear_path(), s.name, (long long)n, (long long)s.in,
                  (long long)s.out, ms, flops / (ms * 1e6), flops / (ms * 1e6) / peak);
    }
    // The model's mix: one layer's projections weighted as the forward runs them.
    std::printf("{\"bench\":\"gemm_mix\",\"path\":\"%s\",\"kernel\":\"%s\",\"n\":%lld,\"gflops\":%.3f,\"share_of_peak\":%.3f}\n",
                ss::bench::platform(), ss::cpu::linear_path(), (long long)n, flops_all / (ms_all * 1e6),
                flops_all / (ms_all * 1e6) / peak);
  }
  return 0;
}
