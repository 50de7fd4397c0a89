// linear() for x86-64 CPUs with AVX-512 (F, BW, DQ, VL) + FMA + F16C,
// picked at run time over the AVX2 path (kernels_x86.cpp): 16 lanes and 32
// vector registers, so a register tile holds twice the outputs, and masked
// loads take the ragged ends (in not a multiple of 16, a last panel under 32
// outputs) without scalar tails. This file alone is compiled with the
// AVX-512 flags; like kernels_x86.cpp it uses intrinsics and raw pointers
// only, so no inline template instantiated here can be picked by the linker
// for callers built for plain x86-64.
#include "backends/cpu/kernels_avx512.h"

#include "backends/cpu/kernels_x86.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && \
    defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>

namespace ss::cpu {

namespace {

inline __mmask16 tail_mask(int64_t m) { return m >= 16 ? __mmask16(0xffff) : __mmask16((1u << m) - 1); }

// Sixteen weights from W at element i as floats (lanes past mask are 0): W
// float32 (K = 0), IEEE half (K = 1, exact by F16C) or bfloat16 (K = 2, a
// shift), so one kernel body serves all three and sums in exactly the same
// order: 16-bit results equal the float32 ones bit for bit.
template <int K>
inline __m512 load16(const void* W, int64_t i, __mmask16 m = 0xffff) {
  if constexpr (K == 0) {
    return _mm512_maskz_loadu_ps(m, static_cast<const float*>(W) + i);
  } else {
    const __m256i h = _mm256_maskz_loadu_epi16(m, static_cast<const uint16_t*>(W) + i);
    if constexpr (K == 1) return _mm512_cvtph_ps(h);
    else return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

// 16 floats from p as two 256-bit loads: the same vector as one 512-bit load,
// but in a buffer only 16-byte aligned (malloc's, so most weights) every
// 512-bit load straddles two cache lines and only every other 256-bit one.
// Float32 W read this way took the one-token product from 0.55-0.7x the
// AVX2 speed to 1.1-1.15x it here; 16-bit W (256-bit loads) and x did better
// with plain loads.
inline __m512 load_halves(const float* p) {
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(p)), _mm256_loadu_ps(p + 8), 1);
}

// Few rows (N < kAvx512FewRows, the keystroke's one new token among them):
// dot products straight from W's rows, one output at a time, so W is read once,
// front to back, as one stream, and each 16 weights are loaded (and widened)
// once for all N rows of x, which stay in L1. A = independent sums per row, so
// that at least four FMA chains are in flight however few rows there are.
template <int K, int N>
void rows(const float* x, int64_t in, const void* W, int64_t out, const float* b, float* y, int64_t ldy) {
  constexpr int A = N >= 4 ? 1 : N >= 2 ? 2 : 4;
  const int64_t step = 16 * A, in_s = in - in % step, in16 = in & ~int64_t{15};
  const __mmask16 mt = tail_mask(in - in16);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t w = o * in;  // row o of W starts at element w
    __m512 acc[N][A];
#pragma GCC unroll 8
    for (int r = 0; r < N; ++r)
#pragma GCC unroll 4
      for (int a = 0; a < A; ++a) acc[r][a] = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k < in_s; k += step) {
#pragma GCC unroll 4
      for (int a = 0; a < A; ++a) {
        const __m512 wv = K == 0 ? load_halves(static_cast<const float*>(W) + w + k + 16 * a) : load16<K>(W, w + k + 16 * a);
#pragma GCC unroll 8
        for (int r = 0; r < N; ++r) acc[r][a] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * in + k + 16 * a), wv, acc[r][a]);
      }
    }
    for (; k < in16; k += 16) {
      const __m512 wv = K == 0 ? load_halves(static_cast<const float*>(W) + w + k) : load16<K>(W, w + k);
#pragma GCC unroll 8
      for (int r = 0; r < N; ++r) acc[r][0] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * in + k), wv, acc[r][0]);
    }
    if (k < in) {  // the last in % 16 weights: masked loads, zeros past the end
      const __m512 wv = load16<K>(W, w + k, mt);
#pragma GCC unroll 8
      for (int r = 0; r < N; ++r) acc[r][0] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mt, x + r * in + k), wv, acc[r][0]);
    }
    const float bo = b ? b[o] : 0.0f;
