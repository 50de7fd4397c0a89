// Cost per token and memory as the prompt grows, T = 64 ... 2048, on a
// 12 x 768 model (random weights: training/make_random_llama_bf16.py, made by
// scripts/bench.sh), one thread, in two tap modes:
//   full     every tap, as the explorer keeps them for short prompts: the
//            [H, T, T] scores and patterns grow as L H T^2 (stops where they
//            would pass 2 GB)
//   compact  compact_tap_filter() (engine/taps.h), what the explorer keeps
//            for long prompts: patterns recomputed on demand
// For each: the full forward, a keystroke (one token appended: the Engine
// extends its KV cache and taps by one row), the analysis of that keystroke
// (IncrementalAnalysis, as the live view runs it; with compact taps it
// recomputes the new row's patterns), the bytes the taps hold, and the
// process's peak memory (natively ru_maxrss; in wasm the memory's size).
// Prints one JSON object per line, {"bench":"scale",...} (bench/report.mjs).
//   bench_scale MODEL_DIR [MAX_T]
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "analysis/incremental.h"
#include "bench_util.h"
#include "engine/engine.h"
#include "model/loader.h"
#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
EM_JS(double, ss_bench_memory_bytes, (), { return HEAPU8.length; });
#else
#include <sys/resource.h>
#endif

namespace {

double peak_bytes() {
#if defined(__EMSCRIPTEN__)
  return ss_bench_memory_bytes();  // wasm memory only grows: its size is the peak
#else
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) * 1024.0;  // ever, so far: the modes run in ascending T
#endif
}

double tap_bytes(const ss::Taps& taps) {
  double b = 0;
  for (const auto& [name, t] : taps.named) b += double(t.numel()) * 4.0;
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return std::fprintf(stderr, "usage: bench_scale MODEL_DIR [MAX_T]\n"), 2;
  const int max_t = argc > 2 ? std::atoi(argv[2]) : 2048;
  auto model = ss::load_model_dir(argv[1]);
  if (!model) return std::fprintf(stderr, "bench_scale: %s\n", model.error().message.c_str()), 1;
  const ss::ModelConfig& c = model->config;
  const std::string name = "llama-" + std::to_string(c.n_layers) + "x" + std::to_string(c.d_model);
  std::mt19937 rng(0);
  std::vector<int32_t> all(size_t(max_t) + 1);  // [max_t + 1]: BOS + seeded random ids
  for (auto& id : all) id = int32_t(rng() % uint32_t(c.vocab_size));
  all[0] = std::max(0, c.bos_token_id);
  ss::AnalysisSettings st;
  st.release_max_sinks = 0, st.tag_variance = false;  // what the live view computes per keystroke
  const ss::TagScope scope = ss::TagScope::only(0, 0);  // the live view tags the selected head's sinks only
  {  // warm-up: the first pass pays for first-touch page faults and lazy setup
    ss::Engine warm;
    if (!warm.run(*model, std::span<const int32_t>(all.data(), 64))) return 1;
  }
  for (const char* mode : {"compact", "full"}) {
    const bool compact = std::string(mode) == "compact";
    const ss::TapFilter filter = compact ? ss::compact_tap_filter() : ss::TapFilter{};
    for (int T = 64; T <= max_t; T *= 2) {
      // Square taps (scores and patterns) past 2 GB natively, 0.6 GB in wasm
      // (its 2 GB memory also holds the rest): the full mode stops.
      const double cap = std::string(ss::bench::platform()) == "wasm" ? 6e8 : 2e9;
      if (!compact && 2.0 * c.n_layers * c.n_heads * double(T) * T * 4 > cap) break;
      ss::Engine engine;
      ss::IncrementalAnalysis live;
      const std::span<const int32_t> ids(all.data(), size_t(T));
      const double t0 = ss::bench::now_ms();
      auto taps = engine.run(*model, ids, {}, filter);
      const double forward = ss::bench::now_ms() - t0;
      if (!taps) return std::fprintf(stderr, "bench_scale: %s\n", taps.error().message.c_str()), 1;
      const double t1 = ss::bench::now_ms();
      live.update(*model, **taps, ids, st, nullptr, scope);
      const double analysis = ss::bench::now_ms() - t1;
      // The keystroke: one token more, forward (one row) and analysis (one
      // row). The first one after a full pass moves every tap into a larger
      // buffer (capacity then doubles), so it is typed and deleted first and
      // the second one, as in the app, is timed.
      const std::span<const int32_t> more(all.data(), size_t(T) + 1);
      if (!engine.run(*model, more, {}, filter) || !engine.run(*model, ids, {}, filter)) return 1;
      live.update(*model, **engine.run(*model, ids, {}, filter), ids, st, nullptr, scope);
      const double t2 = ss::bench::now_ms();
      auto taps2 = engine.run(*model, more, {}, filter);
      const double key_forward = ss::bench::now_ms() - t2;
      if (!taps2) return std::fprintf(stderr, "bench_scale: %s\n", taps2.error().message.c_str()), 1;
      const double t3 = ss::bench::now_ms();
      live.update(*model, **taps2, more, st, nullptr, scope);
      const double key_analysis = ss::bench::now_ms() - t3;
      std::printf("{\"bench\":\"scale\",\"path\":\"%s\",\"model\":\"%s\",\"mode\":\"%s\",\"T\":%d,\"forward_ms\":%.1f,"
                  "\"ms_per_token\":%.3f,\"analysis_ms\":%.1f,\"keystroke_ms\":%.2f,\"keystroke_forward_ms\":%.2f,"
                  "\"keystroke_analysis_ms\":%.2f,\"rows_last\":%lld,\"tap_bytes\":%.0f,\"peak_bytes\":%.0f}\n",
                  ss::bench::platform(), name.c_str(), mode, T, forward, forward / T, analysis,
                  key_forward + key_analysis, key_forward, key_analysis,
                  static_cast<long long>(engine.stats().last_rows), tap_bytes(**taps2), peak_bytes());
      std::fflush(stdout);
    }
  }
  return 0;
}
