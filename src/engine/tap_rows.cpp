#include "engine/tap_rows.h"

#include <algorithm>
#include <cstring>
#include <limits>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace ss {

// memmove of one tap row. In wasm, musl's memmove hands every copy of 512
// bytes or more to JavaScript (copyWithin): an appended token moves each of
// the H * T rows of every [H, T, T] tap, and those calls cost 5 ms a
// keystroke at T = 150. This loop stays in wasm; it copies from the end when
// the row moves up and from the start when it moves down, so overlap is safe.
static void move_row(float* dst, const float* src, int64_t n) {
#if defined(__wasm_simd128__)
  if (dst == src || n <= 0) return;
  if (dst > src) {
    int64_t k = n;
    for (; k % 4; --k) dst[k - 1] = src[k - 1];
    for (k -= 4; k >= 0; k -= 4) wasm_v128_store(dst + k, wasm_v128_load(src + k));
  } else {
    int64_t k = 0;
    for (; k + 4 <= n; k += 4) wasm_v128_store(dst + k, wasm_v128_load(src + k));
    for (; k < n; ++k) dst[k] = src[k];
  }
#else
  std::memmove(dst, src, n * sizeof(float));
#endif
}

static bool ends_with(const std::string& s, const char* suf) {
  size_t n = std::strlen(suf);
  return s.size() >= n && s.compare(s.size() - n, n, suf) == 0;
}

RowAxis row_axis_of(const std::string& tap) {
  if (ends_with(tap, ".attn_scores") || ends_with(tap, ".attn_pattern")) return RowAxis::Square;
  if (ends_with(tap, ".head_out")) return RowAxis::Second;
  return RowAxis::First;
}

static int64_t rows_of(const Tensor& t, RowAxis axis) {
  if (t.rank() == 0) return 0;
  return axis == RowAxis::First ? t.dim(0) : t.rank() >= 2 ? t.dim(1) : 0;
}

// A big [T, ...] tap made by a full pass gets room for kSlack more rows
// now, while the buffer it leaves is exactly the size of the next layer's
// fresh tap (which reuses it): growing it at the first keystroke instead
// would move every tap at once into new memory, past holes none of them fits
// (408 MB more wasm memory at T = 2048 on a 12 x 768 model).
static void make_room(Tensor& t, RowAxis axis);

void append_rows(Tensor& dst, int64_t s, Tensor&& fresh, RowAxis axis, float fill) {
  if (s == 0 || dst.empty()) {
    dst = std::move(fresh);
    make_room(dst, axis);
    return;
  }
  const int64_t n = axis == RowAxis::First ? fresh.dim(0) : fresh.dim(1);
  if (rows_of(dst, axis) == s + n) {  // made room by resize_rows: write in place
    switch (axis) {
      case RowAxis::First: {
        const int64_t row = fresh.numel() / std::max<int64_t>(n, 1);
        std::copy_n(fresh.ptr(), n * row, dst.ptr() + s * row);
        return;
      }
      case RowAxis::Second: {
        const int64_t H = dst.dim(0), T = s + n, X = dst.dim(2);
        for (int64_t h = 0; h < H; ++h) std::copy_n(fresh.ptr() + h * n * X, n * X, dst.ptr() + (h * T + s) * X);
        return;
      }
      case RowAxis::Square: {
        const int64_t H = dst.dim(0), T = s + n;
        for (int64_t h = 0; h < H; ++h) std::copy_n(fresh.ptr() + h * n * T, n * T, dst.ptr() + (h * T + s) * T);
        return;
      }
    }
  }
  resize_rows(dst, s, s + n, axis, fill);
  append_rows(dst, s, std::move(fresh), axis, fill);
}

// Growing past the capacity reallocates and copies everything; leave room
// for a few more tokens so typing reallocates once per kSlack tokens, not per
// keystroke (and not 2x, as a vector's own growth would: taps are most of
// the page's memory).
constexpr int64_t kSlack = 16;
static void grow(std::vector<float>& v, int64_t need, int64_t roomy) {
  if (need > static_cast<int64_t>(v.capacity())) v.reserve(roomy);
  v.resize(need);
}

static void make_room(Tensor& t, RowAxis axis) {
  constexpr size_t kBig = size_t(1) << 18;  // floats (1 MB): small taps regrow cheaply
  if (axis != RowAxis::First || t.rank() == 0 || t.data.size() < kBig || t.dim(0) == 0) return;
  const size_t row = t.data.size() / size_t(t.dim(0));
  t.data.reserve(t.data.size() + kSlack * row);
}

void resize_rows(Tensor& t, int64_t p, int64_t T, RowAxis axis, float fill) {
  if (t.rank() == 0 || t.empty()) return;
  const int64_t T0 = rows_of(t, axis);
  p = std::min({p, T0, T});
  switch (axis) {
    case RowAxis::First: {
      const int64_t row = T0 ? t.numel() / T0 : 0;
      t.shape[0] = T;
      if (T > T0) grow(t.data, T * row, (T + kSlack) * row);
      else t.data.resize(T * row);
      return;
    }
    case RowAxis::Second: {  // [H, T0, X] -> [H, T, X]: blocks move by whole heads
      const int64_t H = t.dim(0), X = t.dim(2);
      if (T > T0) {
        grow(t.data, H * T * X, H * (T + kSlack) * X);
        for (int64_t h = H - 1; h >= 0; --h)  // back to front: destinations lie at or after sources
          move_row(t.ptr() + h * T * X, t.ptr() + h * T0 * X, p * X);
      } else if (T < T0) {
        for (int64_t h = 0; h < H; ++h) move_row(t.ptr() + h * T * X, t.ptr() + h * T0 * X, p * X);
        t.data.resize(H * T * X);
      }
      t.shape[1] = T;
      return;
    }
    case RowAxis::Square: {  // [H, T0, T0] -> [H, T, T]; kept rows get `fill` in columns [p, T)
      const int64_t H = t.dim(0);
      if (T > T0) {
        grow(t.data, H * T * T, H * (T + kSlack) * (T + kSlack));
        for (int64_t h = H - 1; h >= 0; --h)
          for (int64_t i = p - 1; i >= 0; --i)
            move_row(t.ptr() + (h * T + i) * T, t.ptr() + (h * T0 + i) * T0, p);
      } else if (T < T0) {
        for (int64_t h = 0; h < H; ++h)
          for (int64_t i = 0; i < p; ++i)
            move_row(t.ptr() + (h * T + i) * T, t.ptr() + (h * T0 + i) * T0, p);
        t.data.resize(H * T * T);
      }
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < p; ++i) std::fill(t.ptr() + (h * T + i) * T + p, t.ptr() + (h * T + i + 1) * T, fill);
      t.shape[1] = t.shape[2] = T;
      return;
    }
  }
}

void truncate_rows(Tensor& t, int64_t p, RowAxis axis) {
  if (rows_of(t, axis) > p) resize_rows(t, p, p, axis, 0.0f);
}

static float fill_of(const std::string& name) { return ends_with(name, ".attn_scores") ? -std::numeric_limits<float>::infinity() : 0.0f; }

void resize_taps(Taps& taps, int64_t p, int64_t T) {
  for (auto& [name, t] : taps.named) resize_rows(t, p, T, row_axis_of(name), fill_of(name));
}

void truncate_taps(Taps& taps, int64_t p) {
  for (auto& [name, t] : taps.named) truncate_rows(t, p, row_axis_of(name));
}

}  // namespace ss