#pragma GCC unroll 8
    for (int r = 0; r < N; ++r) {
      __m512 s = acc[r][0];
      if constexpr (A == 2) s = _mm512_add_ps(s, acc[r][1]);
      if constexpr (A == 4) s = _mm512_add_ps(_mm512_add_ps(s, acc[r][1]), _mm512_add_ps(acc[r][2], acc[r][3]));
      y[r * ldy + o] = _mm512_reduce_add_ps(s) + bo;
    }
  }
}

template <int K>
void rows_n(const float* x, int64_t n, int64_t in, const void* W, int64_t out, const float* b, float* y, int64_t ldy) {
  static_assert(kAvx512FewRows <= 8);
  switch (n) {
    case 1: return rows<K, 1>(x, in, W, out, b, y, ldy);
    case 2: return rows<K, 2>(x, in, W, out, b, y, ldy);
    case 3: return rows<K, 3>(x, in, W, out, b, y, ldy);
    case 4: return rows<K, 4>(x, in, W, out, b, y, ldy);
    case 5: return rows<K, 5>(x, in, W, out, b, y, ldy);
    case 6: return rows<K, 6>(x, in, W, out, b, y, ldy);
    case 7: return rows<K, 7>(x, in, W, out, b, y, ldy);
    default: return;
  }
}

// 16 x 16 transpose in registers: r[i] = row i in, r[j] = column j out
// (32-bit, then 64-bit interleaves within 128-bit lanes, then two rounds of
// 128-bit lane shuffles; 64 shuffles for 256 floats).
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]), t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  for (int g = 0; g < 16; g += 4) {  // u[g + j], lane L: rows g..g+3 at column 4L + j
    const __m512d a = _mm512_castps_pd(t[g]), b = _mm512_castps_pd(t[g + 1]);
    const __m512d c = _mm512_castps_pd(t[g + 2]), d = _mm512_castps_pd(t[g + 3]);
    u[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c)), u[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    u[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d)), u[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int j = 0; j < 4; ++j) {
    const __m512 s0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44), s1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xee);
    const __m512 s2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44), s3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xee);
    r[j] = _mm512_shuffle_f32x4(s0, s2, 0x88), r[4 + j] = _mm512_shuffle_f32x4(s0, s2, 0xdd);
    r[8 + j] = _mm512_shuffle_f32x4(s1, s3, 0x88), r[12 + j] = _mm512_shuffle_f32x4(s1, s3, 0xdd);
  }
}

// Packs rows 0..15 of src [rows, in] (row stride ld elements; zero past
// `rows`; float32, or 16-bit widened as load16<K> widens) transposed into
// dst [in, 16] with row stride ds: 16 x 16 blocks go through registers
// (transpose16), 64 shuffles for 256 floats instead of 256 scalar moves.
template <int K>
void pack16(const void* src, int64_t ld, int64_t rows, int64_t in, float* dst, int64_t ds) {
  for (int64_t k = 0; k < in; k += 16) {
    const int64_t m = in - k < 16 ? in - k : 16;
    const __mmask16 mk = tail_mask(m);
    __m512 r[16];
    for (int i = 0; i < 16; ++i) r[i] = i < rows ? load16<K>(src, i * ld + k, mk) : _mm512_setzero_ps();
    transpose16(r);
    for (int64_t j = 0; j < m; ++j) _mm512_storeu_ps(dst + (k + j) * ds, r[j]);
  }
}

// Packs outputs o0..o0+31 of W (zero past `out`) into Bp [in, 32]: the 32
// weights one x element meets are two adjacent vectors. 16-bit W is widened
// as it is packed, into the very panel its float32 twin packs to.
template <int K>
void pack_panel(const void* W, int64_t in, int64_t out, int64_t o0, float* Bp) {
  const int64_t cols = out - o0 < kAvx512Panel ? out - o0 : kAvx512Panel;
  const int64_t es = K == 0 ? 4 : 2;  // bytes per element of W
  const char* w = static_cast<const char*>(W);
  pack16<K>(w + o0 * in * es, in, cols, in, Bp, kAvx512Panel);
  pack16<K>(cols > 16 ? w + (o0 + 16) * in * es : w, in, cols - 16, in, Bp + 16, kAvx512Panel);  // zeros if none
}

