// massive_activations: outlier residual entries (Sun et al. 2024). A small
// model stays below |h| > 100, so the top-k with their ratio to the median are
// always reported and the panels show the ratio.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "analysis/analysis.h"

namespace ss {

LayerMassive massive_activations(const Tensor& resid, int layer, const AnalysisSettings& s) {
  LayerMassive out;
  const int T = int(resid.dim(0)), d = int(resid.dim(1));
  const size_t n = size_t(T) * d;
  if (n == 0) return out;
  std::vector<float> mag(n);  // [T * d]  |h|
  for (size_t i = 0; i < n; ++i) mag[i] = std::fabs(resid.data[i]);
  {
    // Median of all T*d magnitudes; for even n the mean of the two middle ones
    // (numpy.median's convention, which the Python reference uses).
    std::vector<float> tmp(mag);
    size_t mid = n / 2;
    std::nth_element(tmp.begin(), tmp.begin() + mid, tmp.end());
    double med = tmp[mid];
    if (n % 2 == 0) med = 0.5 * (med + *std::max_element(tmp.begin(), tmp.begin() + mid));
    out.median_abs = float(med);
  }
  auto ratio = [&](float m) {
    return out.median_abs > 0 ? m / out.median_abs : std::numeric_limits<float>::infinity();
  };
  auto entry = [&](size_t i) {
    return MassiveEntry{layer, int(i / d), int(i % d), resid.data[i], ratio(mag[i])};
  };
  out.max_abs = *std::max_element(mag.begin(), mag.end());
  for (size_t i = 0; i < n; ++i)
    if (mag[i] > s.massive_abs && mag[i] > s.massive_rel * out.median_abs) out.over_threshold.push_back(entry(i));
  std::sort(out.over_threshold.begin(), out.over_threshold.end(),
            [](const MassiveEntry& a, const MassiveEntry& b) { return std::fabs(a.value) > std::fabs(b.value); });
  const size_t k = std::min(n, size_t(std::max(0, s.top_k)));
  std::vector<size_t> idx(n);  // [T * d]
  std::iota(idx.begin(), idx.end(), size_t{0});
  // Ties broken by position so the C++ and Python lists agree entry by entry.
  auto by_mag = [&](size_t a, size_t b) { return mag[a] != mag[b] ? mag[a] > mag[b] : a < b; };
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), by_mag);
  for (size_t r = 0; r < k; ++r) out.top.push_back(entry(idx[r]));
  return out;
}

}  // namespace ss
