#include "backends/cpu/kernels.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/half.h"
#include "core/parallel.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define SS_LINEAR_SIMD128 1
#elif !defined(__EMSCRIPTEN__) && !defined(SS_PLAIN_KERNELS)
#include <Eigen/Core>

#include "backends/cpu/kernels_avx512.h"
#include "backends/cpu/kernels_x86.h"
#define SS_LINEAR_EIGEN 1
#endif

namespace ss::cpu {

void linear_plain_ld(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                     int64_t ldy) {
  for (int64_t i = 0; i < n; ++i) {
    const float* xi = x + i * in;
    for (int64_t o = 0; o < out; ++o) {
      const float* wo = W + o * in;
      float acc = 0.0f;
      for (int64_t k = 0; k < in; ++k) acc += xi[k] * wo[k];
      y[i * ldy + o] = acc + (b ? b[o] : 0.0f);
    }
  }
}

void linear_plain(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y) noexcept {
  linear_plain_ld(x, n, in, W, out, b, y, out);
}

#if defined(SS_LINEAR_SIMD128)
namespace {
inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// Four weights from W at element i as floats: W float32 (K = 0), IEEE half
// (K = 1) or bfloat16 (K = 2), so one kernel body serves all three and sums
// in the same order (16-bit results equal float32 bit for bit). The half
// widening is f16_to_float_fast's, four lanes at a time: no float32
// subnormal is ever formed (each would cost a microcode assist on x86).
template <int K>
inline v128_t load4(const void* W, int64_t i) {
  if constexpr (K == 0) {
    return wasm_v128_load(static_cast<const float*>(W) + i);
  } else {
    const v128_t h = wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(static_cast<const uint16_t*>(W) + i));
    if constexpr (K == 2) return wasm_i32x4_shl(h, 16);
    const v128_t em = wasm_v128_and(h, wasm_i32x4_splat(0x7fff));
    const v128_t sh = wasm_i32x4_shl(em, 13);
    const v128_t normal = wasm_i32x4_add(sh, wasm_i32x4_splat(112 << 23));
    const v128_t sub = wasm_f32x4_sub(wasm_i32x4_add(sh, wasm_i32x4_splat(113 << 23)), wasm_f32x4_splat(0x1p-14f));
    v128_t r = wasm_v128_bitselect(sub, normal, wasm_u32x4_lt(em, wasm_i32x4_splat(0x400)));
    r = wasm_v128_bitselect(wasm_v128_or(sh, wasm_i32x4_splat(0x7f800000)), r, wasm_u32x4_ge(em, wasm_i32x4_splat(0x7c00)));
    return wasm_v128_or(r, wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16));
  }
}
template <int K>
inline float load1(const void* W, int64_t i) {
  if constexpr (K == 0) return static_cast<const float*>(W)[i];
  else if constexpr (K == 1) return f16_to_float_fast(static_cast<const uint16_t*>(W)[i]);
  else return bf16_to_float(static_cast<const uint16_t*>(W)[i]);
}

// Few rows (n < 4: a keystroke's one new token, generation): packing W
// would cost as much as the product, so dot products straight from W's rows,
// one output at a time, so that W is read once, front to back, as one stream
// (the row stays in L1 for the other rows of x). A one-token pass is bound by
// streaming the weights, and four rows of W read side by side (four streams)
// took about twice as long here: the prefetcher follows one stream best.
// Four accumulators over k hide the add latency. 16-bit W is widened in the
// loads: a token streams half the bytes.
template <int K>
void linear_dot(const float* x, int64_t n, int64_t in, const void* W, int64_t out, const float* b, float* y,
                int64_t ldy) {
  const int64_t in4 = in & ~int64_t{3}, in16 = in & ~int64_t{15};
  for (int64_t o = 0; o < out; ++o) {
    const int64_t w = o * in;  // row o of W starts at element w
    for (int64_t i = 0; i < n; ++i) {
      const float* xi = x + i * in;
      v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
      int64_t k = 0;
      for (; k < in16; k += 16) {
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xi + k), load4<K>(W, w + k)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(xi + k + 4), load4<K>(W, w + k + 4)));
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(xi + k + 8), load4<K>(W, w + k + 8)));
        a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(xi + k + 12), load4<K>(W, w + k + 12)));
      }
      for (; k < in4; k += 4) a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xi + k), load4<K>(W, w + k)));
      float r = hsum(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)));
      for (; k < in; ++k) r += xi[k] * load1<K>(W, w + k);
      y[i * ldy + o] = r + (b ? b[o] : 0.0f);
    }
  }
}