// 16 rows of x (packed transposed: xT [in, 16]) x 16 outputs read straight
// from W's rows: one x vector and 16 broadcast weights per k. Each output
// sums over k in order, one FMA per k, exactly as tile() below sums it, so
// the two paths give the same bits; this one packs x (n x in) instead of W
// (out x in), which is what makes it the faster one for few rows.
inline void tile_t(const float* xT, int64_t in, const float* W, int64_t cols, const float* b, float* y, int64_t ldy,
                   int64_t rows) {
  const float* w[16];  // row c of W, or row 0 past `cols` (computed, never stored)
  for (int c = 0; c < 16; ++c) w[c] = W + (c < cols ? c : 0) * in;
  __m512 acc[16];
#pragma GCC unroll 16
  for (int c = 0; c < 16; ++c) acc[c] = _mm512_setzero_ps();
  for (int64_t k = 0; k < in; ++k) {
    const __m512 xv = _mm512_loadu_ps(xT + k * 16);
#pragma GCC unroll 16
    for (int c = 0; c < 16; ++c) acc[c] = _mm512_fmadd_ps(_mm512_set1_ps(w[c][k]), xv, acc[c]);
  }
  transpose16(acc);  // acc[r] = row r of y, outputs 0..15
  const __mmask16 mc = tail_mask(cols);
  const __m512 bv = b ? _mm512_maskz_loadu_ps(mc, b) : _mm512_setzero_ps();
  for (int64_t r = 0; r < rows; ++r) _mm512_mask_storeu_ps(y + r * ldy, mc, _mm512_add_ps(acc[r], bv));
}

// R rows x 32 outputs: 2R accumulators (24 of the 32 zmm registers at R = 12),
// named one by one as in kernels_x86.cpp (an array was spilled there). Each
// output sums over k in order, one FMA per k.
template <int R>
inline void tile(const float* x, int64_t in, const float* Bp, int64_t cols, const float* b, float* y, int64_t ldy) {
  static_assert(R >= 1 && R <= 14);
  __m512 c0_0 = _mm512_setzero_ps(), c0_1 = c0_0, c1_0 = c0_0, c1_1 = c0_0, c2_0 = c0_0, c2_1 = c0_0;
  __m512 c3_0 = c0_0, c3_1 = c0_0, c4_0 = c0_0, c4_1 = c0_0, c5_0 = c0_0, c5_1 = c0_0, c6_0 = c0_0, c6_1 = c0_0;
  __m512 c7_0 = c0_0, c7_1 = c0_0, c8_0 = c0_0, c8_1 = c0_0, c9_0 = c0_0, c9_1 = c0_0, c10_0 = c0_0, c10_1 = c0_0;
  __m512 c11_0 = c0_0, c11_1 = c0_0, c12_0 = c0_0, c12_1 = c0_0, c13_0 = c0_0, c13_1 = c0_0;
  for (int64_t k = 0; k < in; ++k) {
    const __m512 b0 = _mm512_loadu_ps(Bp + k * kAvx512Panel), b1 = _mm512_loadu_ps(Bp + k * kAvx512Panel + 16);
#define SS_ROW(r)                                        \
  if constexpr (R > r) {                                 \
    const __m512 a = _mm512_set1_ps(x[r * in + k]);      \
    c##r##_0 = _mm512_fmadd_ps(a, b0, c##r##_0);         \
    c##r##_1 = _mm512_fmadd_ps(a, b1, c##r##_1);         \
  }
    SS_ROW(0) SS_ROW(1) SS_ROW(2) SS_ROW(3) SS_ROW(4) SS_ROW(5) SS_ROW(6)
    SS_ROW(7) SS_ROW(8) SS_ROW(9) SS_ROW(10) SS_ROW(11) SS_ROW(12) SS_ROW(13)
#undef SS_ROW
  }
  const __m512 acc[14][2] = {{c0_0, c0_1}, {c1_0, c1_1}, {c2_0, c2_1},   {c3_0, c3_1},   {c4_0, c4_1},
                             {c5_0, c5_1}, {c6_0, c6_1}, {c7_0, c7_1},   {c8_0, c8_1},   {c9_0, c9_1},
                             {c10_0, c10_1}, {c11_0, c11_1}, {c12_0, c12_1}, {c13_0, c13_1}};
  const __mmask16 m0 = tail_mask(cols), m1 = tail_mask(cols - 16 > 0 ? cols - 16 : 0);
  const __m512 b0 = b ? _mm512_maskz_loadu_ps(m0, b) : _mm512_setzero_ps();
  const __m512 b1 = b ? _mm512_maskz_loadu_ps(m1, b + 16) : _mm512_setzero_ps();
  for (int r = 0; r < R; ++r) {
    float* yr = y + r * ldy;
    if (cols == kAvx512Panel && !b) {
      _mm512_storeu_ps(yr, acc[r][0]), _mm512_storeu_ps(yr + 16, acc[r][1]);
      continue;
    }
    _mm512_mask_storeu_ps(yr, m0, _mm512_add_ps(acc[r][0], b0));
    _mm512_mask_storeu_ps(yr + 16, m1, _mm512_add_ps(acc[r][1], b1));
  }
}

