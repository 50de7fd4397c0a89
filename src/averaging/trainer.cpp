#include "averaging/trainer.h"

#include <algorithm>

namespace ss::avg {

namespace {
// cos(pi p) for p in [0, 1] by a Taylor series in plain double arithmetic, so
// native and wasm get the same bits (libm's cos differs between the two).
double cos_pi(double p) {
  const double pi = 3.14159265358979323846;
  const bool flip = p > 0.5;
  const double x = pi * (flip ? 1.0 - p : p);  // [0, pi/2]
  double term = 1.0, sum = 1.0;
  for (int k = 1; k <= 12; ++k) {
    term *= -x * x / double((2 * k - 1) * (2 * k));
    sum += term;
  }
  return flip ? -sum : sum;
}
}  // namespace

void Trainer::reset(const TrainConfig& cfg) {
  cfg_ = cfg;
  cfg_.task.d_input = cfg_.shape.d_input;
  cfg_.shape.const_input = cfg_.task.const_input;
  // Separate streams for init and data, both from the seed, so changing the
  // batch size does not change the initial weights.
  Rng init_rng(cfg_.seed * 0x9E3779B97F4A7C15ull + 1);
  data_rng_ = Rng(cfg_.seed * 0xD1B54A32D192ED03ull + 2);
  params_ = Params::zeros(cfg_.shape);
  init_params(params_, init_rng);
  grads_ = Params::zeros(cfg_.shape);
  opt_.reset(params_.data.size());
  Rng eval_rng(cfg_.eval_seed);
  eval_batch_ = make_batch(eval_rng, cfg_.task, cfg_.eval_batch);
  step_ = 0;
  losses_.clear();
  evals_.clear();
  formed_at_ = -1;
  evaluate();
}

float Trainer::lr_now() const {
  const float lr = cfg_.opt.lr;
  const int total = cfg_.schedule_steps;
  if (total <= 0) return lr;
  const int warm = std::max(1, total / 20);
  if (step_ < warm) return lr * (0.04f + 0.96f * float(step_) / float(warm));
  const double p = std::min(1.0, double(step_ - warm) / double(std::max(1, total - warm)));
  return lr * float(1e-3 + (1 - 1e-3) * 0.5 * (1 + cos_pi(p)));
}

float Trainer::train_on(const Batch& batch) {
  const float loss = forward(params_, batch, acts_);
  backward(params_, batch, acts_, grads_);
  AdamWConfig opt = cfg_.opt;
  opt.lr = lr_now();
  opt_.step(params_.data.data(), grads_.data.data(), params_.data.size(), opt);
  ++step_;
  losses_.push_back(loss);
  return loss;
}

float Trainer::train(int n) {
  float loss = last_loss();
  for (int i = 0; i < n; ++i) {
    Batch b = make_batch(data_rng_, cfg_.task, cfg_.batch);
    loss = train_on(b);
    if (cfg_.eval_every > 0 && step_ % cfg_.eval_every == 0) evaluate();
  }
  return loss;
}

const MechanismMetrics& Trainer::evaluate() {
  const float loss = forward(params_, eval_batch_, eval_acts_);
  metrics_ = measure(params_, eval_batch_, eval_acts_, loss, cfg_.verdict);
  if (evals_.empty() || evals_.back().step != step_) evals_.push_back({step_, metrics_});
  if (metrics_.formed && formed_at_ < 0) formed_at_ = step_;
  return metrics_;
}

}  // namespace ss::avg
