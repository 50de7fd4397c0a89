// The engine's forward pass on models/demo-lm, one thread: every tap kept
// (what the explorer needs) against logits only (what an inference runtime
// returns), at T = 16, 64, 128, 256. The two variants run interleaved
// (A B A B) after warm-up so a noisy neighbour hits both alike; medians.
// Prints one JSON object per line (scripts/bench.sh collects them).
//   bench_forward [MODEL_DIR] [REPS]
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"
#include "backends/cpu/kernels.h"
#include "engine/backend.h"
#include "engine/engine.h"
#include "model/loader.h"

#ifndef SINKSCOPE_SOURCE_DIR
#define SINKSCOPE_SOURCE_DIR "."
#endif

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm";
  const int reps = argc > 2 ? std::atoi(argv[2]) : 7;
  auto model = ss::load_model_dir(dir);
  if (!model) return std::fprintf(stderr, "bench_forward: %s\n", model.error().message.c_str()), 1;
  auto backend = ss::make_cpu_backend();
  ss::TapFilter all, logits;
  logits.all = false, logits.names = {"logits"};
  std::mt19937 rng(0);
  for (int T : {16, 64, 128, 256}) {
    std::vector<int32_t> ids(T);  // [T]: BOS + seeded random ids (cost does not depend on the text)
    for (auto& id : ids) id = int32_t(rng() % model->config.vocab_size);
    ids[0] = std::max(0, model->config.bos_token_id);
    std::vector<double> t_all, t_logits;
    size_t floats = 0;
    for (int r = 0; r < reps + 1; ++r) {  // run 0 is the warm-up
      for (int v = 0; v < 2; ++v) {
        ss::Taps taps;
        const double t0 = ss::bench::now_ms();
        auto ok = backend->forward(*model, ids, {}, v == 0 ? all : logits, taps);
        const double ms = ss::bench::now_ms() - t0;
        if (!ok) return std::fprintf(stderr, "bench_forward: %s\n", ok.error().message.c_str()), 1;
        if (r == 0) {
          if (v == 0)
            for (const auto& [name, t] : taps.named) floats += t.data.size();
          continue;
        }
        (v == 0 ? t_all : t_logits).push_back(ms);
      }
    }
    const double a = ss::bench::median(t_all), l = ss::bench::median(t_logits);
    std::printf("{\"bench\":\"forward\",\"path\":\"%s\",\"kernel\":\"%s\",\"T\":%d,\"all_taps_ms\":%.3f,"
                "\"logits_ms\":%.3f,\"taps_mb\":%.2f,\"reps\":%d}\n",
                ss::bench::platform(), ss::cpu::linear_path(), T, a, l, floats * 4.0 / 1e6, reps);
    std::fflush(stdout);
  }
  // The keystroke: one token appended at T = 128 (the Engine reuses the KV
  // cache, so one row goes through the layers), every tap kept, with every
  // matrix kept 16-bit (widened in the kernel; for demo-lm f16) against the
  // same weights as float32. Interleaved; the results are bit for bit the
  // same (tests/unit/model/weights16.cpp).
  ss::Model wide = *model;
  ss::widen_weights(wide.weights);
  ss::Model narrow = wide;
  ss::compact_weights(narrow.weights);
  std::vector<int32_t> ids(129);  // [129]
  for (auto& id : ids) id = int32_t(rng() % model->config.vocab_size);
  std::vector<double> t16, t32;
  ss::Engine e16, e32;
  for (int r = 0; r < 4 * reps + 1; ++r)
    for (int v = 0; v < 2; ++v) {
      ss::Engine& e = v == 0 ? e16 : e32;
      const ss::Model& m = v == 0 ? narrow : wide;
      if (!e.run(m, std::span<const int32_t>(ids.data(), 128))) return 1;
      const double t0 = ss::bench::now_ms();
      auto ok = e.run(m, ids);
      const double ms = ss::bench::now_ms() - t0;
      if (!ok) return std::fprintf(stderr, "bench_forward: %s\n", ok.error().message.c_str()), 1;
      if (r > 0) (v == 0 ? t16 : t32).push_back(ms);
    }
  const double k16 = ss::bench::median(t16), k32 = ss::bench::median(t32);
  std::printf("{\"bench\":\"keystroke\",\"path\":\"%s\",\"kernel\":\"%s\",\"T\":128,\"weights_16bit_ms\":%.3f,"
              "\"weights_f32_ms\":%.3f,\"ratio\":%.3f,\"reps\":%d}\n",
              ss::bench::platform(), ss::cpu::linear_path(), k16, k32, k32 / k16, 4 * reps);
  return 0;
}