// The rows left under a whole tile: tile<m> for 0 < m <= R.
template <int R>
inline void tile_tail(int64_t m, const float* x, int64_t in, const float* Bp, int64_t cols, const float* b, float* y,
                      int64_t ldy) {
  if constexpr (R > 0) {
    if (m == R) return tile<R>(x, in, Bp, cols, b, y, ldy);
    tile_tail<R - 1>(m, x, in, Bp, cols, b, y, ldy);
  }
}

// 8 x 32 tiles: in interleaved runs on a quiet machine here, 8 x 32 reached
// 80-82% / 87-89% of peak at n = 128 / 256 on demo-lm's mix, 12 x 32 75-76% /
// 81-84% and 14 x 32 76-80% / 81-86%; all three within 2% at n = 64.
#ifndef SS_AVX512_TILE_ROWS
#define SS_AVX512_TILE_ROWS 8
#endif
constexpr int64_t kTileRows = SS_AVX512_TILE_ROWS;

}  // namespace

double avx512_fma_peak_gflops(double (*clock_ms)(), int64_t iters) {
  // 12 independent 16-wide FMA chains: enough to cover the FMA latency on both pipes.
  __m512 a0 = _mm512_set1_ps(0.1f), a1 = _mm512_set1_ps(0.2f), a2 = _mm512_set1_ps(0.3f), a3 = _mm512_set1_ps(0.4f);
  __m512 a4 = _mm512_set1_ps(0.5f), a5 = _mm512_set1_ps(0.6f), a6 = _mm512_set1_ps(0.7f), a7 = _mm512_set1_ps(0.8f);
  __m512 a8 = _mm512_set1_ps(0.9f), a9 = _mm512_set1_ps(1.0f), a10 = _mm512_set1_ps(1.1f), a11 = _mm512_set1_ps(1.2f);
  const __m512 m = _mm512_set1_ps(0.9999999f), k = _mm512_set1_ps(1e-7f);
  asm volatile("" : "+r"(iters));
  const double t0 = clock_ms();
  for (int64_t i = 0; i < iters; ++i) {
    a0 = _mm512_fmadd_ps(a0, m, k), a1 = _mm512_fmadd_ps(a1, m, k), a2 = _mm512_fmadd_ps(a2, m, k);
    a3 = _mm512_fmadd_ps(a3, m, k), a4 = _mm512_fmadd_ps(a4, m, k), a5 = _mm512_fmadd_ps(a5, m, k);
    a6 = _mm512_fmadd_ps(a6, m, k), a7 = _mm512_fmadd_ps(a7, m, k), a8 = _mm512_fmadd_ps(a8, m, k);
    a9 = _mm512_fmadd_ps(a9, m, k), a10 = _mm512_fmadd_ps(a10, m, k), a11 = _mm512_fmadd_ps(a11, m, k);
  }
  const double ms = clock_ms() - t0;
  const __m512 sum = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                                   _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)),
                                                 _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11))));
  volatile float sink = _mm512_reduce_add_ps(sum);
  (void)sink;
  return double(iters) * 12 * 32 / (ms * 1e6);  // 32 flops per 16-wide FMA
}

bool x86_avx512_available() {
  __builtin_cpu_init();  // may run from a static initializer, before libgcc's own
  // libgcc also checks that the OS saves the zmm registers (XCR0).
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma") &&
         x86_f16c_available();
}

void widen_16_avx512(const uint16_t* src, float* dst, int64_t n, bool bf16) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(dst + i, m, bf16 ? load16<2>(src, i, m) : load16<1>(src, i, m));
  }
}

