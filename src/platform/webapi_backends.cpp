// The backends' part of the C API (EMSCRIPTEN_KEEPALIVE, called with ccall),
// (the URL parameter backend=NAME is read with the others, explorer/url.cpp):
//   const char* ss_backends()             "cpu,webgpu": what the picker offers here
//   int         ss_set_backend(name)      1 = picked (the prompt reruns on it), 0 = not available
//   const char* ss_backend_notice()       why the backend changed by itself, "" = it did not
//   int         ss_async_in_flight()      1 while an async request runs
//   double      ss_async_count(which)     0 submitted, 1 delivered, 2 failed, 3 fallbacks
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <cstdlib>
#include <string>

#include "backends/registry.h"
#include "explorer/app_state.h"
#include "explorer/session.h"

using namespace ss;
using namespace ss::explorer;

namespace {
std::string g_text;  // returned strings live here until the next call
}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* ss_backends() {
  g_text.clear();
  for (const auto& n : available_backends()) g_text += (g_text.empty() ? "" : ",") + n;
  return g_text.c_str();
}

EMSCRIPTEN_KEEPALIVE int ss_set_backend(const char* name) {
  AppState& s = state();
  const std::string n = name ? name : "";
  if (!backend_available(n)) return 0;
  if (s.backend != n) {
    s.backend = n;
    ++s.prompt_version;
  }
  s.backend_notice.clear();
  return 1;
}

EMSCRIPTEN_KEEPALIVE const char* ss_backend_notice() { return state().backend_notice.c_str(); }

EMSCRIPTEN_KEEPALIVE int ss_async_in_flight() { return session_stats().in_flight ? 1 : 0; }

EMSCRIPTEN_KEEPALIVE double ss_async_count(int which) {
  const SessionStats& a = session_stats();
  switch (which) {
    case 0: return static_cast<double>(a.submitted);
    case 1: return static_cast<double>(a.delivered);
    case 2: return static_cast<double>(a.failed);
    case 3: return static_cast<double>(a.fallbacks);
    case 4: return static_cast<double>(a.tap_copies);
    default: return -1;
  }
}

}  // extern "C"
#endif
