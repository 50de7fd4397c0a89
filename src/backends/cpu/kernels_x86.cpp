// linear() for x86-64 CPUs with AVX2 + FMA (+ F16C, which every AVX2 CPU
// has, for widening 16-bit weights), picked at run time (the native
// build targets plain x86-64, so Eigen alone runs SSE2 and reached 0.41x of
// onnxruntime-node, which dispatches to AVX2 itself). This file is compiled
// with -mavx2 -mfma; it uses intrinsics and raw pointers only: an inline
// template instantiated here (std::min, std::vector) could be picked by the
// linker for SSE2-only callers too.
#include "backends/cpu/kernels_x86.h"

#include "backends/cpu/kernels.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <cpuid.h>
#include <immintrin.h>

namespace ss::cpu {

namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Eight weights from W at element i as floats: W float32 (K = 0), IEEE half
// (K = 1, F16C) or bfloat16 (K = 2), so one kernel body serves all three and
// sums in exactly the same order (16-bit results equal float32 bit for bit).
template <int K>
inline __m256 load8(const void* W, int64_t i) {
  if constexpr (K == 0) {
    return _mm256_loadu_ps(static_cast<const float*>(W) + i);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(W) + i));
    if constexpr (K == 1) return _mm256_cvtph_ps(h);
    else return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}
template <int K>
inline float load1(const void* W, int64_t i) {
  if constexpr (K == 0) {
    return static_cast<const float*>(W)[i];
  } else {
    const uint16_t h = static_cast<const uint16_t*>(W)[i];
    if constexpr (K == 1) return _cvtsh_ss(h);
    const uint32_t bits = uint32_t(h) << 16;
    float f;
    __builtin_memcpy(&f, &bits, 4);
    return f;
  }
}

// Few rows (n < 6): dot products straight from W's rows, one output at a
// time, so W is read once, front to back, as one stream (the row stays in L1
// for the other rows of x). A one-token pass (the live explorer's keystroke)
// is bound by streaming W; four rows of W read side by side were slower.
// Four accumulators over k hide the FMA latency. 16-bit W is widened in the
// loads: a token streams half the bytes.
template <int K>
void linear_rows(const float* x, int64_t n, int64_t in, const void* W, int64_t out, const float* b, float* y,
                 int64_t ldy) {
  const int64_t in8 = in & ~int64_t{7}, in32 = in & ~int64_t{31};
  for (int64_t o = 0; o < out; ++o) {
    const int64_t w = o * in;  // row o of W starts at element w
    for (int64_t i = 0; i < n; ++i) {
      const float* xi = x + i * in;
      __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
      int64_t k = 0;
      for (; k < in32; k += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(xi + k), load8<K>(W, w + k), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(xi + k + 8), load8<K>(W, w + k + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(xi + k + 16), load8<K>(W, w + k + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(xi + k + 24), load8<K>(W, w + k + 24), a3);
      }
      for (; k < in8; k += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(xi + k), load8<K>(W, w + k), a0);
      float r = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
      // One explicit FMA per tail term: left to the compiler, the float32
      // instance and the 16-bit ones came out differently and differed in
      // the last bit when in % 8 >= 4.
      for (; k < in; ++k) r = __builtin_fmaf(xi[k], load1<K>(W, w + k), r);
      y[i * ldy + o] = r + (b ? b[o] : 0.0f);
    }
  }
}

// Packs outputs o0..o0+15 of W (zero past `out`) into Bp [in, 16]: the 16
// weights one x element meets are two adjacent vectors.
void pack_panel(const float* W, int64_t in, int64_t out, int64_t o0, float* Bp) {
  const int64_t cols = out - o0 < 16 ? out - o0 : 16;
  for (int64_t c = 0; c < 16; ++c) {
    if (c < cols) {
      const float* w = W + (o0 + c) * in;
      for (int64_t k = 0; k < in; ++k) Bp[k * 16 + c] = w[k];
    } else {
      for (int64_t k = 0; k < in; ++k) Bp[k * 16 + c] = 0.0f;
    }
  }
}

// R rows x 16 outputs: 2R accumulators (12 of the 16 ymm registers at R = 6),
// named one by one: with an array, GCC spilled every accumulator to the
// stack on each k (26 GFLOP/s, about a third of the core's FMA peak).
template <int R>
inline void tile(const float* x, int64_t in, const float* Bp, int64_t cols, const float* b, float* y, int64_t out) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t k = 0; k < in; ++k) {
    const __m256 b0 = _mm256_loadu_ps(Bp + k * 16), b1 = _mm256_loadu_ps(Bp + k * 16 + 8);
#define SS_ROW(r)                                                  \
  if constexpr (R > r) {                                           \
    const __m256 a = _mm256_broadcast_ss(x + r * in + k);          \
    c##r##0 = _mm256_fmadd_ps(a, b0, c##r##0);                     \
    c##r##1 = _mm256_fmadd_ps(a, b1, c##r##1);                     \
  }
    SS_ROW(0) SS_ROW(1) SS_ROW(2) SS_ROW(3) SS_ROW(4) SS_ROW(5)
#undef SS_ROW
  }
  const __m256 acc[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  for (int r = 0; r < R; ++r) {
    float* yr = y + r * out;
    if (cols == 16 && !b) {
      _mm256_storeu_ps(yr, acc[r][0]), _mm256_storeu_ps(yr + 8, acc[r][1]);
      continue;
    }
    alignas(32) float t[16];  // one row of the tile
    _mm256_store_ps(t, acc[r][0]), _mm256_store_ps(t + 8, acc[r][1]);
    for (int64_t c = 0; c < cols; ++c) yr[c] = t[c] + (b ? b[c] : 0.0f);
  }
}

}  // namespace

