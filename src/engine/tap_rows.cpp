#include "engine/tap_rows.h"

#include <algorithm>
#include <cstring>

namespace ss {

static bool ends_with(const std::string& s, const char* suf) {
  size_t n = std::strlen(suf);
  return s.size() >= n && s.compare(s.size() - n, n, suf) == 0;
}

RowAxis row_axis_of(const std::string& tap) {
  if (ends_with(tap, ".attn_scores") || ends_with(tap, ".attn_pattern")) return RowAxis::Square;
  if (ends_with(tap, ".head_out")) return RowAxis::Second;
  return RowAxis::First;
}

void append_rows(Tensor& dst, int64_t s, Tensor&& fresh, RowAxis axis, float fill) {
  if (s == 0 || dst.data.empty()) {
    dst = std::move(fresh);
    return;
  }
  switch (axis) {
    case RowAxis::First: {
      dst.shape[0] += fresh.shape[0];
      dst.data.insert(dst.data.end(), fresh.data.begin(), fresh.data.end());
      return;
    }
    case RowAxis::Second: {  // [H, s, X] + [H, n, X] -> [H, s+n, X]
      const int64_t H = dst.dim(0), n = fresh.dim(1), X = dst.dim(2);
      Tensor out({H, s + n, X});
      for (int64_t h = 0; h < H; ++h) {
        std::copy_n(dst.ptr() + h * s * X, s * X, out.ptr() + h * (s + n) * X);
        std::copy_n(fresh.ptr() + h * n * X, n * X, out.ptr() + (h * (s + n) + s) * X);
      }
      dst = std::move(out);
      return;
    }
    case RowAxis::Square: {  // [H, s, s] + [H, n, s+n] -> [H, s+n, s+n]
      const int64_t H = dst.dim(0), n = fresh.dim(1), T = s + n;
      Tensor out({H, T, T});
      for (int64_t h = 0; h < H; ++h) {
        for (int64_t i = 0; i < s; ++i) {
          float* row = out.ptr() + (h * T + i) * T;
          std::copy_n(dst.ptr() + (h * s + i) * s, s, row);
          std::fill(row + s, row + T, fill);
        }
        std::copy_n(fresh.ptr() + h * n * T, n * T, out.ptr() + (h * T + s) * T);
      }
      dst = std::move(out);
      return;
    }
  }
}

void truncate_rows(Tensor& t, int64_t p, RowAxis axis) {
  switch (axis) {
    case RowAxis::First: {
      if (t.rank() == 0 || t.dim(0) <= p) return;
      const int64_t row = t.dim(0) ? t.numel() / t.dim(0) : 0;
      t.shape[0] = p;
      t.data.resize(p * row);
      return;
    }
    case RowAxis::Second: {
      const int64_t H = t.dim(0), T = t.dim(1), X = t.dim(2);
      if (T <= p) return;
      Tensor out({H, p, X});
      for (int64_t h = 0; h < H; ++h) std::copy_n(t.ptr() + h * T * X, p * X, out.ptr() + h * p * X);
      t = std::move(out);
      return;
    }
    case RowAxis::Square: {
      const int64_t H = t.dim(0), T = t.dim(1);
      if (T <= p) return;
      Tensor out({H, p, p});
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < p; ++i) std::copy_n(t.ptr() + (h * T + i) * T, p, out.ptr() + (h * p + i) * p);
      t = std::move(out);
      return;
    }
  }
}

void truncate_taps(Taps& taps, int64_t p) {
  for (auto& [name, t] : taps.named) truncate_rows(t, p, row_axis_of(name));
}

}  // namespace ss
