#include "backends/registry.h"

#include <algorithm>

#ifdef __EMSCRIPTEN__
#include "backends/ort/ort_backend.h"
#include "backends/webgpu/webgpu_backend.h"
#endif

namespace ss {

namespace {

// One line per backend. Written out here rather than by static registrars in
// each backend's files: those live in a static library, whose unreferenced
// objects (and their registrars) the linker drops.
std::vector<BackendEntry> builtin() {
  return {
      {"cpu", "CPU", [] { return make_cpu_backend(); }, {}},
#ifdef __EMSCRIPTEN__  // browser-only backends (their folders build only there: src/backends/*/backend.cmake)
      {"webgpu", "WebGPU", [] { return make_webgpu_backend(); }, [] { return webgpu_present(); }},
      {"ort", "ONNX Runtime Web", [] { return make_ort_backend(OrtProvider::Wasm); },
       [] { return ort_provider_available(OrtProvider::Wasm); }},
      {"ort-webgpu", "ONNX Runtime Web (WebGPU)", [] { return make_ort_backend(OrtProvider::WebGpu); },
       [] { return ort_provider_available(OrtProvider::WebGpu); }},
#endif
  };
}

std::vector<BackendEntry>& entries() {
  static std::vector<BackendEntry> e = builtin();
  return e;
}

const BackendEntry* find(const std::string& name) {
  for (const BackendEntry& e : entries())
    if (e.name == name) return &e;
  return nullptr;
}

bool usable(const BackendEntry& e) { return !e.available || e.available(); }

}  // namespace

const std::vector<BackendEntry>& backend_entries() { return entries(); }

void register_backend(BackendEntry e) {
  unregister_backend(e.name);
  entries().push_back(std::move(e));
}

void unregister_backend(const std::string& name) {
  auto& v = entries();
  v.erase(std::remove_if(v.begin(), v.end(), [&](const BackendEntry& e) { return e.name == name; }), v.end());
}

std::vector<std::string> available_backends() {
  std::vector<std::string> out;
  for (const BackendEntry& e : entries())
    if (usable(e)) out.push_back(e.name);
  return out;
}

bool backend_available(const std::string& name) {
  const BackendEntry* e = find(name);
  return e && usable(*e);
}

std::unique_ptr<Backend> make_backend(const std::string& name) {
  const BackendEntry* e = find(name);
  return e ? e->make() : nullptr;
}

std::string backend_title(const std::string& name) {
  const BackendEntry* e = find(name);
  return e && !e->title.empty() ? e->title : name;
}

}  // namespace ss
