// The parity table's part of the C API (engine/parity.h), for the browser
// suite (tests/browser/parity.test.mjs): cases are added as bytes (config.json
// + model.safetensors, no tokenizer) with their ids or input vectors, then one
// backend of the registry (src/backends/registry.cpp) runs them all, stepped
// from JS between awaits so the page's event loop lets WebGPU and ONNX Runtime
// Web answer.
//   const char* ss_parity_add_case(name, cfg, cfg_len, st, st_len, ids, n_ids, vectors, rows, cols)
//                                  "" = added, else the error; ids (int32 [n_ids]) for language
//                                  models, vectors (float [rows, cols]) for averaging models.
//                                  `name` is the model folder (ONNX Runtime fetches models/NAME/).
//   void   ss_parity_clear()       drops every case and the run
//   int    ss_parity_start(backend, plant_tap, plant_delta)  1 = started, 0 = no such backend here
//   int    ss_parity_step()        one submit or poll; 1 once the table is complete
//   int    ss_parity_passed()      1 = every row ok, not claimed or n/a
//   const char* ss_parity_table()  the table as text
//   const char* ss_parity_rows()   JSON [{backend, model, check, status, diff, note}]
//   int    ss_webgpu_set_kernels(set)  the WebGPU kernel set the next passes record: "auto",
//                                  "tiled", "blocked", "barrier_free" (src/backends/webgpu/gpu.h);
//                                  1 = set. The browser suite forces the tiled sets on
//                                  SwiftShader; bench/gpu/run.mjs runs the table with each.
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/registry.h"
#include "backends/webgpu/gpu.h"
#include "engine/parity.h"
#include "model/loader.h"

namespace {

struct Parity {
  std::vector<std::unique_ptr<ss::Model>> models;  // the cases' models
  std::vector<ss::ParityCase> cases;
  std::unique_ptr<ss::Backend> backend;
  std::unique_ptr<ss::ParityRun> run;
  std::string text;  // returned strings live here until the next call
};

Parity& parity() {
  static Parity p;
  return p;
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* ss_parity_add_case(const char* name, const char* cfg, int cfg_len, const uint8_t* st,
                                                    int st_len, const int32_t* ids, int n_ids, const float* vectors,
                                                    int rows, int cols) {
  Parity& p = parity();
  auto m = ss::load_model(std::string_view(cfg, cfg_len), std::span<const uint8_t>(st, st_len), name);
  if (!m) return (p.text = m.error().message).c_str();
  ss::ParityCase c;
  c.name = name;
  if (vectors && rows > 0 && cols > 0) {
    c.vectors = ss::Tensor({rows, cols});
    c.vectors->data.assign(vectors, vectors + int64_t{rows} * cols);
  } else {
    c.ids.assign(ids, ids + n_ids);
  }
  p.models.push_back(std::make_unique<ss::Model>(std::move(*m)));
  c.model = p.models.back().get();
  p.cases.push_back(std::move(c));
  return "";
}

EMSCRIPTEN_KEEPALIVE void ss_parity_clear() {
  Parity& p = parity();
  p.run.reset();
  p.backend.reset();
  p.cases.clear();
  p.models.clear();
}

EMSCRIPTEN_KEEPALIVE int ss_parity_start(const char* backend, const char* plant_tap, float plant_delta) {
  Parity& p = parity();
  p.run.reset();
  if (!ss::backend_available(backend)) return 0;
  p.backend = ss::make_backend(backend);
  if (!p.backend) return 0;
  p.run = std::make_unique<ss::ParityRun>(*p.backend, p.cases, ss::ParityPlant{plant_tap ? plant_tap : "", plant_delta});
  return 1;
}

EMSCRIPTEN_KEEPALIVE int ss_parity_step() {
  Parity& p = parity();
  return !p.run || p.run->step() ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE int ss_parity_passed() {
  Parity& p = parity();
  return p.run && p.run->done() && p.run->passed() ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE const char* ss_parity_table() {
  Parity& p = parity();
  return (p.text = p.run ? p.run->table() : std::string()).c_str();
}

EMSCRIPTEN_KEEPALIVE const char* ss_parity_rows() {
  Parity& p = parity();
  nlohmann::json rows = nlohmann::json::array();
  if (p.run)
    for (const ss::ParityRow& r : p.run->rows())
      rows.push_back({{"backend", r.backend}, {"model", r.model}, {"check", r.check},
                      {"status", ss::parity_status_name(r.status)}, {"diff", r.diff}, {"note", r.note}});
  return (p.text = rows.dump()).c_str();
}

EMSCRIPTEN_KEEPALIVE int ss_webgpu_set_kernels(const char* set) {
  using ss::webgpu::KernelSet;
  const std::string_view s = set ? set : "";
  if (s == "auto") ss::webgpu::set_kernel_set(KernelSet::kAuto);
  else if (s == "tiled") ss::webgpu::set_kernel_set(KernelSet::kTiled);
  else if (s == "blocked") ss::webgpu::set_kernel_set(KernelSet::kBlocked);
  else if (s == "barrier_free") ss::webgpu::set_kernel_set(KernelSet::kBarrierFree);
  else return 0;
  return 1;
}

}  // extern "C"
#endif
