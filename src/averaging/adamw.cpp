#include "averaging/adamw.h"

#include <cmath>

namespace ss::avg {

void AdamW::reset(size_t n) {
  m_.assign(n, 0.f);
  v_.assign(n, 0.f);
  t_ = 0;
  beta1_pow_ = beta2_pow_ = 1.0;
}

void AdamW::step(float* p, const float* g, size_t n, const AdamWConfig& c) {
  if (m_.size() != n) reset(n);
  ++t_;
  beta1_pow_ *= c.beta1;
  beta2_pow_ *= c.beta2;
  const float bc1 = static_cast<float>(1.0 - beta1_pow_);
  const float bc2_sqrt = std::sqrt(static_cast<float>(1.0 - beta2_pow_));
  const float step_size = c.lr / bc1;
  const float decay = 1.0f - c.lr * c.weight_decay;
  for (size_t i = 0; i < n; ++i) {
    p[i] *= decay;
    m_[i] += (g[i] - m_[i]) * (1.0f - c.beta1);  // torch: exp_avg.lerp_(grad, 1 - beta1)
    v_[i] = v_[i] * c.beta2 + (1.0f - c.beta2) * g[i] * g[i];
    const float denom = std::sqrt(v_[i]) / bc2_sqrt + c.eps;
    p[i] -= step_size * m_[i] / denom;
  }
}

}  // namespace ss::avg
