// Every backend the app, the CLI and the parity table can run, by name. The
// list is src/backends/registry.cpp: one line per backend. The settings
// panel offers the available ones, the URL parameter backend=NAME picks one at
// start, and the parity table (engine/parity.h) runs each against the CPU.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"

namespace ss {

struct BackendEntry {
  std::string name;                               // "cpu", "webgpu", ... (picker value, URL)
  std::string title;                              // "WebGPU": for messages
  std::function<std::unique_ptr<Backend>()> make;
  // Whether it can run here at all (e.g. navigator.gpu exists); asked when the
  // picker is drawn, so it must be cheap. Empty = always.
  std::function<bool()> available;
};

// The built-in backends, then any registered by register_backend.
const std::vector<BackendEntry>& backend_entries();
// Adds a backend (tests: fakes); a later registration under the same name replaces the earlier one.
void register_backend(BackendEntry e);
void unregister_backend(const std::string& name);

std::vector<std::string> available_backends();    // "cpu" first
bool backend_available(const std::string& name);  // "cpu" always
std::unique_ptr<Backend> make_backend(const std::string& name);  // nullptr = not registered
std::string backend_title(const std::string& name);              // "WebGPU", or the name itself

}  // namespace ss