// Packs 8 rows of W (outputs o0..o0+7, zero past `out`) into a panel
// Bp [in, 8]: the 8 weights one x element meets sit in two adjacent vectors.
// Full panels go through 4x4 transposes.
void pack_panel(const float* W, int64_t in, int64_t out, int64_t o0, float* Bp) {
  const int64_t cols = std::min<int64_t>(8, out - o0);
  if (cols < 8) {
    for (int64_t k = 0; k < in; ++k)
      for (int64_t c = 0; c < 8; ++c) Bp[k * 8 + c] = c < cols ? W[(o0 + c) * in + k] : 0.0f;
    return;
  }
  const float* w = W + o0 * in;
  int64_t k = 0;
  for (; k + 4 <= in; k += 4)
    for (int h = 0; h < 2; ++h) {  // columns 4h..4h+3
      const float* wh = w + 4 * h * in + k;
      const v128_t r0 = wasm_v128_load(wh), r1 = wasm_v128_load(wh + in);
      const v128_t r2 = wasm_v128_load(wh + 2 * in), r3 = wasm_v128_load(wh + 3 * in);
      const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
      const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
      float* d = Bp + k * 8 + 4 * h;
      wasm_v128_store(d, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
      wasm_v128_store(d + 8, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
      wasm_v128_store(d + 16, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
      wasm_v128_store(d + 24, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
    }
  for (; k < in; ++k)
    for (int64_t c = 0; c < 8; ++c) Bp[k * 8 + c] = w[c * in + k];
}

// R rows of x times one packed panel: acc[r][0..1] = x[r, :] · Bp[:, 0..7].
// An outer product per k (one x element splatted, two panel vectors) keeps
// 2R accumulators in registers; every output sums over k in order, as the
// plain loop does, so results match it bit for bit (no FMA in SIMD128).
template <int R>
inline void micro_kernel(const float* x, int64_t in, const float* Bp, v128_t (&acc)[R][2]) {
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
  for (int64_t k = 0; k < in; ++k) {
    const v128_t b0 = wasm_v128_load(Bp + k * 8), b1 = wasm_v128_load(Bp + k * 8 + 4);
    for (int r = 0; r < R; ++r) {
      const v128_t a = wasm_v128_load32_splat(x + r * in + k);
      acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(a, b0));
      acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(a, b1));
    }
  }
}

template <int R>
inline void store_rows(const v128_t (&acc)[R][2], int64_t cols, const float* b, float* y, int64_t out) {
  for (int r = 0; r < R; ++r) {
    float* yr = y + r * out;
    if (cols == 8 && !b) {
      wasm_v128_store(yr, acc[r][0]), wasm_v128_store(yr + 4, acc[r][1]);
      continue;
    }
    float t[8];  // [8] one row of the tile
    wasm_v128_store(t, acc[r][0]), wasm_v128_store(t + 4, acc[r][1]);
    for (int64_t c = 0; c < cols; ++c) y[r * out + c] = t[c] + (b ? b[c] : 0.0f);
  }
}

}  // namespace

// x [n, in] · W[out, in]^T: W is re-laid out 8 outputs at a time into a panel
// (in x 8 floats: 12-26 KB, stays in L1), then 4-row x 8-output tiles sweep
// all rows of x against it. The packing reads W once per call, which is 1/n
// of the product's work.
static void linear_block(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                  int64_t ldy) {
  if (n < 4) return linear_dot<0>(x, n, in, W, out, b, y, ldy);
  thread_local std::vector<float> panel;  // [in, 8]
  panel.resize(static_cast<size_t>(in) * 8);
  for (int64_t o0 = 0; o0 < out; o0 += 8) {
    pack_panel(W, in, out, o0, panel.data());
    const int64_t cols = std::min<int64_t>(8, out - o0);
    const float* bo = b ? b + o0 : nullptr;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      v128_t acc[4][2];
      micro_kernel<4>(x + i * in, in, panel.data(), acc);
      store_rows<4>(acc, cols, bo, y + i * ldy + o0, ldy);
    }
    for (; i < n; ++i) {
      v128_t acc[1][2];
      micro_kernel<1>(x + i * in, in, panel.data(), acc);
      store_rows<1>(acc, cols, bo, y + i * ldy + o0, ldy);
    }
  }
}
const char* linear_path() { return "simd128"; }
bool set_linear_path(const char* name) noexcept { return name && std::strcmp(name, "simd128") == 0; }

