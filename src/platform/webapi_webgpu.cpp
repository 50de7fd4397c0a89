// The WebGPU backend's part of the C API, for the parity suite
// (tests/browser/webgpu*.test.mjs) and the benchmark page
// (Module.sinkscopeWebGPU.timeForward in web/webgpu.js). It runs its own
// WebGPU backend instance, apart from the app's, on the app's model or on a
// bare model handed over with ss_webgpu_load_model (the tiny families have no
// tokenizer), and compares with the CPU backend on the same input.
//   const char* ss_webgpu_load_model(config, config_len, safetensors, safetensors_len)
//                                        "" = loaded (used until ss_webgpu_use_app_model())
//   void        ss_webgpu_use_app_model()
//   int         ss_webgpu_run(ids, n, taps)   start one pass; taps: comma list ("" = all)
//   int         ss_webgpu_run_inputs(values, T, cols, taps)   averaging models: inputs [T, cols]
//   int         ss_webgpu_poll()          0 running, 1 done, -1 failed, -2 device lost
//   double      ss_webgpu_ms()            the last pass, submit to taps in memory
//   double      ss_webgpu_cpu_ms()        the CPU backend on the same input (run when a pass is done)
//   double      ss_webgpu_max_diff(tap)   max |webgpu - cpu| over taps named `tap` or
//                                        ending in ".tap" (every layer); -1 = no such tap
//   int         ss_webgpu_tap_count()     taps the last pass read back
//   const char* ss_webgpu_error()
//   int         ss_webgpu_kernel_check(kernel, seed)   one kernel on random inputs vs the
//                                        CPU reference (kernel_check.h); then poll, and
//                                        ss_webgpu_max_diff("out")
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "explorer/app_state.h"
#include "explorer/session.h"
#include "backends/webgpu/kernel_check.h"
#include "backends/webgpu/webgpu_backend.h"
#include "engine/backend.h"
#include "model/loader.h"

using namespace ss;

