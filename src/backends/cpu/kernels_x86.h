// The AVX2 + FMA path of linear(), built only for x86-64 (kernels_x86.cpp,
// compiled with -mavx2 -mfma) and used only when the running CPU has both.
#pragma once
#include <cstdint>

namespace ss::cpu {

bool x86_f16c_available();  // CPUID: the half <-> float conversions
bool x86_fma_available();  // AVX2, FMA and F16C
// The few-row path (n < 6) of linear_x86_fma with W 16-bit (IEEE half, or
// bfloat16 when bf16), widened in the loads; bit for bit the float32 result.
void linear_rows_x86_16(const float* x, int64_t n, int64_t in, const uint16_t* W, bool bf16, int64_t out,
                        const float* b, float* y, int64_t ldy);
// dst[0, n) = the IEEE halves (or bfloat16s when bf16) src[0, n) as floats (F16C).
void widen_16_x86(const uint16_t* src, float* dst, int64_t n, bool bf16);
// y[n, out] = x[n, in] · W[out, in]^T (+ b), row i of y at y + i * ldy;
// panel: scratch of in * 16 floats.
void linear_x86_fma(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                    int64_t ldy, float* panel);

// The peak linear_x86_fma is measured against (bench_gemm): independent
// 8-wide FMA chains, GFLOP/s over `iters` iterations timed by clock_ms.
double x86_fma_peak_gflops(double (*clock_ms)(), int64_t iters);

}  // namespace ss::cpu