#elif defined(SS_LINEAR_EIGEN)
namespace {
// The x86 paths, fastest last. The best one this CPU has is picked at first
// use, unless SINKSCOPE_CPU_PATH names another (avx512, avx2 or eigen: tests
// and benchmarks compare them in one process with set_linear_path).
enum X86Path : int { kEigen = 0, kAvx2 = 1, kAvx512 = 2 };
constexpr const char* kPathNames[] = {"eigen", "avx2-fma", "avx512-fma"};

bool path_available(int p) {
  static const bool avx2 = x86_fma_available(), avx512 = avx2 && x86_avx512_available();
  return p == kEigen || (p == kAvx2 && avx2) || (p == kAvx512 && avx512);
}
int path_by_name(const char* name) {  // "avx512" or "avx512-fma", "avx2" or "avx2-fma", "eigen"; -1 when unknown
  for (int p = 0; p < 3; ++p) {
    const size_t len = std::strlen(name), full = std::strlen(kPathNames[p]);
    if (std::strcmp(name, kPathNames[p]) == 0 || (len > 0 && len + 4 == full && std::strncmp(name, kPathNames[p], len) == 0))
      return p;
  }
  return -1;
}
int default_path() {
  int best = path_available(kAvx512) ? kAvx512 : path_available(kAvx2) ? kAvx2 : kEigen;
  if (const char* env = std::getenv("SINKSCOPE_CPU_PATH"); env && *env) {
    const int p = path_by_name(env);
    if (p >= 0 && path_available(p)) return p;
    std::fprintf(stderr, "sinkscope: SINKSCOPE_CPU_PATH=%s is %s; using %s\n", env,
                 p < 0 ? "not one of avx512, avx2, eigen" : "not supported by this CPU", kPathNames[best]);
  }
  return best;
}
std::atomic<int> g_path{-1};
int x86_path() {
  int p = g_path.load(std::memory_order_relaxed);
  if (p < 0) g_path.store(p = default_path(), std::memory_order_relaxed);
  return p;
}
}  // namespace

bool set_linear_path(const char* name) noexcept {
  const int p = name ? path_by_name(name) : -1;
  if (p < 0 || !path_available(p)) return false;
  g_path.store(p, std::memory_order_relaxed);
  return true;
}

static void linear_block(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                  int64_t ldy) {
  const int path = x86_path();
  if (path == kAvx512) {
    thread_local std::vector<float> panel;  // [in, kAvx512Scratch] + 16: a packed panel of W, or x transposed
    panel.resize(static_cast<size_t>(in) * kAvx512Scratch + 16);
    return linear_avx512(x, n, in, W, out, b, y, ldy, panel.data());
  }
  if (path == kAvx2) {
    thread_local std::vector<float> panel;  // [in, 16]
    panel.resize(static_cast<size_t>(in) * 16);
    return linear_x86_fma(x, n, in, W, out, b, y, ldy, panel.data());
  }
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> X(x, n, in);
  Eigen::Map<const Mat> Wm(W, out, in);
  Eigen::Map<Mat, 0, Eigen::OuterStride<>> Y(y, n, out, Eigen::OuterStride<>(ldy));
  Y.noalias() = X * Wm.transpose();
  if (b) Y.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(b, out);
}
const char* linear_path() { return kPathNames[x86_path()]; }

#else
static void linear_block(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                  int64_t ldy) {
  linear_plain_ld(x, n, in, W, out, b, y, ldy);
}
const char* linear_path() { return "plain"; }
bool set_linear_path(const char* name) noexcept { return name && std::strcmp(name, "plain") == 0; }
#endif

