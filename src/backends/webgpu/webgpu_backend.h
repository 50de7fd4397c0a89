// The WebGPU backend: the whole forward pass of every family as WGSL compute
// kernels (shaders/*.wgsl), through our own JS binding (web/webgpu.js).
// Asynchronous (engine/async_backend.h): submit() records and submits one
// command buffer for the whole pass, poll() collects the taps once the
// readback buffer is mapped. Browser (Emscripten) only.
//
// What it supports: gpt2, llama, gpt_neox and the averaging models; taps are
// read back only when the TapFilter wants them; hooks: ZeroHead (others make
// poll() answer kFailed, so the app runs that request on CPU). Weights are
// uploaded once per (Model, weights version).
#pragma once
#include <memory>

#include "engine/async_backend.h"

namespace ss {

std::unique_ptr<AsyncBackend> make_webgpu_backend();
// navigator.gpu exists (the picker offers WebGPU); the adapter may still fail.
bool webgpu_present();

}  // namespace ss