namespace {
// n > kAvx512XtRows: W packed 32 outputs at a time, x swept by 8 x 32 tiles.
template <int K>
void linear_panels(const float* x, int64_t n, int64_t in, const void* W, int64_t out, const float* b, float* y,
                   int64_t ldy, float* panel) {
  for (int64_t o0 = 0; o0 < out; o0 += kAvx512Panel) {
    pack_panel<K>(W, in, out, o0, panel);
    const int64_t cols = out - o0 < kAvx512Panel ? out - o0 : kAvx512Panel;
    const float* bo = b ? b + o0 : nullptr;
    // The next panel's rows of W (contiguous) are fetched into L2 a share
    // before each tile: a W past L2 (lm_head, 6 MB) was otherwise packed from
    // L3 by 16 strided streams (+8-12% on lm_head at n = 128-256 here).
    const int64_t next_rows = out - o0 - kAvx512Panel < kAvx512Panel ? out - o0 - kAvx512Panel : kAvx512Panel;
    const char* next = static_cast<const char*>(W) + (next_rows > 0 ? (o0 + kAvx512Panel) * in * (K == 0 ? 4 : 2) : 0);
    const int64_t lines = next_rows > 0 ? (next_rows * in * (K == 0 ? 4 : 2) + 63) / 64 : 0;  // 64-byte lines
    const int64_t tiles = (n + kTileRows - 1) / kTileRows, per_tile = (lines + tiles - 1) / tiles;
    int64_t line = 0;
    int64_t i = 0;
    for (; i + kTileRows <= n; i += kTileRows) {
      for (const int64_t end = line + per_tile < lines ? line + per_tile : lines; line < end; ++line)
        _mm_prefetch(next + line * 64, _MM_HINT_T1);
      tile<kTileRows>(x + i * in, in, panel, cols, bo, y + i * ldy + o0, ldy);
    }
    for (; line < lines; ++line) _mm_prefetch(next + line * 64, _MM_HINT_T1);
    if (i < n) tile_tail<kTileRows - 1>(n - i, x + i * in, in, panel, cols, bo, y + i * ldy + o0, ldy);
  }
}

// 8 <= n <= kAvx512XtRows: x packed transposed once ([n / 16, in, 16] at
// panel), then 16 outputs at a time read from W's rows in place; 16-bit rows
// are widened first, 16 at a time, into the scratch after it.
template <int K>
void linear_xt(const float* x, int64_t n, int64_t in, const void* W, int64_t out, const float* b, float* y,
               int64_t ldy, float* panel) {
  for (int64_t i = 0; i < n; i += 16) pack16<0>(x + i * in, in, n - i, in, panel + i * in, 16);
  float* wide = panel + kAvx512XtRows * in;  // [16, in] rows o0.. of W as float32 (K != 0)
  for (int64_t o0 = 0; o0 < out; o0 += 16) {
    const int64_t cols = out - o0 < 16 ? out - o0 : 16;
    const float* wo = wide;
    if constexpr (K == 0) wo = static_cast<const float*>(W) + o0 * in;
    else widen_16_avx512(static_cast<const uint16_t*>(W) + o0 * in, wide, cols * in, K == 2);
    for (int64_t i = 0; i < n; i += 16)
      tile_t(panel + i * in, in, wo, cols, b ? b + o0 : nullptr, y + i * ldy + o0, ldy, n - i < 16 ? n - i : 16);
  }
}

template <int K>
void linear_any(const float* x, int64_t n, int64_t in, const void* W, int64_t out, const float* b, float* y,
                int64_t ldy, float* panel) {
  if (n < kAvx512FewRows) return rows_n<K>(x, n, in, W, out, b, y, ldy);
  if (n <= kAvx512XtRows) return linear_xt<K>(x, n, in, W, out, b, y, ldy, panel);
  linear_panels<K>(x, n, in, W, out, b, y, ldy, panel);
}

}  // namespace

// The scratch rounded up to a 64-byte boundary: every packed vector then
// sits in one cache line (the caller's buffer has 16 floats to spare).
static inline float* align64(float* p) {
  return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t{63});
}

void linear_avx512(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                   int64_t ldy, float* panel) {
  linear_any<0>(x, n, in, W, out, b, y, ldy, align64(panel));
}

void linear_avx512_16(const float* x, int64_t n, int64_t in, const uint16_t* W, bool bf16, int64_t out, const float* b,
                      float* y, int64_t ldy, float* panel) {
  if (bf16) linear_any<2>(x, n, in, W, out, b, y, ldy, align64(panel));
  else linear_any<1>(x, n, in, W, out, b, y, ldy, align64(panel));
}

}  // namespace ss::cpu

#else  // not built for x86-64 with AVX-512: never picked

namespace ss::cpu {
bool x86_avx512_available() { return false; }
void widen_16_avx512(const uint16_t*, float*, int64_t, bool) {}
void linear_avx512(const float*, int64_t, int64_t, const float*, int64_t, const float*, float*, int64_t, float*) {}
void linear_avx512_16(const float*, int64_t, int64_t, const uint16_t*, bool, int64_t, const float*, float*, int64_t,
                      float*) {}
double avx512_fma_peak_gflops(double (*)(), int64_t) { return 0; }
}  // namespace ss::cpu

#endif
