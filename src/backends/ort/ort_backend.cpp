// The ORT backend's C++ half: requests go to web/ort_bridge.js (ONNX Runtime
// Web's promises live there), and poll() copies a finished request's outputs
// into Taps. The JS side keeps one record per request id in
// globalThis.__ssOrtReqs: {state: 0 pending | 1 ready | 2 failed | 3 lost, ...}.
#include "backends/ort/ort_backend.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// Loads ort_bridge.js once (a classic script next to index.html), then hands
// the request to it. The input is copied here, before the call returns.
EM_JS(void, ss_ort_js_submit, (int req, const char* model, int webgpu, int logits_only, int vectors,
                               const void* data, int rows, int width), {
  const reqs = globalThis.__ssOrtReqs || (globalThis.__ssOrtReqs = {});
  reqs[req] = { state: 0 };
  const input = vectors ? HEAPF32.slice(data >>> 2, (data >>> 2) + rows * width)
                        : HEAP32.slice(data >>> 2, (data >>> 2) + rows);
  const name = UTF8ToString(model);
  if (!globalThis.__ssOrtBridge) {
    globalThis.__ssOrtBridge = new Promise(function(resolve, reject) {
      if (globalThis.sinkscopeOrt) { resolve(globalThis.sinkscopeOrt); return; }
      const s = document.createElement('script');
      s.src = 'ort_bridge.js';
      s.onload = function() {
        if (globalThis.sinkscopeOrt) resolve(globalThis.sinkscopeOrt);
        else reject(new Error('ort_bridge.js did not define globalThis.sinkscopeOrt'));
      };
      s.onerror = function() { reject(new Error('ort_bridge.js could not be loaded')); };
      document.head.appendChild(s);
    });
  }
  globalThis.__ssOrtBridge
    .then(function(b) {
      return b.run({ model: name, ep: webgpu ? 'webgpu' : 'wasm', graph: logits_only ? 'logits' : 'taps',
                     ids: vectors ? null : input, inputs: vectors ? input : null, width: width });
    })
    .then(function(r) {
      if (reqs[req]) reqs[req] = { state: 1, outputs: r.outputs, ms: r.ms };
    }, function(e) {
      if (reqs[req]) reqs[req] = { state: e && e.lost ? 3 : 2, error: String((e && e.message) || e) };
    });
});

EM_JS(int, ss_ort_js_state, (int req), {
  const r = globalThis.__ssOrtReqs && globalThis.__ssOrtReqs[req];
  return r ? r.state : 3;
});

EM_JS(char*, ss_ort_js_error, (int req), {
  const r = globalThis.__ssOrtReqs && globalThis.__ssOrtReqs[req];
  const v = (r && r.error) || 'unknown error';
  const n = lengthBytesUTF8(v) + 1;
  const p = _malloc(n);
  stringToUTF8(v, p, n);
  return p;
});

EM_JS(double, ss_ort_js_ms, (int req), {
  const r = globalThis.__ssOrtReqs && globalThis.__ssOrtReqs[req];
  return r && r.ms !== undefined ? r.ms : -1;
});

EM_JS(int, ss_ort_js_count, (int req), {
  const r = globalThis.__ssOrtReqs && globalThis.__ssOrtReqs[req];
  return r && r.outputs ? r.outputs.length : 0;
});

// Output i's name as a malloc'd string.
EM_JS(char*, ss_ort_js_name, (int req, int i), {
  const v = globalThis.__ssOrtReqs[req].outputs[i].name;
  const n = lengthBytesUTF8(v) + 1;
  const p = _malloc(n);
  stringToUTF8(v, p, n);
  return p;
});

EM_JS(int, ss_ort_js_rank, (int req, int i), { return globalThis.__ssOrtReqs[req].outputs[i].dims.length; });
EM_JS(double, ss_ort_js_dim, (int req, int i, int a), { return globalThis.__ssOrtReqs[req].outputs[i].dims[a]; });

// Copies output i (float32) into [dst, dst + size). HEAPF32 is re-read here:
// the heap may have grown since the request started.
EM_JS(void, ss_ort_js_copy, (int req, int i, float* dst), {
  HEAPF32.set(globalThis.__ssOrtReqs[req].outputs[i].data, dst >>> 2);
});

EM_JS(void, ss_ort_js_release, (int req), {
  if (globalThis.__ssOrtReqs) delete globalThis.__ssOrtReqs[req];
});

EM_JS(int, ss_ort_js_webgpu_present, (), { return (typeof navigator !== 'undefined' && navigator.gpu) ? 1 : 0; });
// A page loads ort_bridge.js on demand; elsewhere (node) the host defines
// globalThis.sinkscopeOrt itself (tests/node/parity.test.mjs, onnxruntime-node).
EM_JS(int, ss_ort_js_bridge_present, (), {
  return (typeof document !== 'undefined' || globalThis.sinkscopeOrt) ? 1 : 0;
});

