// The browser benchmark's own small module (bench_page.js/.wasm, loaded by
// web/bench.html through web/bench.mjs): the engine and kernels of
// libsinkscope without the app, so the timing loops run with nothing else
// drawing. Every time here is wall time in the page's thread
// (emscripten_get_now). C API (ccall):
//   ss_bench_load(config, n, tokenizer, n, safetensors, n) -> "" or the error
//   ss_bench_forward(ids, n, all_taps)   one full CPU forward, ms
//   ss_bench_edit(ids, n, reps)          median ms of an Engine retyping the last token (every tap)
//   ss_bench_encode(text)                ids with BOS, comma-separated
//   ss_bench_prompt_prefix(text, tokens) longest prefix (cut at a space) of <= tokens tokens
//   ss_bench_peak_gflops()               measured f32x4 mul+add peak
//   ss_bench_linear_gflops(n, in, out, reps)
//   ss_bench_linear_path()
//   ss_bench_set_threads(n) -> count set  (1 unless built as bench_page_mt)
#include <emscripten.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "bench_peak.h"
#include "core/parallel.h"
#include "engine/backend.h"
#include "engine/engine.h"
#include "model/loader.h"
#include "tokenizer/tokenizer.h"

namespace {
std::string g_text;  // returned strings live here until the next call
std::unique_ptr<ss::Model> g_model;
std::unique_ptr<ss::Tokenizer> g_tok;
ss::Backend& backend() {
  static std::unique_ptr<ss::Backend> b = ss::make_cpu_backend();
  return *b;
}
}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* ss_bench_load(const char* config, int config_len, const char* tokenizer,
                                               int tokenizer_len, const uint8_t* st, int st_len) {
  g_text.clear();
  auto m = ss::load_model(std::string_view(config, config_len), std::span<const uint8_t>(st, st_len), "bench");
  if (!m) return (g_text = "model: " + m.error().message).c_str();
  auto t = ss::Tokenizer::from_json(std::string_view(tokenizer, tokenizer_len));
  if (!t) return (g_text = "tokenizer: " + t.error().message).c_str();
  g_model = std::make_unique<ss::Model>(std::move(*m));
  g_tok = std::make_unique<ss::Tokenizer>(std::move(*t));
  if (g_tok->bos_id() < 0 && g_model->config.bos_token_id >= 0) g_tok->set_bos_id(g_model->config.bos_token_id);
  return g_text.c_str();
}

// One full CPU forward (no cache: what a first run or a new prompt costs) on
// ids [n]: all_taps 1 keeps every tap (what the explorer needs), 0 logits only
// (what an inference runtime returns). ms, or -1 without a model / on error.
EMSCRIPTEN_KEEPALIVE double ss_bench_forward(const int32_t* ids, int n, int all_taps) {
  if (!g_model || n <= 0) return -1;
  ss::TapFilter filter;
  if (!all_taps) filter.all = false, filter.names = {"logits"};
  ss::Taps taps;
  const double t0 = emscripten_get_now();
  auto ok = backend().forward(*g_model, std::span<const int32_t>(ids, n), {}, filter, taps);
  const double ms = emscripten_get_now() - t0;
  return ok ? ms : -1;
}

// The forward part of a keystroke at the prompt's end: an Engine that holds
// ids[0, n) retypes the last token, reps times (every tap kept, as the
// explorer asks). Median ms, or -1.
EMSCRIPTEN_KEEPALIVE double ss_bench_edit(const int32_t* ids, int n, int reps) {
  if (!g_model || n <= 1 || reps <= 0) return -1;
  ss::Engine engine;
  std::vector<int32_t> v(ids, ids + n);
  if (!engine.run(*g_model, v)) return -1;
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    v[n - 1] = (v[n - 1] + 1 + r) % static_cast<int32_t>(g_model->config.vocab_size);
    const double t0 = emscripten_get_now();
    if (!engine.run(*g_model, v)) return -1;
    ms.push_back(emscripten_get_now() - t0);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

EMSCRIPTEN_KEEPALIVE const char* ss_bench_encode(const char* text) {
  g_text.clear();
  if (!g_tok || !text) return g_text.c_str();
  for (int32_t id : g_tok->encode(text, true).ids) g_text += (g_text.empty() ? "" : ",") + std::to_string(id);
  return g_text.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* ss_bench_prompt_prefix(const char* text, int tokens) {
  g_text.clear();
  if (!g_tok || !text) return g_text.c_str();
  const std::string t(text);
  size_t best = 0;
  for (size_t cut = t.find(' '); cut != std::string::npos; cut = t.find(' ', cut + 1)) {
    if (static_cast<int>(g_tok->encode(std::string_view(t).substr(0, cut), true).ids.size()) > tokens) break;
    best = cut;
  }
  g_text = t.substr(0, best);
  return g_text.c_str();
}

EMSCRIPTEN_KEEPALIVE int ss_bench_set_threads(int n) { return ss::set_threads(n); }

EMSCRIPTEN_KEEPALIVE const char* ss_bench_linear_path() { return ss::cpu::linear_path(); }

EMSCRIPTEN_KEEPALIVE double ss_bench_peak_gflops() {
  return ss::bench::peak_gflops([] { return emscripten_get_now(); }, 4'000'000, 3);
}

// linear() on random x [n, in] · W[out, in]^T, best of `reps` (after one warm-up): GFLOP/s.
EMSCRIPTEN_KEEPALIVE double ss_bench_linear_gflops(int n, int in, int out, int reps) {
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  std::vector<float> x(size_t(n) * in), W(size_t(out) * in), y(size_t(n) * out);  // [n,in] [out,in] [n,out]
  for (float& f : x) f = nd(rng);
  for (float& f : W) f = nd(rng);
  double best = 1e30;
  for (int r = 0; r < reps + 1; ++r) {
    const double t0 = emscripten_get_now();
    ss::cpu::linear(x.data(), n, in, W.data(), out, nullptr, y.data());
    if (r > 0) best = std::min(best, emscripten_get_now() - t0);
  }
  return 2.0 * n * in * out / (best * 1e6);
}

}  // extern "C"

int main() { return 0; }
