// The app's forward pass on an asynchronous backend (engine/async_backend.h):
// the policy around it, apart from session.cpp's synchronous CPU path.
//   - a prompt change submits one request; the frame keeps drawing the
//     previous results while it runs; one request in flight at a time (a
//     newer prompt waits for it, then goes next: typing never starves it)
//   - each frame polls; kReady publishes tokens + taps the way the CPU path
//     does (AppState::results), so analysis and panels need no change
//   - kLost or a failed submit: switch to "cpu", say so in
//     AppState::backend_notice, keep prompt, selection and previous results;
//     the CPU path then recomputes the prompt in the same frame
//   - kFailed (e.g. a hook the backend cannot run): this prompt runs on CPU,
//     the backend stays selected for the next one
#pragma once
#include <cstdint>

#include "explorer/app_state.h"

namespace ss::explorer {

// Called by update() first. true = the async backend owns this frame (the
// CPU path must not run); false = run the CPU path now.
bool update_async(AppState& s);

struct AsyncStats {
  int64_t submitted = 0;   // requests started
  int64_t delivered = 0;   // results published
  int64_t failed = 0;      // kFailed answers (ran on CPU instead)
  int64_t fallbacks = 0;   // switches to "cpu" (lost, failed submit, unavailable)
  bool in_flight = false;  // a request is running now
};
const AsyncStats& async_stats();

// Drops the backend instance and the request in flight (tests; model reload).
void reset_async_session();

// "WebGPU", "ONNX Runtime Web", or the name itself: for messages.
const char* backend_display_name(const char* name);

}  // namespace ss::explorer
