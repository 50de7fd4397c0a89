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
  return 0;
}
