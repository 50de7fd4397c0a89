// The averaging lab's trainer (src/averaging): PyTorch parity of the loss
// curve and of step 0's gradients, finite-difference gradients, agreement with
// the engine's forward pass, bit-for-bit reproducibility (the same constants
// must hold in the wasm build), and that a fixed seed learns.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "averaging/trainer.h"
#include "core/file.h"
#include "engine/backend.h"
#include "model/safetensors.h"

using namespace ss;
using namespace ss::avg;

namespace {

struct Golden {
  MappedFile file;
  SafeTensors st;
  Tensor get(const std::string& name) const {
    const TensorEntry* e = st.find(name);
    REQUIRE(e != nullptr);
    auto t = SafeTensors::to_float(*e);
    REQUIRE(t.ok());
    return *t;
  }
};

Golden load_golden() {
  const std::string path = std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/averaging_trainer/golden.safetensors";
  auto f = MappedFile::open(path);
  REQUIRE(f.ok());
  Golden g{std::move(*f), {}};
  auto st = SafeTensors::parse(g.file.bytes(), path);
  REQUIRE(st.ok());
  g.st = std::move(*st);
  return g;
}

// FNV-1a over the bits of a float array: a bit-for-bit fingerprint.
uint64_t fingerprint(const std::vector<float>& v) {
  uint64_t h = 1469598103934665603ull;
  for (float f : v) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int i = 0; i < 4; ++i) h = (h ^ ((u >> (8 * i)) & 0xFF)) * 1099511628211ull;
  }
  return h;
}

}  // namespace

TEST_CASE("averaging trainer: loss curve and step-0 gradients match PyTorch", "[averaging_trainer]") {
  Golden g = load_golden();
  const Tensor shape = g.get("shape"), hp = g.get("hparams");  // [9], [5]
  REQUIRE(shape.numel() == 9);
  TrainConfig cfg;
  cfg.shape = {int(shape.data[0]), int(shape.data[1]), int(shape.data[2]), int(shape.data[3]), int(shape.data[4])};
  const int C = int(shape.data[8]);  // input columns: d_input + 2 = with the constant column
  REQUIRE(C == cfg.shape.d_input + 2);
  cfg.task.const_input = true;
  cfg.task.T = int(shape.data[5]);
  cfg.batch = int(shape.data[6]);
  const int steps = int(shape.data[7]);
  cfg.opt = {hp.data[0], hp.data[2], hp.data[3], hp.data[4], hp.data[1]};
  cfg.eval_every = 0;
  Trainer tr(cfg);
  for (const auto& e : tr.params().entries()) {
    Tensor t = g.get("init." + e.name);
    REQUIRE(t.shape == e.shape);
    std::copy(t.data.begin(), t.data.end(), tr.params().at(e.offset));
  }
  const Tensor batches = g.get("batches");  // [steps, B, T, C]
  const Tensor losses = g.get("losses");    // [steps]
  REQUIRE(batches.dim(0) == steps);
  const size_t per = size_t(cfg.batch) * cfg.task.T * C;
  float worst = 0;
  for (int s = 0; s < steps; ++s) {
    Batch b;
    b.B = cfg.batch, b.T = cfg.task.T, b.d_input = cfg.shape.d_input, b.C = C;
    b.x.assign(batches.data.begin() + s * per, batches.data.begin() + (s + 1) * per);
    fill_targets(b);
    const float loss = tr.train_on(b);
    worst = std::max(worst, std::fabs(loss - losses.data[s]));
    INFO("step " << s << ": C++ " << loss << " vs PyTorch " << losses.data[s]);
    REQUIRE(std::fabs(loss - losses.data[s]) <= 1e-4f);
    if (s == 0) {
      for (const auto& e : tr.grads().entries()) {
        Tensor gt = g.get("grad." + e.name);
        float scale = 0, diff = 0;
        for (size_t i = 0; i < gt.data.size(); ++i) {
          scale = std::max(scale, std::fabs(gt.data[i]));
          diff = std::max(diff, std::fabs(gt.data[i] - tr.grads().at(e.offset)[i]));
        }
        INFO(e.name << ": max |grad| " << scale << ", max diff " << diff);
        REQUIRE(scale > 0);
        REQUIRE(diff <= 1e-5f + 1e-4f * scale);
      }
    }
  }
  // The loss moved: a curve that stays flat would make the parity weak.
  REQUIRE(losses.data[steps - 1] < 0.9f * losses.data[0]);
  for (const auto& e : tr.params().entries()) {
    Tensor ft = g.get("final." + e.name);
    float diff = 0;
    for (size_t i = 0; i < ft.data.size(); ++i) diff = std::max(diff, std::fabs(ft.data[i] - tr.params().at(e.offset)[i]));
    INFO(e.name << " after " << steps << " steps: max diff " << diff);
    REQUIRE(diff <= 1e-4f);
  }
  std::printf("averaging trainer vs PyTorch: %d steps, worst loss diff %.3g (first %.6f, last %.6f)\n", steps, worst,
              losses.data[0], losses.data[steps - 1]);
}

