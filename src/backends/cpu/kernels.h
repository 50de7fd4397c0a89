// The CPU backend's hot loops. linear() is where most of the time goes
// (every projection and the unembedding), so it has five paths: natively,
// hand-written AVX-512 (kernels_avx512.cpp) or AVX2 + FMA (kernels_x86.cpp),
// whichever is the widest the running CPU has, and Eigen otherwise;
// hand-written SIMD128 in wasm built with -msimd128 (Eigen has no wasm SIMD
// path); plain loops elsewhere.
#pragma once
#include <cstdint>

namespace ss::cpu {

// y[n, out] = x[n, in] · W[out, in]^T (+ b[out] when b != nullptr)
void linear(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y) noexcept;

// The same product with W kept 16-bit ([out, in] IEEE half bit patterns, or
// bfloat16 when bf16): 16 rows of W at a time are widened into a float32
// scratch that the float32 path above reads (the AVX-512 path widens inside
// its own kernels), so a token streams half the bytes and each output is
// summed exactly as linear() sums it (bit for bit on the AVX-512, AVX2,
// SIMD128 and plain paths; Eigen picks its own blocking).
void linear_16(const float* x, int64_t n, int64_t in, const uint16_t* W, bool bf16, int64_t out, const float* b,
               float* y) noexcept;

// dst[0, n) = 16-bit weights src[0, n) (IEEE half, or bfloat16 when bf16)
// as floats, with the fastest widening this CPU has (F16C on x86).
void widen(const uint16_t* src, float* dst, int64_t n, bool bf16) noexcept;

// The plain reference path, always compiled (tests compare the fast path to it).
void linear_plain(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y) noexcept;

// sum_k a[k] * b[k], and y[k] += alpha * x[k]: attention's products for a
// few new queries against the cached keys and values, read in place.
// noexcept matters in wasm: Emscripten routes a call that might throw from a
// function with cleanups through a JavaScript trampoline (invoke_*), which
// cost milliseconds over the thousands of dot products of one keystroke.
float dot(const float* a, const float* b, int64_t n) noexcept;
void axpy(float alpha, const float* x, float* y, int64_t n) noexcept;

// Which path linear() uses: "avx512-fma", "avx2-fma", "eigen", "simd128" or "plain".
const char* linear_path();
// Switches linear() and linear_16() to another path natively ("avx512",
// "avx2" or "eigen"; the names linear_path() prints work too), so tests and
// benchmarks can compare them; false, and nothing changes, when this build or
// CPU lacks it. Not while a product runs on another thread. The environment
// variable SINKSCOPE_CPU_PATH sets the first path the same way.
bool set_linear_path(const char* name) noexcept;

}  // namespace ss::cpu
