// The measured peak the GEMM share is reported against: `chains` independent
// chains acc = acc * m + k of 4-wide floats (SIMD128 in wasm, SSE natively),
// i.e. the mul and the add of a matmul's inner loop with enough chains (and
// few enough registers: V8 has 16 xmm) to keep both pipes busy. Without
// fast-math the compiler may not fold a*m+k, so the loop stays. Shared by
// bench/bench_gemm.cpp (node, native) and src/platform/webapi_bench.cpp (the page).
#pragma once
#include <algorithm>
#include <cstdint>

namespace ss::bench {

typedef float v4f __attribute__((vector_size(16)));

// GFLOP/s of `iters` iterations, timed by `clock` (milliseconds).
template <int chains, class Clock>
double peak_once(int64_t iters, Clock clock) {
  v4f acc[chains];
  for (int c = 0; c < chains; ++c) acc[c] = v4f{0.f, 1.f, 2.f, 3.f} * float(c + 1);
  const v4f m = {0.9999999f, 0.9999998f, 0.9999997f, 0.9999996f};
  const v4f k = {1e-7f, 2e-7f, 3e-7f, 4e-7f};
  asm volatile("" : "+r"(iters));  // opaque trip count
  const double t0 = clock();
  for (int64_t i = 0; i < iters; ++i)
    for (int c = 0; c < chains; ++c) acc[c] = acc[c] * m + k;
  const double ms = clock() - t0;
  float sink = 0;
  for (int c = 0; c < chains; ++c) sink += acc[c][0] + acc[c][3];
  asm volatile("" : : "r"(&sink) : "memory");
  return double(iters) * chains * 8.0 / (ms * 1e6);  // 8 flops per 4-wide mul+add
}

// Best of a few runs of 8, 12 and 14 chains.
template <class Clock>
double peak_gflops(Clock clock, int64_t iters = 20'000'000, int runs = 5) {
  double best = 0;
  for (int r = 0; r < runs; ++r) {
    best = std::max(best, peak_once<8>(iters, clock));
    best = std::max(best, peak_once<12>(iters, clock));
    best = std::max(best, peak_once<14>(iters, clock));
  }
  return best;
}

}  // namespace ss::bench
