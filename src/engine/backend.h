// Backend: the one interface every way of running the forward pass implements
// (src/backends/<name>/, listed in src/backends/registry.cpp).
//
// Every backend is asynchronous: submit() starts a pass, poll() (once a frame,
// never blocking) says when its taps are ready. In the browser WebGPU (buffer
// readback) and ONNX Runtime Web (session.run) only work this way, and the
// main thread must never wait on them. A synchronous backend (the CPU) is the
// trivial case: it computes inside submit(), and the next poll() answers
// kReady. Callers that can wait (the CLI, the tests, the analysis' reruns) use
// run() / forward(), which refuse a backend that is not synchronous rather
// than spin on it.
//
// capabilities() says what a backend can do, like ggml's supports_op: the
// model families it runs, the taps it fills, the hook kinds it applies, and
// whether it extends a KV cache (an appended token costs only its own rows).
// submit() checks the pass against it (engine/validate.h) before the backend
// sees it, so every backend rejects bad input with the same message. The
// parity table (engine/parity.h) runs every claim against the CPU.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "engine/hooks.h"
#include "engine/taps.h"
#include "model/weights.h"

namespace ss {

// The rows a forward pass embeds: token ids for language models, or input
// vectors for averaging models (model_type "sinkscope_averaging").
struct ForwardInput {
  std::span<const int32_t> ids;
  const Tensor* vectors = nullptr;  // [T, d_input + 1]; used instead of ids when set
  int64_t length() const { return vectors ? vectors->dim(0) : static_cast<int64_t>(ids.size()); }
};

// Keys and values of the rows already computed, so appended rows (the live
// explorer's next keystroke) cost only their own work.
struct KvCache {
  std::vector<Tensor> k, v;  // per layer [T, Hkv*dh] (k after RoPE)
  int64_t length = 0;        // rows T held
  void clear() { k.clear(), v.clear(), length = 0; }
};

// Per-stage wall times in milliseconds, in the order the stages ran
// ("embed", "blocks.0.attn", "blocks.0.mlp", ..., "logits").
struct StageTimes {
  std::vector<std::pair<std::string, double>> stages;
  void add(std::string name, double ms) { stages.emplace_back(std::move(name), ms); }
};

struct Capabilities {
  std::vector<Family> families;       // model families it runs
  std::vector<std::string> taps;      // tap kinds it fills ("logits", "ln_final", and per-layer kinds of taps.h)
  std::vector<HookKind> hooks;        // hook kinds it applies
  bool attention_gate = false;        // runs gated attention (config attn_gate)
  bool sink_logit = false;            // runs a per-head sink logit in the softmax (config attn_sink_logit)
  bool incremental = false;           // extends a KvCache (Pass::cache)
  bool synchronous = false;           // submit() finishes the pass: run() may be used
  bool runs(Family f) const;
  bool fills(std::string_view tap_kind) const;
  bool applies(HookKind k) const;
};

// One forward pass: what to run, and (incremental backends) what is kept.
struct Pass {
  const Model* model = nullptr;
  std::string model_name;  // folder name (URL ?model=NAME): ORT fetches models/NAME/model.onnx
  ForwardInput input;      // copied by submit() where the backend needs it later
  Hooks hooks;
  TapFilter filter;        // taps the caller wants ("logits" always)
  // Incremental backends only: rows [cache->length, T) are computed, the
  // earlier rows' keys/values come from the cache, and `taps` holds the
  // earlier rows' taps (computed with the same hooks and filter; a tap may
  // already be T rows long, see resize_rows, and is then written in place).
  // nullptr or length 0 = a full pass.
  KvCache* cache = nullptr;
  Taps taps;
  // The k and v taps are the cache's rows: the backend keeps them in the
  // cache only, and the Engine moves the cache into the taps after the pass
  // (Engine::fold_cache), so K and V are held once. CPU passes through an
  // Engine set it.
  bool kv_in_cache = false;
};

class Backend {
 public:
  enum class Poll {
    kIdle,     // nothing submitted since the last kReady/kFailed
    kPending,  // the latest pass is still running
    kReady,    // the latest pass finished: its taps were moved into `out`
    kFailed,   // the latest pass failed (`error` says why); the backend stays usable
    kLost,     // the backend is gone for good (device lost, runtime crashed): fall back
  };

  virtual ~Backend() = default;
  virtual const char* name() const = 0;  // "cpu", "webgpu", "ort", ... (the picker's value)
  virtual const Capabilities& capabilities() const = 0;

  // Checks the pass (validate_pass) and starts it. A pass still in flight is
  // superseded: its result is dropped, never delivered. An error here means
  // nothing was started (bad input, no adapter, model not exportable).
  Expected<void> submit(Pass pass);
  // Called once a frame. Never blocks.
  virtual Poll poll(Taps& out, std::string& error) = 0;
  // Wall time of the last finished pass, submit to result (ms).
  virtual double last_ms() const = 0;
  // Token rows the last finished pass computed; -1 = not reported (then: the
  // rows not in its cache). An incremental backend that had to run the whole
  // input instead (its cache was not valid) says so here.
  virtual int64_t last_rows() const { return -1; }
  // True once the backend is gone for good (a lost GPU device): tells "lost"
  // from "cannot run this pass" when submit() fails before the lost notice.
  virtual bool lost() const { return false; }

  // Synchronous backends: submit + poll. Fills `out` with the taps the
  // filter wants; an error for a backend that is not synchronous.
  Expected<void> run(Pass pass, Taps& out);
  Expected<void> forward(const Model& model, std::span<const int32_t> ids, const Hooks& hooks,
                         const TapFilter& filter, Taps& out);
  // Averaging models: the same pass on input vectors [T, d_input + 1].
  Expected<void> forward_inputs(const Model& model, const Tensor& inputs, const Hooks& hooks,
                                const TapFilter& filter, Taps& out);
  // Incremental: computes rows [cache.length, input.length()), appending to
  // `out` (the earlier rows' taps) and extending the cache.
  Expected<void> extend(const Model& model, const ForwardInput& input, const Hooks& hooks,
                        const TapFilter& filter, KvCache& cache, Taps& out);

  // Where to record per-stage times (nullptr = don't time).
  void set_timings(StageTimes* t) { timings_ = t; }

 protected:
  // The backend's own part of submit(): the pass has passed validate_pass.
  virtual Expected<void> start(Pass pass) = 0;
  StageTimes* timings_ = nullptr;
};

// A backend that computes in the caller's thread: compute() runs inside
// submit(), and the next poll() hands the taps over.
class SyncBackend : public Backend {
 public:
  Poll poll(Taps& out, std::string& error) override;
  double last_ms() const override { return last_ms_; }

 protected:
  Expected<void> start(Pass pass) final;
  // Fills pass.taps (which holds the earlier rows when pass.cache->length > 0).
  virtual Expected<void> compute(Pass& pass) = 0;

 private:
  Taps result_;
  bool ready_ = false;
  double last_ms_ = -1;
};

std::unique_ptr<Backend> make_cpu_backend();

}  // namespace ss