double x86_fma_peak_gflops(double (*clock_ms)(), int64_t iters) {
  // 10 independent 8-wide FMA chains: enough to cover the FMA latency on both pipes.
  __m256 a0 = _mm256_set1_ps(0.1f), a1 = _mm256_set1_ps(0.2f), a2 = _mm256_set1_ps(0.3f), a3 = _mm256_set1_ps(0.4f);
  __m256 a4 = _mm256_set1_ps(0.5f), a5 = _mm256_set1_ps(0.6f), a6 = _mm256_set1_ps(0.7f), a7 = _mm256_set1_ps(0.8f);
  __m256 a8 = _mm256_set1_ps(0.9f), a9 = _mm256_set1_ps(1.0f);
  const __m256 m = _mm256_set1_ps(0.9999999f), k = _mm256_set1_ps(1e-7f);
  asm volatile("" : "+r"(iters));
  const double t0 = clock_ms();
  for (int64_t i = 0; i < iters; ++i) {
    a0 = _mm256_fmadd_ps(a0, m, k), a1 = _mm256_fmadd_ps(a1, m, k), a2 = _mm256_fmadd_ps(a2, m, k);
    a3 = _mm256_fmadd_ps(a3, m, k), a4 = _mm256_fmadd_ps(a4, m, k), a5 = _mm256_fmadd_ps(a5, m, k);
    a6 = _mm256_fmadd_ps(a6, m, k), a7 = _mm256_fmadd_ps(a7, m, k), a8 = _mm256_fmadd_ps(a8, m, k);
    a9 = _mm256_fmadd_ps(a9, m, k);
  }
  const double ms = clock_ms() - t0;
  __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(_mm256_add_ps(a6, a7), _mm256_add_ps(a8, a9))));
  volatile float sink = hsum(sum);
  (void)sink;
  return double(iters) * 10 * 16 / (ms * 1e6);  // 16 flops per 8-wide FMA
}

// F16C from CPUID leaf 1 (ECX bit 29): clang's __builtin_cpu_supports has no
// "f16c" (GCC's has), and every AVX2 CPU has it, but say so rather than assume.
bool x86_f16c_available() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29)) != 0;
}

bool x86_fma_available() {
  __builtin_cpu_init();  // may run from a static initializer, before libgcc's own
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && x86_f16c_available();
}

void linear_rows_x86_16(const float* x, int64_t n, int64_t in, const uint16_t* W, bool bf16, int64_t out,
                        const float* b, float* y, int64_t ldy) {
  if (bf16) linear_rows<2>(x, n, in, W, out, b, y, ldy);
  else linear_rows<1>(x, n, in, W, out, b, y, ldy);
}

void widen_16_x86(const uint16_t* src, float* dst, int64_t n, bool bf16) {
  int64_t i = 0;
  if (bf16) {
    for (; i + 8 <= n; i += 8) {
      const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
      _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
    }
    for (; i < n; ++i) {
      const uint32_t b = uint32_t(src[i]) << 16;
      __builtin_memcpy(dst + i, &b, 4);
    }
    return;
  }
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  for (; i < n; ++i) dst[i] = _cvtsh_ss(src[i]);
}

void linear_x86_fma(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                    int64_t ldy, float* panel) {
  if (n < 6) return linear_rows<0>(x, n, in, W, out, b, y, ldy);
  for (int64_t o0 = 0; o0 < out; o0 += 16) {
    pack_panel(W, in, out, o0, panel);
    const int64_t cols = out - o0 < 16 ? out - o0 : 16;
    const float* bo = b ? b + o0 : nullptr;
    int64_t i = 0;
    for (; i + 6 <= n; i += 6) tile<6>(x + i * in, in, panel, cols, bo, y + i * ldy + o0, ldy);
    switch (n - i) {
      case 5: tile<5>(x + i * in, in, panel, cols, bo, y + i * ldy + o0, ldy); break;
      case 4: tile<4>(x + i * in, in, panel, cols, bo, y + i * ldy + o0, ldy); break;
      case 3: tile<3>(x + i * in, in, panel, cols, bo, y + i * ldy + o0, ldy); break;
      case 2: tile<2>(x + i * in, in, panel, cols, bo, y + i * ldy + o0, ldy); break;
      case 1: tile<1>(x + i * in, in, panel, cols, bo, y + i * ldy + o0, ldy); break;
      default: break;
    }
  }
}

}  // namespace ss::cpu

#else  // not built for x86-64 with AVX2 + FMA: never picked

namespace ss::cpu {
bool x86_f16c_available() { return false; }
bool x86_fma_available() { return false; }
void widen_16_x86(const uint16_t*, float*, int64_t, bool) {}
void linear_rows_x86_16(const float*, int64_t, int64_t, const uint16_t*, bool, int64_t, const float*, float*, int64_t) {}
void linear_x86_fma(const float*, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t, float*) {}
double x86_fma_peak_gflops(double (*)(), int64_t) { return 0; }
}  // namespace ss::cpu

#endif