namespace {

struct Probe {
  std::unique_ptr<Backend> gpu;
  std::unique_ptr<Model> own;          // a model from ss_webgpu_load_model
  std::shared_ptr<const explorer::LoadedModel> hold;  // the app's model while a pass runs
  const Model* model = nullptr;        // what the running pass uses
  std::vector<int32_t> ids;
  std::optional<Tensor> vectors;
  TapFilter filter;
  Taps gpu_taps, cpu_taps;
  double ms = -1, cpu_ms = -1;
  std::string error;
  std::unique_ptr<webgpu::KernelCheck> check;
};

Probe& probe() {
  static Probe p;
  return p;
}

int start(Probe& p) {
  p.error.clear();
  p.check.reset();
  p.hold.reset();
  p.model = p.own.get();
  if (!p.model) {
    p.hold = explorer::state().model;
    if (!p.hold) return p.error = "no model loaded", 0;
    p.model = &p.hold->model;
  }
  if (!p.gpu) p.gpu = make_webgpu_backend();
  ForwardInput in{p.ids, p.vectors ? &*p.vectors : nullptr};
  auto ok = p.gpu->submit(Pass{p.model, p.model->name, in, {}, p.filter});
  if (!ok) {
    p.error = ok.error().message;
    if (webgpu::device_state() == webgpu::DeviceState::kLost) p.gpu.reset();
    return 0;
  }
  return 1;
}

double diff(const Tensor& a, const Tensor& b) {
  if (a.shape != b.shape) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    if (a.data[i] == b.data[i]) continue;  // also equal -inf (masked scores)
    const double d = std::fabs(double(a.data[i]) - double(b.data[i]));
    if (std::isnan(d)) return INFINITY;
    m = std::max(m, d);
  }
  return m;
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* ss_webgpu_load_model(const uint8_t* config, int config_len, const uint8_t* st,
                                                      int st_len) {
  static std::string result;
  auto m = load_model(std::string_view(reinterpret_cast<const char*>(config), config_len),
                      {st, static_cast<size_t>(st_len)}, "test model");
  if (!m) return (result = m.error().message).c_str();
  probe().own = std::make_unique<Model>(std::move(*m));
  return (result = "").c_str();
}

EMSCRIPTEN_KEEPALIVE void ss_webgpu_use_app_model() { probe().own.reset(); }

EMSCRIPTEN_KEEPALIVE int ss_webgpu_run(const int32_t* ids, int n, const char* taps) {
  Probe& p = probe();
  p.ids.assign(ids, ids + std::max(n, 0));
  p.vectors.reset();
  p.filter = tap_filter_from_list(taps ? taps : "");
  return start(p);
}

EMSCRIPTEN_KEEPALIVE int ss_webgpu_run_inputs(const float* values, int T, int cols, const char* taps) {
  Probe& p = probe();
  p.ids.clear();
  Tensor t({T, cols});
  std::copy_n(values, static_cast<size_t>(T) * cols, t.data.data());
  p.vectors = std::move(t);
  p.filter = tap_filter_from_list(taps ? taps : "");
  return start(p);
}

EMSCRIPTEN_KEEPALIVE int ss_webgpu_kernel_check(const char* kernel, int seed) {
  Probe& p = probe();
  p.error.clear();
  p.check = std::make_unique<webgpu::KernelCheck>();
  auto ok = p.check->start(kernel ? kernel : "", static_cast<uint32_t>(seed));
  if (!ok) {
    p.error = ok.error().message;
    p.check.reset();
    return 0;
  }
  return 1;
}

EMSCRIPTEN_KEEPALIVE int ss_webgpu_poll() {
  Probe& p = probe();
  if (p.check) {
    const int st = p.check->poll(p.error);
    if (st == 1) {
      p.gpu_taps.named.clear(), p.cpu_taps.named.clear();
      p.gpu_taps.named["out"] = p.check->gpu_out();
      p.cpu_taps.named["out"] = p.check->cpu_out();
    }
    return st;
  }
  if (!p.gpu) return -1;
  std::string err;
  switch (p.gpu->poll(p.gpu_taps, err)) {
    case Backend::Poll::kPending: return 0;
    case Backend::Poll::kIdle: return p.error = "nothing running", -1;
    case Backend::Poll::kFailed: return p.error = err, -1;
    case Backend::Poll::kLost: p.gpu.reset(); return p.error = "device lost: " + err, -2;
    case Backend::Poll::kReady: break;
  }
  p.ms = p.gpu->last_ms();
  auto cpu = make_cpu_backend();
  p.cpu_taps.named.clear();
  const double t0 = emscripten_get_now();
  auto ok = p.vectors ? cpu->forward_inputs(*p.model, *p.vectors, {}, p.filter, p.cpu_taps)
                      : cpu->forward(*p.model, p.ids, {}, p.filter, p.cpu_taps);
  p.cpu_ms = emscripten_get_now() - t0;
  p.hold.reset();
  if (!ok) return p.error = "cpu: " + ok.error().message, -1;
  return 1;
}

EMSCRIPTEN_KEEPALIVE double ss_webgpu_ms() { return probe().ms; }
EMSCRIPTEN_KEEPALIVE double ss_webgpu_cpu_ms() { return probe().cpu_ms; }
EMSCRIPTEN_KEEPALIVE int ss_webgpu_tap_count() { return static_cast<int>(probe().gpu_taps.named.size()); }
EMSCRIPTEN_KEEPALIVE const char* ss_webgpu_error() { return probe().error.c_str(); }

EMSCRIPTEN_KEEPALIVE double ss_webgpu_max_diff(const char* tap) {
  const Probe& p = probe();
  const std::string want = tap ? tap : "";
  double m = -1;
  for (const auto& [name, g] : p.gpu_taps.named) {
    const bool match = name == want || (name.size() > want.size() + 1 &&
                                        name.compare(name.size() - want.size(), want.size(), want) == 0 &&
                                        name[name.size() - want.size() - 1] == '.');
    if (!match) continue;
    const Tensor* c = p.cpu_taps.get(name);
    const double d = c ? diff(g, *c) : INFINITY;
    m = std::max(m, std::isinf(d) ? 1e30 : d);
  }
  return m;
}

}  // extern "C"
#endif
