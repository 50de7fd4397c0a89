// Backends the app can run its forward pass on: "cpu" (always, synchronous,
// through the Engine in session.cpp) and asynchronous ones registered by name
// ("webgpu" here, "ort" from its own file). The settings panel lists them, the
// URL parameter backend=NAME picks one at start, and session_async.cpp drives
// the chosen one.
//
// Registering (from any file linked into the app, or a test):
//   static ss::explorer::RegisterAsyncBackend reg("ort", [] { return make_ort(); },
//                                            [] { return ort_is_usable(); });
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/async_backend.h"

namespace ss::explorer {

using AsyncBackendFactory = std::function<std::unique_ptr<AsyncBackend>()>;
// Whether the backend can run here at all (e.g. navigator.gpu exists); asked
// when the picker is drawn, so it must be cheap.
using AsyncBackendAvailable = std::function<bool()>;

// A later registration under the same name replaces the earlier one (tests).
void register_async_backend(const std::string& name, AsyncBackendFactory make,
                            AsyncBackendAvailable available = {});
void unregister_async_backend(const std::string& name);

struct RegisterAsyncBackend {
  RegisterAsyncBackend(const std::string& name, AsyncBackendFactory make, AsyncBackendAvailable available = {}) {
    register_async_backend(name, std::move(make), std::move(available));
  }
};

// "cpu" first, then every registered backend that says it is available here.
std::vector<std::string> available_backends();
bool is_async_backend(const std::string& name);
bool backend_available(const std::string& name);  // "cpu" is always available
// nullptr when `name` is not registered.
std::unique_ptr<AsyncBackend> make_async_backend(const std::string& name);

struct AppState;
// Browser: ?backend=NAME into AppState::backend (webapi_backends.cpp).
void load_backend_url_param(AppState& s);

}  // namespace ss::explorer