std::string take_string(char* p) {
  std::string s = p ? p : "";
  std::free(p);
  return s;
}

// Whether only logits are wanted: then the smaller logits-only graph runs.
bool logits_only(const ss::TapFilter& f) {
  if (f.all) return false;
  for (const auto& n : f.names)
    if (n != "logits") return false;
  return true;
}

class OrtBackend final : public ss::Backend {
 public:
  explicit OrtBackend(ss::OrtProvider p) : provider_(p) {}
  ~OrtBackend() override {
    if (req_) ss_ort_js_release(req_);
  }
  const char* name() const override { return provider_ == ss::OrtProvider::WebGpu ? "ort-webgpu" : "ort"; }

  // The exported graph's outputs (training/export_onnx.py); no hooks: a fixed
  // graph cannot apply interventions (the app runs those on the CPU).
  const ss::Capabilities& capabilities() const override {
    static const ss::Capabilities caps = [] {
      ss::Capabilities c;
      c.families = {ss::Family::GPT2, ss::Family::Llama, ss::Family::NeoX, ss::Family::Averaging};
      c.taps = {"logits", "resid_pre", "q", "k", "v", "attn_pattern", "head_out", "resid_post"};
      return c;
    }();
    return caps;
  }

  Poll poll(ss::Taps& out, std::string& error) override;
  double last_ms() const override { return last_ms_; }

 protected:
  ss::Expected<void> start(ss::Pass pass) override {
    if (pass.model_name.empty()) return ss::make_error("ONNX Runtime needs the model's folder name (models/NAME/model.onnx)");
    if (req_) ss_ort_js_release(req_);  // superseded: its result is never delivered
    req_ = 0;
    const ss::ForwardInput& input = pass.input;
    const int64_t T = input.length();
    const bool vectors = input.vectors != nullptr;
    const int width = vectors ? static_cast<int>(input.vectors->dim(1)) : 1;
    filter_ = pass.filter;
    req_ = ++next_req_;
    ss_ort_js_submit(req_, pass.model_name.c_str(), provider_ == ss::OrtProvider::WebGpu, logits_only(pass.filter), vectors,
                     vectors ? static_cast<const void*>(input.vectors->ptr()) : static_cast<const void*>(input.ids.data()),
                     static_cast<int>(T), width);
    return {};
  }

 private:
  ss::OrtProvider provider_;
  int req_ = 0;                  // the request in flight (0 = none)
  ss::TapFilter filter_;         // what the request in flight wants
  double last_ms_ = -1;
  static inline int next_req_ = 0;  // ids shared by every instance: records live in one JS table
};

ss::Backend::Poll OrtBackend::poll(ss::Taps& out, std::string& error) {
  if (!req_) return Poll::kIdle;
  const int st = ss_ort_js_state(req_);
  if (st == 0) return Poll::kPending;
  const int req = req_;
  req_ = 0;
  if (st != 1) {
    error = take_string(ss_ort_js_error(req));
    ss_ort_js_release(req);
    return st == 3 ? Poll::kLost : Poll::kFailed;
  }
  ss::Taps taps;
  const int n = ss_ort_js_count(req);
  for (int i = 0; i < n; ++i) {
    std::string name = take_string(ss_ort_js_name(req, i));
    if (name != "logits" && !filter_.wants(name)) continue;
    std::vector<int64_t> shape(ss_ort_js_rank(req, i));
    for (size_t a = 0; a < shape.size(); ++a) shape[a] = static_cast<int64_t>(ss_ort_js_dim(req, i, static_cast<int>(a)));
    ss::Tensor t(shape);  // the output's own shape: engine/taps.h layouts
    ss_ort_js_copy(req, i, t.ptr());
    taps.named.emplace(std::move(name), std::move(t));
  }
  last_ms_ = ss_ort_js_ms(req);
  ss_ort_js_release(req);
  if (!taps.get("logits")) {
    error = "ONNX Runtime returned no logits";
    return Poll::kFailed;
  }
  out = std::move(taps);
  return Poll::kReady;
}

}  // namespace

namespace ss {

std::unique_ptr<Backend> make_ort_backend(OrtProvider provider) { return std::make_unique<OrtBackend>(provider); }

bool ort_provider_available(OrtProvider provider) {
  if (!ss_ort_js_bridge_present()) return false;
  return provider == OrtProvider::Wasm || ss_ort_js_webgpu_present() != 0;
}

}  // namespace ss

#else  // natively there is no ONNX Runtime Web

namespace ss {
std::unique_ptr<Backend> make_ort_backend(OrtProvider) { return nullptr; }
bool ort_provider_available(OrtProvider) { return false; }
}  // namespace ss

#endif
