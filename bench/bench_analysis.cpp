// Analysis time at 128 tokens on the shipped LM (models/demo-lm), the size the
// live explorer analyses on every keystroke. Prints numbers; never fails on speed.
//   bench_analysis [MODEL_DIR] [T] [REPS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "analysis/analysis.h"
#include "analysis/incremental.h"
#include "engine/engine.h"
#include "model/loader.h"

#ifndef SINKSCOPE_SOURCE_DIR
#define SINKSCOPE_SOURCE_DIR "."
#endif

int main(int argc, char** argv) {
  using clk = std::chrono::steady_clock;
  const std::string dir = argc > 1 ? argv[1] : std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm";
  const int T = argc > 2 ? std::stoi(argv[2]) : 128, reps = argc > 3 ? std::stoi(argv[3]) : 10;
  auto model = ss::load_model_dir(dir);
  if (!model) return std::fprintf(stderr, "bench_analysis: %s\n", model.error().message.c_str()), 1;
  std::mt19937 rng(0);
  std::vector<int32_t> ids(T);  // [T]  BOS + random ids: the metrics' cost depends on T and on the sinks found
  for (auto& id : ids) id = int32_t(rng() % model->config.vocab_size);
  ids[0] = std::max(0, model->config.bos_token_id);
  ss::Engine engine;
  auto t0 = clk::now();
  auto taps = engine.run(*model, ids);
  if (!taps) return std::fprintf(stderr, "bench_analysis: %s\n", taps.error().message.c_str()), 1;
  const double fwd = std::chrono::duration<double, std::milli>(clk::now() - t0).count();
  auto time_it = [&](ss::AnalysisSettings st, size_t* sinks) {
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
      auto a = clk::now();
      ss::Analysis an = ss::analyze(*model, **taps, st);
      best = std::min(best, std::chrono::duration<double, std::milli>(clk::now() - a).count());
      *sinks = an.sinks.size();
    }
    return best;
  };
  size_t sinks = 0;
  ss::AnalysisSettings def, lean, all;
  lean.tag_variance = false, lean.release_max_sinks = 0;
  all.release_max_sinks = -1;
  const double t_def = time_it(def, &sinks), t_lean = time_it(lean, &sinks), t_all = time_it(all, &sinks);
  double t_head = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto a = clk::now();
    ss::analyze_head(*model, **taps, 0, 0, def);
    t_head = std::min(t_head, std::chrono::duration<double, std::milli>(clk::now() - a).count());
  }
  std::printf("model %s: %d layers x %d heads, d %d, T %d, %zu sinks at eps %.2f\n", model->name.c_str(),
              model->config.n_layers, model->config.n_heads, model->config.d_model, T, sinks, def.sink_eps);
  std::printf("forward (cpu, first pass)            %8.2f ms\n", fwd);
  std::printf("analyze, default (top 8 sinks)       %8.2f ms  (best of %d)\n", t_def, reps);
  std::printf("analyze, no PCA, no release          %8.2f ms\n", t_lean);
  std::printf("analyze, release for every sink      %8.2f ms\n", t_all);
  std::printf("analyze_head (PCA + 2-D coords)      %8.2f ms\n", t_head);

  // Typing at the end: the live explorer's IncrementalAnalysis keeps the rows
  // of the unchanged prefix. Two prompts that differ in their last token,
  // analysed alternately: every update recomputes one row.
  std::vector<int32_t> ids_b(ids);  // [T]
  ids_b.back() = int32_t((ids.back() + 1) % model->config.vocab_size);
  ss::Taps taps_a = **taps;  // copies: the engine reuses its buffer
  auto tb = engine.run(*model, ids_b);
  if (!tb) return std::fprintf(stderr, "bench_analysis: %s\n", tb.error().message.c_str()), 1;
  ss::Taps taps_b = **tb;
  auto time_inc = [&](ss::TagScope scope) {
    ss::IncrementalAnalysis inc;
    inc.update(*model, taps_a, ids, lean, nullptr, scope);
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
      const bool b = r % 2 == 0;
      auto a = clk::now();
      inc.update(*model, b ? taps_b : taps_a, b ? ids_b : ids, lean, nullptr, scope);
      best = std::min(best, std::chrono::duration<double, std::milli>(clk::now() - a).count());
    }
    return best;
  };
  const double t_inc_all = time_inc(ss::TagScope{}), t_inc_one = time_inc(ss::TagScope::only(0, 0));
  std::printf("incremental, last token retyped      %8.2f ms  (vs analyze, no PCA, no release: %.2f ms; x%.0f)\n",
              t_inc_all, t_lean, t_lean / std::max(t_inc_all, 1e-6));
  std::printf("  same, tags of one head (live view) %8.2f ms\n", t_inc_one);
  return 0;
}
