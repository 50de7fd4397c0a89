// AsyncBackend: a way of running the forward pass whose answer arrives after
// the call returns. In the browser both WebGPU (buffer readback resolves a
// promise) and ONNX Runtime Web (session.run is a promise) work this way, and
// the main thread must never block on them: the frame loop keeps drawing the
// previous results while a pass is in flight and polls once a frame.
//
// The app owns the policy around it (src/app): one request in flight, a newer
// prompt supersedes an older request, kLost or a failed start falls back to
// the CPU Backend with a message in the status bar and the prompt, selection
// and previous results kept.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "engine/backend.h"
#include "engine/hooks.h"
#include "engine/taps.h"
#include "model/weights.h"

namespace ss {

class AsyncBackend {
 public:
  enum class Poll {
    kIdle,     // nothing submitted since the last kReady/kFailed
    kPending,  // the latest request is still running
    kReady,    // the latest request finished: its taps were moved into `out`
    kFailed,   // the latest request failed (`error` says why); the backend stays usable
    kLost,     // the backend is gone for good (device lost, runtime crashed): fall back
  };

  virtual ~AsyncBackend() = default;
  virtual const char* name() const = 0;  // "webgpu", "ort", ... (the picker's value)

  // Starts a forward pass. Copies what it needs from `input` (the spans need
  // not outlive the call). A request still in flight is superseded: its result
  // is dropped, never delivered. `model_name` is the folder name (URL
  // ?model=NAME), for backends that fetch files of their own (ORT's .onnx).
  // An error here means nothing was started (e.g. no adapter, model not
  // exportable); the app then falls back.
  virtual Expected<void> submit(const Model& model, const std::string& model_name, const ForwardInput& input,
                                const Hooks& hooks, const TapFilter& filter) = 0;

  // Called once a frame. Never blocks.
  virtual Poll poll(Taps& out, std::string& error) = 0;

  // Wall time of the last finished request, submit to result (ms).
  virtual double last_ms() const = 0;

  // True once the backend is gone for good (a lost GPU device). Lets the app
  // tell "lost" from "cannot run this request" when submit() fails, since a
  // destroyed device can fail a submit before its lost notice arrives.
  virtual bool lost() const { return false; }
};

}  // namespace ss
