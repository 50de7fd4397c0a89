// The CPU backend's hot loops. linear() is where most of the time goes
// (every projection and the unembedding), so it has four paths: natively,
// hand-written AVX2 + FMA when the running CPU has it (kernels_x86.cpp) and
// Eigen otherwise; hand-written SIMD128 in wasm built with -msimd128 (Eigen
// has no wasm SIMD path); plain loops elsewhere.
#pragma once
#include <cstdint>

namespace ss::cpu {

// y[n, out] = x[n, in] · W[out, in]^T (+ b[out] when b != nullptr)
void linear(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y) noexcept;

// The plain reference path, always compiled (tests compare the fast path to it).
void linear_plain(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y) noexcept;

// sum_k a[k] * b[k], and y[k] += alpha * x[k]: attention's products for a
// few new queries against the cached keys and values, read in place.
// noexcept matters in wasm: Emscripten routes a call that might throw from a
// function with cleanups through a JavaScript trampoline (invoke_*), which
// cost milliseconds over the thousands of dot products of one keystroke.
float dot(const float* a, const float* b, int64_t n) noexcept;
void axpy(float alpha, const float* x, float* y, int64_t n) noexcept;

// Which path linear() uses: "avx2-fma", "eigen", "simd128" or "plain".
const char* linear_path();

}  // namespace ss::cpu
