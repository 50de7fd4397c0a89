// The ORT backend's part of the C API (EMSCRIPTEN_KEEPALIVE, called with
// ccall), for the browser parity suite (tests/browser/ort_parity.test.mjs):
// it runs one model on our CPU backend and on ONNX Runtime Web (through
// src/backends/ort, exactly as the app does) and leaves both sides' taps where
// the test can read them. Models are loaded here from bytes (config.json +
// model.safetensors, no tokenizer), so averaging models work too.
//   const char* ss_ort_load(name, cfg, cfg_len, st, st_len)  "" = loaded, else the error
//   int    ss_ort_start(side, data, rows, width)  side 0 = CPU (done at once), 1 = ORT wasm EP,
//                                                 2 = ORT WebGPU EP; data = int32 ids [rows]
//                                                 (width 0) or float inputs [rows, width];
//                                                 1 = started/done, 0 = refused (ss_ort_error)
//   int    ss_ort_poll(side)          0 pending, 1 ready, 2 failed, 3 lost (ss_ort_error says why)
//   int    ss_ort_tap_len(side, name) floats in that side's tap, -1 = absent
//   float* ss_ort_tap_data(side, name)
//   const char* ss_ort_tap_names(side)  comma-separated
//   double ss_ort_ms(side)            ORT: session.run() time of the last result
//   const char* ss_ort_error()
//   int    ss_ort_webgpu()            1 when navigator.gpu exists
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "backends/ort/ort_backend.h"
#include "engine/backend.h"
#include "model/loader.h"


namespace {

struct Side {
  std::unique_ptr<ss::Backend> ort;  // sides 1, 2
  ss::Taps taps;
  int state = 0;  // as ss_ort_poll answers
};

std::unique_ptr<ss::Model> g_model;
std::string g_name, g_error, g_text;
std::array<Side, 3> g_sides;

Side* side(int s) { return s >= 0 && s < 3 ? &g_sides[s] : nullptr; }

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* ss_ort_load(const char* name, const uint8_t* cfg, int cfg_len, const uint8_t* st,
                                             int st_len) {
  auto m = ss::load_model(std::string_view(reinterpret_cast<const char*>(cfg), cfg_len),
                          std::span<const uint8_t>(st, st_len), name);
  if (!m) {
    g_error = m.error().message;
    return g_error.c_str();
  }
  g_model = std::make_unique<ss::Model>(std::move(*m));
  g_name = name;
  for (auto& s : g_sides) s.taps = {}, s.state = 0;
  g_error.clear();
  return "";
}

EMSCRIPTEN_KEEPALIVE int ss_ort_start(int s, const void* data, int rows, int width) {
  Side* sd = side(s);
  if (!sd || !g_model || rows <= 0) {
    g_error = "ss_ort_start: no model loaded, bad side or empty input";
    return 0;
  }
  ss::Tensor vec;
  ss::ForwardInput in;
  if (width > 0) {
    vec = ss::Tensor({rows, width});  // [T, d_input + 1]
    const float* f = static_cast<const float*>(data);
    vec.data.assign(f, f + int64_t{rows} * width);
    in.vectors = &vec;
  } else {
    in.ids = std::span<const int32_t>(static_cast<const int32_t*>(data), rows);
  }
  sd->taps = {};
  if (s == 0) {
    auto cpu = ss::make_cpu_backend();
    auto r = in.vectors ? cpu->forward_inputs(*g_model, vec, {}, {}, sd->taps) : cpu->forward(*g_model, in.ids, {}, {}, sd->taps);
    sd->state = r ? 1 : 2;
    if (!r) g_error = r.error().message;
    return r ? 1 : 0;
  }
  const auto p = s == 2 ? ss::OrtProvider::WebGpu : ss::OrtProvider::Wasm;
  if (!sd->ort) sd->ort = ss::make_ort_backend(p);
  auto r = sd->ort->submit(ss::Pass{g_model.get(), g_name, in, {}, {}});
  if (!r) {
    g_error = r.error().message;
    sd->state = 2;
    return 0;
  }
  sd->state = 0;
  return 1;
}

EMSCRIPTEN_KEEPALIVE int ss_ort_poll(int s) {
  Side* sd = side(s);
  if (!sd) return 2;
  if (s == 0 || !sd->ort || sd->state != 0) return sd->state;
  std::string err;
  switch (sd->ort->poll(sd->taps, err)) {
    case ss::Backend::Poll::kReady: sd->state = 1; break;
    case ss::Backend::Poll::kFailed: sd->state = 2, g_error = err; break;
    case ss::Backend::Poll::kLost: sd->state = 3, g_error = err; break;
    default: break;
  }
  return sd->state;
}

EMSCRIPTEN_KEEPALIVE int ss_ort_tap_len(int s, const char* name) {
  const Side* sd = side(s);
  const ss::Tensor* t = sd ? sd->taps.get(name) : nullptr;
  return t ? static_cast<int>(t->data.size()) : -1;
}

EMSCRIPTEN_KEEPALIVE const float* ss_ort_tap_data(int s, const char* name) {
  const Side* sd = side(s);
  const ss::Tensor* t = sd ? sd->taps.get(name) : nullptr;
  return t ? t->ptr() : nullptr;
}

EMSCRIPTEN_KEEPALIVE const char* ss_ort_tap_names(int s) {
  g_text.clear();
  if (const Side* sd = side(s))
    for (const auto& kv : sd->taps.named) g_text += (g_text.empty() ? "" : ",") + kv.first;
  return g_text.c_str();
}

EMSCRIPTEN_KEEPALIVE double ss_ort_ms(int s) {
  const Side* sd = side(s);
  return sd && sd->ort ? sd->ort->last_ms() : -1;
}

EMSCRIPTEN_KEEPALIVE const char* ss_ort_error() { return g_error.c_str(); }

EMSCRIPTEN_KEEPALIVE int ss_ort_webgpu() { return ss::ort_provider_available(ss::OrtProvider::WebGpu) ? 1 : 0; }

}  // extern "C"

#endif  // __EMSCRIPTEN__
