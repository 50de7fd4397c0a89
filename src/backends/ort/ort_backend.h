// ORT backend: ONNX Runtime Web runs the model's ONNX export
// (training/export_onnx.py: models/NAME/model.onnx with every panel's taps as
// graph outputs, model.logits.onnx with logits only) in the browser, through
// the JS bridge web/ort_bridge.js, loaded only when this backend is first used.
// Browser only (EM_JS); natively ONNX Runtime is checked through
// onnxruntime-node in tests/node/parity.test.mjs (the same backend in the
// headless wasm module, with onnxruntime-node behind the bridge).
//
// What it can answer (capabilities()): the exported taps (logits; per layer
// resid_pre, q, k, v, attn_pattern, head_out, resid_post). Interventions
// (hooks) cannot run on a fixed graph: it claims none.
#pragma once
#include <memory>
#include <string>

#include "engine/backend.h"

namespace ss {

enum class OrtProvider { Wasm, WebGpu };

// `provider` picks ONNX Runtime's execution provider: wasm (CPU, SIMD; threads
// when the page is cross-origin isolated) or WebGPU.
std::unique_ptr<Backend> make_ort_backend(OrtProvider provider = OrtProvider::Wasm);

// Whether the provider can run in this page at all (WebGPU: navigator.gpu).
bool ort_provider_available(OrtProvider provider);

}  // namespace ss
