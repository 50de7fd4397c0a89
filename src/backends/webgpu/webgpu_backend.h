// The WebGPU backend: the whole forward pass of every family as WGSL compute
// kernels (shaders/*.wgsl), through our own JS binding (web/webgpu.js).
// Asynchronous (engine/backend.h): submit() records and submits one command
// buffer for the whole pass, poll() collects the taps once the readback
// buffer is mapped. Browser (Emscripten) only.
//
// What it supports (capabilities()): gpt2, llama, gpt_neox and the averaging
// models; every tap but ln1/ln2, read back only when the TapFilter wants
// them; the ZeroHead hook. Weights are uploaded once per (Model, weights version).
#pragma once
#include <memory>

#include "engine/backend.h"

namespace ss {

std::unique_ptr<Backend> make_webgpu_backend();
// navigator.gpu exists (the picker offers WebGPU); the adapter may still fail.
bool webgpu_present();

}  // namespace ss
