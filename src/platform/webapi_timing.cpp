// The timing part of the headless module's C API (cmake/headless.cmake), for
// the GPU runner (bench/gpu/run.mjs): one model, any backend of the registry,
// one pass at a time, stepped from JS between awaits so WebGPU can answer.
// Correctness is the parity table's job (webapi_parity.cpp); this only times.
//   const char* ss_timing_load(cfg, cfg_len, st, st_len)  "" = loaded, else the error
//   int    ss_timing_start(backend, ids, n, taps)  1 = started; taps: comma list ("" = every tap)
//   int    ss_timing_extend(ids, n)   1 = started: the same backend, filter and model, rows
//                                    [cached, n) only (a keystroke); the backend must be incremental
//   int    ss_timing_poll()           0 running, 1 done, -1 failed (ss_timing_error says why)
//   double ss_timing_ms()             the last pass, submit to taps in wasm memory
//   double ss_timing_tap_bytes()      bytes of the taps the last pass delivered
//   int    ss_timing_incremental(backend)  1 = the backend extends a KV cache
//   const char* ss_timing_error()
// ss_webgpu_set_kernels (src/backends/webgpu/gpu.cpp) picks the WebGPU kernel set.
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "engine/backend.h"
#include "model/loader.h"

namespace {

struct Timing {
  std::unique_ptr<ss::Model> model;
  std::map<std::string, std::unique_ptr<ss::Backend>> backends;  // by name: weights stay uploaded across passes
  ss::Backend* backend = nullptr;  // the one the last pass ran on
  std::string backend_name;
  std::vector<int32_t> ids;  // [T] the running pass's input (submit copies it where needed)
  ss::TapFilter filter;
  ss::KvCache cache;         // incremental backends: the rows already run
  ss::Taps taps;             // the last pass's taps (and the earlier rows for an extend)
  double ms = -1, tap_bytes = 0;
  std::string error;
};

Timing& timing() {
  static Timing b;
  return b;
}

int fail(Timing& b, std::string msg) {
  b.error = std::move(msg);
  return 0;
}

int submit(Timing& b, ss::KvCache* cache) {
  ss::Pass pass{b.model.get(), b.model->name, ss::ForwardInput{b.ids}, {}, b.filter, cache, {}};
  if (cache) pass.taps = std::move(b.taps);
  auto ok = b.backend->submit(std::move(pass));
  return ok ? 1 : fail(b, ok.error().message);
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* ss_timing_load(const char* cfg, int cfg_len, const uint8_t* st, int st_len) {
  Timing& b = timing();
  b.backends.clear();
  b.backend = nullptr;
  b.cache.clear();
  b.taps.named.clear();
  // Up to 3 GB of tensor data: this module may grow to 4 GB (cmake/headless.cmake),
  // where the app's 2 GB page takes 1 GB (kMaxModelBytes). A 0.5B bf16 model's
  // weights stay 16-bit (1 GB) next to its file's bytes while loading.
  constexpr uint64_t kHeadlessModelBytes = 3ull << 30;
  auto m = ss::load_model(std::string_view(cfg, cfg_len), std::span<const uint8_t>(st, st_len), "bench",
                          kHeadlessModelBytes);
  if (!m) return (b.error = m.error().message).c_str();
  b.model = std::make_unique<ss::Model>(std::move(*m));
  return "";
}

EMSCRIPTEN_KEEPALIVE int ss_timing_incremental(const char* backend) {
  auto be = ss::backend_available(backend) ? ss::make_backend(backend) : nullptr;
  return be && be->capabilities().incremental ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE int ss_timing_start(const char* backend, const int32_t* ids, int n, const char* taps) {
  Timing& b = timing();
  b.error.clear();
  if (!b.model) return fail(b, "no model: call ss_timing_load first");
  auto& slot = b.backends[backend];
  if (!slot) {
    if (!ss::backend_available(backend)) return fail(b, std::string("no backend ") + backend + " here");
    slot = ss::make_backend(backend);
  }
  b.backend = slot.get();
  b.backend_name = backend;
  b.ids.assign(ids, ids + std::max(n, 0));
  b.filter = ss::tap_filter_from_list(taps ? taps : "");
  b.cache.clear();
  b.taps.named.clear();
  const bool incremental = b.backend->capabilities().incremental;
  return submit(b, incremental ? &b.cache : nullptr);
}

EMSCRIPTEN_KEEPALIVE int ss_timing_extend(const int32_t* ids, int n) {
  Timing& b = timing();
  b.error.clear();
  if (!b.backend || !b.model) return fail(b, "nothing to extend: call ss_timing_start first");
  if (!b.backend->capabilities().incremental) return fail(b, b.backend_name + " does not extend a KV cache");
  if (n <= b.cache.length) return fail(b, "extend needs more rows than the cache holds");
  b.ids.assign(ids, ids + n);
  return submit(b, &b.cache);
}

EMSCRIPTEN_KEEPALIVE int ss_timing_poll() {
  Timing& b = timing();
  if (!b.backend) return -1;
  std::string err;
  switch (b.backend->poll(b.taps, err)) {
    case ss::Backend::Poll::kPending: return 0;
    case ss::Backend::Poll::kIdle: return fail(b, "nothing running"), -1;
    case ss::Backend::Poll::kFailed:
    case ss::Backend::Poll::kLost: return fail(b, err), -1;
    case ss::Backend::Poll::kReady: break;
  }
  b.ms = b.backend->last_ms();
  b.tap_bytes = 0;
  for (const auto& [name, t] : b.taps.named) b.tap_bytes += double(t.data.size()) * sizeof(float);
  return 1;
}

EMSCRIPTEN_KEEPALIVE double ss_timing_ms() { return timing().ms; }
EMSCRIPTEN_KEEPALIVE double ss_timing_tap_bytes() { return timing().tap_bytes; }
EMSCRIPTEN_KEEPALIVE const char* ss_timing_error() { return timing().error.c_str(); }

}  // extern "C"
#endif