#if defined(SS_LINEAR_SIMD128)
float dot(const float* a, const float* b, int64_t n) noexcept {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
  int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k)));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(a + k + 4), wasm_v128_load(b + k + 4)));
  }
  float r = hsum(wasm_f32x4_add(a0, a1));
  for (; k < n; ++k) r += a[k] * b[k];
  return r;
}
void axpy(float alpha, const float* x, float* y, int64_t n) noexcept {
  const v128_t va = wasm_f32x4_splat(alpha);
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) wasm_v128_store(y + k, wasm_f32x4_add(wasm_v128_load(y + k), wasm_f32x4_mul(va, wasm_v128_load(x + k))));
  for (; k < n; ++k) y[k] += alpha * x[k];
}
#else
float dot(const float* a, const float* b, int64_t n) noexcept {
  float r0 = 0, r1 = 0, r2 = 0, r3 = 0;  // four chains: the compiler may not reorder one float sum
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) r0 += a[k] * b[k], r1 += a[k + 1] * b[k + 1], r2 += a[k + 2] * b[k + 2], r3 += a[k + 3] * b[k + 3];
  for (; k < n; ++k) r0 += a[k] * b[k];
  return (r0 + r1) + (r2 + r3);
}
void axpy(float alpha, const float* x, float* y, int64_t n) noexcept {
  for (int64_t k = 0; k < n; ++k) y[k] += alpha * x[k];
}
#endif

// Threads split the outputs (rows of W): each reads its own part of the
// weights, which is what a one-token pass is limited by, and every output is
// summed exactly as on one thread. Products under ~64K multiply-adds stay on
// the caller: waking the workers would cost more.
void linear(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y) noexcept {
  if (threads() == 1 || n * in * out < (int64_t{1} << 16))
    return linear_block(x, n, in, W, out, b, y, out);
  parallel_for(out, 16, [&](int64_t o0, int64_t o1) {
    linear_block(x, n, in, W + o0 * in, o1 - o0, b ? b + o0 : nullptr, y + o0, out);
  });
}

static void widen_rows(const uint16_t* src, float* dst, int64_t n, bool bf16) {
#if defined(SS_LINEAR_EIGEN)
  if (x86_path() == kAvx512) return widen_16_avx512(src, dst, n, bf16);
  if (path_available(kAvx2)) return widen_16_x86(src, dst, n, bf16);
#endif
  if (bf16) widen_bf16(src, dst, n);
  else widen_f16(src, dst, n);
}

void widen(const uint16_t* src, float* dst, int64_t n, bool bf16) noexcept { widen_rows(src, dst, n, bf16); }

// 16 rows: a multiple of the path's panel width (8 in SIMD128, 16 in AVX2),
// so each panel the f32 path packs is the panel it packs for W in float32,
// and the scratch (16 x in floats, 16-80 KB) stays in L1/L2. The AVX-512
// path widens inside its own kernels instead.
static void linear_16_block(const float* x, int64_t n, int64_t in, const uint16_t* W, bool bf16, int64_t out,
                            const float* b, float* y, int64_t ldy) {
  // Few rows: the dot-product paths widen in their loads (no scratch pass).
#if defined(SS_LINEAR_SIMD128)
  if (n < 4) return bf16 ? linear_dot<2>(x, n, in, W, out, b, y, ldy) : linear_dot<1>(x, n, in, W, out, b, y, ldy);
#elif defined(SS_LINEAR_EIGEN)
  const int path = x86_path();
  if (path == kAvx512) {  // widens as it reads (kernels_avx512.h)
    thread_local std::vector<float> panel;  // [in, kAvx512Scratch] + 16
    panel.resize(static_cast<size_t>(in) * kAvx512Scratch + 16);
    return linear_avx512_16(x, n, in, W, bf16, out, b, y, ldy, panel.data());
  }
  if (path == kAvx2 && n < 6) return linear_rows_x86_16(x, n, in, W, bf16, out, b, y, ldy);
#endif
  constexpr int64_t kRows = 16;
  thread_local std::vector<float> rows;  // [kRows, in] rows o0.. of W as float32
  rows.resize(static_cast<size_t>(kRows * in));
  for (int64_t o0 = 0; o0 < out; o0 += kRows) {
    const int64_t m = std::min(kRows, out - o0);
    widen_rows(W + o0 * in, rows.data(), m * in, bf16);
    linear_block(x, n, in, rows.data(), m, b ? b + o0 : nullptr, y + o0, ldy);
  }
}

void linear_16(const float* x, int64_t n, int64_t in, const uint16_t* W, bool bf16, int64_t out, const float* b,
               float* y) noexcept {
  if (threads() == 1 || n * in * out < (int64_t{1} << 16)) return linear_16_block(x, n, in, W, bf16, out, b, y, out);
  parallel_for(out, 16, [&](int64_t o0, int64_t o1) {
    linear_16_block(x, n, in, W + o0 * in, bf16, o1 - o0, b ? b + o0 : nullptr, y + o0, out);
  });
}

}  // namespace ss::cpu
