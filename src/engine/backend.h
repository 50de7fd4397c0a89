// Backend: the one small interface every way of running the forward pass
// implements (cpu now; webgpu and ort in the browser). The parity suite runs
// every backend on every model and compares taps.
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

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  // Runs the whole forward pass on `ids` (used exactly as given) and fills
  // `out` with the taps `filter` wants (always "logits").
  virtual Expected<void> forward(const Model& model, std::span<const int32_t> ids,
                                 const Hooks& hooks, const TapFilter& filter, Taps& out) = 0;
  // Averaging models: the same pass on input vectors [T, d_input + 1].
  virtual Expected<void> forward_inputs(const Model& model, const Tensor& inputs, const Hooks& hooks,
                                        const TapFilter& filter, Taps& out) {
    (void)model, (void)inputs, (void)hooks, (void)filter, (void)out;
    return make_error(std::string(name()) + " backend cannot run averaging models");
  }
  // Incremental pass: computes rows [cache.length, input.length()) using the
  // cached keys/values of the earlier rows, appends them to `out` (which must
  // hold the earlier rows' taps, computed with the same hooks and filter; a
  // tap may already be T rows long, see resize_rows, and is then written in
  // place) and
  // extends the cache. cache.length == 0 is a full pass.
  virtual bool can_extend() const { return false; }
  virtual Expected<void> extend(const Model& model, const ForwardInput& input, const Hooks& hooks,
                                const TapFilter& filter, KvCache& cache, Taps& out) {
    (void)model, (void)input, (void)hooks, (void)filter, (void)cache, (void)out;
    return make_error(std::string(name()) + " backend has no incremental forward");
  }
  // Where to record per-stage times (nullptr = don't time).
  void set_timings(StageTimes* t) { timings_ = t; }

 protected:
  StageTimes* timings_ = nullptr;
};

std::unique_ptr<Backend> make_cpu_backend();

}  // namespace ss
