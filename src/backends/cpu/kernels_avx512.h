// The AVX-512 path of linear(), built only for x86-64 (kernels_avx512.cpp,
// compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma -mf16c) and
// used only when the running CPU has all of them. Same plan as the AVX2 path
// (kernels_x86.h), 16 lanes wide: dot products straight from W for a few rows
// of x, packed panels of W swept by register tiles for more.
#pragma once
#include <cstdint>

namespace ss::cpu {

// Outputs per packed panel: two 16-float vectors. linear_16's widening block
// is a multiple of it, so 16-bit W packs into the very panels float32 W does.
constexpr int64_t kAvx512Panel = 32;
// Below this many rows of x, linear_avx512 reads W straight (no packing);
// up to kAvx512XtRows it packs x transposed and reads W's rows in place;
// above, it packs W into panels (measured crossovers, bench/NOTES.md).
constexpr int64_t kAvx512FewRows = 8;
constexpr int64_t kAvx512XtRows = 48;
// Floats of scratch per element of `in` that linear_avx512(_16) needs: a
// panel of W, or up to kAvx512XtRows rows of x transposed and 16 widened rows
// of W; the buffer passed holds in * kAvx512Scratch + 16 floats (the kernels
// start it at a 64-byte boundary).
constexpr int64_t kAvx512Scratch = kAvx512XtRows + 16 > kAvx512Panel ? kAvx512XtRows + 16 : kAvx512Panel;

bool x86_avx512_available();  // AVX-512 F, BW, DQ, VL, and FMA, F16C
// linear_avx512 with W 16-bit (IEEE half, or bfloat16 when bf16): widened
// in the loads for few rows, as each panel is packed for many, 16 rows at a
// time into scratch in between; bit for bit the float32 result (the same
// floats reach the same FMAs in the same order).
void linear_avx512_16(const float* x, int64_t n, int64_t in, const uint16_t* W, bool bf16, int64_t out, const float* b,
                      float* y, int64_t ldy, float* panel);
// dst[0, n) = the IEEE halves (or bfloat16s when bf16) src[0, n) as floats, 16 at a time.
void widen_16_avx512(const uint16_t* src, float* dst, int64_t n, bool bf16);
// y[n, out] = x[n, in] · W[out, in]^T (+ b), row i of y at y + i * ldy;
// panel: scratch of in * kAvx512Scratch + 16 floats.
void linear_avx512(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                   int64_t ldy, float* panel);

// The peak linear_avx512 is measured against (bench_gemm): independent
// 16-wide FMA chains, GFLOP/s over `iters` iterations timed by clock_ms.
double avx512_fma_peak_gflops(double (*clock_ms)(), int64_t iters);

}  // namespace ss::cpu
