#include "backends/cpu/kernels.h"

#include <algorithm>
#include <vector>

#include "core/parallel.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define SS_LINEAR_SIMD128 1
#elif !defined(__EMSCRIPTEN__) && !defined(SS_PLAIN_KERNELS)
#include <Eigen/Core>

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

void linear_plain(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y) {
  linear_plain_ld(x, n, in, W, out, b, y, out);
}

#if defined(SS_LINEAR_SIMD128)
namespace {
inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// Few rows (n < 4, e.g. generation's n == 1): packing W would cost as much as
// the product, so dot products straight from W's rows. A 2-row x 4-output
// tile keeps 8 accumulators in registers and loads each x and W vector once
// per tile.
void linear_dot(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                int64_t ldy) {
  const int64_t in4 = in & ~int64_t{3};
  int64_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const float* x0 = x + i * in;
    const float* x1 = x0 + in;
    int64_t o = 0;
    for (; o + 4 <= out; o += 4) {
      const float* w0 = W + o * in;
      const float* w1 = w0 + in;
      const float* w2 = w1 + in;
      const float* w3 = w2 + in;
      v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a02 = a00, a03 = a00;
      v128_t a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      for (int64_t k = 0; k < in4; k += 4) {
        v128_t vx0 = wasm_v128_load(x0 + k), vx1 = wasm_v128_load(x1 + k);
        v128_t v0 = wasm_v128_load(w0 + k), v1 = wasm_v128_load(w1 + k);
        v128_t v2 = wasm_v128_load(w2 + k), v3 = wasm_v128_load(w3 + k);
        a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(vx0, v0));
        a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(vx0, v1));
        a02 = wasm_f32x4_add(a02, wasm_f32x4_mul(vx0, v2));
        a03 = wasm_f32x4_add(a03, wasm_f32x4_mul(vx0, v3));
        a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(vx1, v0));
        a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(vx1, v1));
        a12 = wasm_f32x4_add(a12, wasm_f32x4_mul(vx1, v2));
        a13 = wasm_f32x4_add(a13, wasm_f32x4_mul(vx1, v3));
      }
      float r[2][4] = {{hsum(a00), hsum(a01), hsum(a02), hsum(a03)}, {hsum(a10), hsum(a11), hsum(a12), hsum(a13)}};
      for (int64_t k = in4; k < in; ++k)
        for (int j = 0; j < 4; ++j) {
          r[0][j] += x0[k] * W[(o + j) * in + k];
          r[1][j] += x1[k] * W[(o + j) * in + k];
        }
      for (int j = 0; j < 4; ++j) {
        const float bj = b ? b[o + j] : 0.0f;
        y[i * ldy + o + j] = r[0][j] + bj;
        y[(i + 1) * ldy + o + j] = r[1][j] + bj;
      }
    }
    if (o < out) {  // leftover outputs: one dot product each
      for (int r = 0; r < 2; ++r) {
        const float* xr = r ? x1 : x0;
        for (int64_t oo = o; oo < out; ++oo) {
          const float* wo = W + oo * in;
          v128_t acc = wasm_f32x4_splat(0);
          for (int64_t k = 0; k < in4; k += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(xr + k), wasm_v128_load(wo + k)));
          float s = hsum(acc);
          for (int64_t k = in4; k < in; ++k) s += xr[k] * wo[k];
          y[(i + r) * ldy + oo] = s + (b ? b[oo] : 0.0f);
        }
      }
    }
  }
  for (; i < n; ++i) {  // odd last row (and the common n == 1 of generation)
    const float* xi = x + i * in;
    int64_t o = 0;
    for (; o + 4 <= out; o += 4) {
      const float* w0 = W + o * in;
      v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (int64_t k = 0; k < in4; k += 4) {
        v128_t vx = wasm_v128_load(xi + k);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(vx, wasm_v128_load(w0 + k)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(vx, wasm_v128_load(w0 + in + k)));
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(vx, wasm_v128_load(w0 + 2 * in + k)));
        a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(vx, wasm_v128_load(w0 + 3 * in + k)));
      }
      float r[4] = {hsum(a0), hsum(a1), hsum(a2), hsum(a3)};
      for (int64_t k = in4; k < in; ++k)
        for (int j = 0; j < 4; ++j) r[j] += xi[k] * W[(o + j) * in + k];
      for (int j = 0; j < 4; ++j) y[i * ldy + o + j] = r[j] + (b ? b[o + j] : 0.0f);
    }
    if (o < out) linear_plain(xi, 1, in, W + o * in, out - o, b ? b + o : nullptr, y + i * ldy + o);  // last outputs
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
  if (n < 4) return linear_dot(x, n, in, W, out, b, y, ldy);
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

#elif defined(SS_LINEAR_EIGEN)
namespace {
bool use_fma() {
  static const bool yes = x86_fma_available();
  return yes;
}
}  // namespace

static void linear_block(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                  int64_t ldy) {
  if (use_fma()) {
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
const char* linear_path() { return use_fma() ? "avx2-fma" : "eigen"; }

#else
static void linear_block(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y,
                  int64_t ldy) {
  linear_plain_ld(x, n, in, W, out, b, y, ldy);
}
const char* linear_path() { return "plain"; }
#endif

// Threads split the outputs (rows of W): each reads its own part of the
// weights, which is what a one-token pass is limited by, and every output is
// summed exactly as on one thread. Products under ~64K multiply-adds stay on
// the caller: waking the workers would cost more.
void linear(const float* x, int64_t n, int64_t in, const float* W, int64_t out, const float* b, float* y) {
  if (threads() == 1 || n * in * out < (int64_t{1} << 16))
    return linear_block(x, n, in, W, out, b, y, out);
  parallel_for(out, 16, [&](int64_t o0, int64_t o1) {
    linear_block(x, n, in, W + o0 * in, o1 - o0, b ? b + o0 : nullptr, y + o0, out);
  });
}

}  // namespace ss::cpu