TEST_CASE("averaging trainer: backward matches finite differences", "[averaging_trainer]") {
  ModelShape s{8, 8, 2, 2, 4};
  Params p = Params::zeros(s), grads;
  Rng rng(7);
  init_params(p, rng);
  TaskConfig task{12, 8, 0.25f};
  Batch b = make_batch(rng, task, 3);
  Acts a;
  const float loss0 = forward(p, b, a);
  backward(p, b, a, grads);
  INFO("loss " << loss0);
  int checked = 0;
  for (const auto& e : p.entries()) {
    const int64_t n = e.shape[0] * e.shape[1];
    for (int64_t k = 0; k < n; k += std::max<int64_t>(1, n / 7)) {
      float& w = p.at(e.offset)[k];
      const float keep = w, eps = 5e-3f;
      w = keep + eps;
      const double lp = forward(p, b, a);
      w = keep - eps;
      const double lm = forward(p, b, a);
      w = keep;
      const double num = (lp - lm) / (2.0 * eps), ana = grads.at(e.offset)[k];
      INFO(e.name << "[" << k << "]: finite difference " << num << ", backward " << ana);
      REQUIRE(std::fabs(num - ana) <= 2e-3 + 2e-2 * std::fabs(ana));
      ++checked;
    }
  }
  REQUIRE(checked >= 60);
}

TEST_CASE("averaging trainer: forward agrees with the engine's CPU backend", "[averaging_trainer]") {
  TrainConfig cfg;
  cfg.eval_batch = 2;
  Trainer tr(cfg);
  tr.train(20);
  tr.evaluate();
  const Model m = to_model(tr.params());
  const Batch& b = tr.eval_batch();
  const int C = b.C;
  REQUIRE(C == cfg.shape.d_input + 2);
  Tensor x({b.T, C});  // sequence 1 of the eval batch
  std::copy(b.x.begin() + size_t(b.T) * C, b.x.begin() + size_t(2) * b.T * C, x.data.begin());
  auto be = make_cpu_backend();
  Taps taps;
  auto ok = be->forward_inputs(m, x, {}, TapFilter{}, taps);
  INFO((ok.ok() ? std::string() : ok.error().message));
  REQUIRE(ok.ok());
  const Tensor* logits = taps.get("logits");  // [T, d_input]
  REQUIRE(logits != nullptr);
  const Tensor* att = taps.get(0, "attn_pattern");  // [H, T, T]
  REQUIRE(att != nullptr);
  float diff = 0, adiff = 0;
  for (int t = 0; t < b.T; ++t)
    for (int j = 0; j < cfg.shape.d_input; ++j)
      diff = std::max(diff, std::fabs(logits->at(t, j) - tr.eval_acts().y[(size_t(b.T) + t) * cfg.shape.d_input + j]));
  for (int h = 0; h < cfg.shape.H; ++h)
    for (int t = 0; t < b.T; ++t)
      for (int u = 0; u <= t; ++u)
        adiff = std::max(adiff, std::fabs(att->at(h, t, u) - tr.eval_acts().att[0][((size_t(1) * cfg.shape.H + h) * b.T + t) * b.T + u]));
  REQUIRE(diff <= 1e-4f);
  REQUIRE(adiff <= 1e-5f);
}

TEST_CASE("averaging trainer: bit-for-bit reproducible (the same constants native and wasm)", "[averaging_trainer]") {
  Rng r(42);
  REQUIRE(r.next_u64() == 0xBDD732262FEB6E95ull);  // SplitMix64, seed 42 (native value)
  TrainConfig cfg;
  cfg.seed = 3;
  Trainer tr(cfg);
  const uint64_t data_fp = fingerprint(tr.eval_batch().x);
  tr.train(30);
  const uint64_t param_fp = fingerprint(tr.params().data);
  Trainer again(cfg);
  again.train(30);
  REQUIRE(fingerprint(again.params().data) == param_fp);
  std::printf("averaging trainer fingerprints: eval batch %016llx, params after 30 steps %016llx\n",
              (unsigned long long)data_fp, (unsigned long long)param_fp);
  // Measured natively (x86-64 g++ -O3); the wasm unit tests must see the same bits.
  CHECK(data_fp == 0xd19263bb447444c8ull);
  CHECK(param_fp == 0xc17b75f5ca0f3aabull);
}

TEST_CASE("averaging trainer: seed 1 learns in 300 steps", "[averaging_trainer]") {
  // Measured: first loss 2.65, eval loss 0.083243 after 300 steps with the lab's
  // schedule over the run (the browser test expects the same numbers from the
  // wasm build, and `sinkscope-cli train-averaging --seed 1 --steps 300` prints them).
  TrainConfig cfg;
  cfg.seed = 1;
  cfg.schedule_steps = 300;
  Trainer tr(cfg);
  const float before = tr.metrics().loss;
  tr.train(300);
  const MechanismMetrics& m = tr.evaluate();
  INFO("eval loss before " << before << ", after " << m.loss << "; training loss first " << tr.losses().front()
                           << ", last " << tr.last_loss());
  REQUIRE(tr.losses().front() > 1.0f);
  REQUIRE(m.loss < 0.1f);  // below predicting 0 (0.20): it learned the mean since the start
  REQUIRE(m.loss < 0.3f * before);
  REQUIRE_THAT(m.loss, Catch::Matchers::WithinAbs(0.083243, 1e-5));
}
