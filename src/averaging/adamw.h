// AdamW as torch.optim.AdamW computes it (decoupled weight decay first, then
// the bias-corrected Adam step), so the PyTorch golden loss curve matches.
#pragma once
#include <cstddef>
#include <vector>

namespace ss::avg {

struct AdamWConfig {
  float lr = 3e-3f;
  float beta1 = 0.9f, beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.01f;  // torch's default; applied to every tensor (all are matrices)
};

class AdamW {
 public:
  void reset(std::size_t n);
  // One step on params (n floats) with grads; t counts from 1.
  void step(float* params, const float* grads, std::size_t n, const AdamWConfig& cfg);
  int steps() const { return t_; }

 private:
  std::vector<float> m_, v_;  // [n] first and second moments
  int t_ = 0;
  double beta1_pow_ = 1.0, beta2_pow_ = 1.0;  // beta^t by products (no pow(): same bits in wasm)
};

}  // namespace ss::avg
