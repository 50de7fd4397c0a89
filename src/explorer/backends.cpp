#include "explorer/backends.h"

#include <map>

#if defined(__EMSCRIPTEN__) && !defined(SINKSCOPE_NO_BUILTIN_BACKENDS)
#include "backends/webgpu/webgpu_backend.h"
#endif

namespace ss::explorer {

namespace {

struct Entry {
  AsyncBackendFactory make;
  AsyncBackendAvailable available;
};

// Built-in backends are added here rather than by static registrars in their
// own files: those files live in the static library, whose unreferenced
// objects the linker drops (and their registrars with them).
std::map<std::string, Entry>& registry() {
  static std::map<std::string, Entry> r = [] {
    std::map<std::string, Entry> m;
#if defined(__EMSCRIPTEN__) && !defined(SINKSCOPE_NO_BUILTIN_BACKENDS)
    m["webgpu"] = Entry{[] { return make_webgpu_backend(); }, [] { return webgpu_present(); }};
#endif
    return m;
  }();
  return r;
}

}  // namespace

void register_async_backend(const std::string& name, AsyncBackendFactory make, AsyncBackendAvailable available) {
  registry()[name] = Entry{std::move(make), std::move(available)};
}

void unregister_async_backend(const std::string& name) { registry().erase(name); }

bool is_async_backend(const std::string& name) { return registry().count(name) > 0; }

bool backend_available(const std::string& name) {
  if (name == "cpu") return true;
  auto it = registry().find(name);
  if (it == registry().end()) return false;
  return !it->second.available || it->second.available();
}

std::vector<std::string> available_backends() {
  std::vector<std::string> out{"cpu"};
  for (const auto& [name, e] : registry())
    if (!e.available || e.available()) out.push_back(name);
  return out;
}

std::unique_ptr<AsyncBackend> make_async_backend(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second.make();
}

}  // namespace ss::explorer
