// Deterministic exp and log: written out in double arithmetic (no libm), so a
// run gives the same bits natively (glibc) and in wasm (musl). libm's expf/log
// differ in the last ulp between the two, and training amplifies that.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ss::avg {

// exp(x) for the softmax: x = k ln2 + r, |r| <= ln2/2, Taylor to r^13 (error
// below 1e-16 relative), then scale by 2^k through the exponent bits.
inline double det_exp(double x) {
  if (x < -700.0) return 0.0;
  if (x > 700.0) x = 700.0;
  const double ln2 = 0.6931471805599453;
  double k = std::floor(x / ln2 + 0.5);
  double r = x - k * ln2;
  double term = 1.0, sum = 1.0;
  for (int n = 1; n <= 13; ++n) {
    term = term * r / n;
    sum += term;
  }
  return std::ldexp(sum, static_cast<int>(k));  // exact scaling
}

// log(x) for x > 0 (the normal sampler): x = m 2^e with m in [sqrt(1/2), sqrt(2)),
// log m = 2 atanh(u), u = (m-1)/(m+1), |u| < 0.172: the series to u^31 is exact
// to double precision.
inline double det_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // m in [0.5, 1)
  if (m < 0.7071067811865476) {
    m *= 2.0;
    e -= 1;
  }
  double u = (m - 1.0) / (m + 1.0), u2 = u * u;
  double p = u, sum = 0.0;
  for (int n = 1; n <= 31; n += 2) {
    sum += p / n;
    p *= u2;
  }
  return 2.0 * sum + e * 0.6931471805599453;
}

}  // namespace ss::avg
