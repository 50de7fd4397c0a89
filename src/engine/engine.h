// Engine: the forward pass with a cache in front, for callers (the live
// explorer, the CLI, analysis) that ask again and again with small changes.
//   same (model, weights version, ids, hooks, filter) -> no work
//   ids that share a prefix with the last ids        -> the KV cache and the
//       prefix rows of every tap are kept; only the new rows are computed
//   anything else                                    -> a full pass
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/backend.h"

namespace ss {

class Engine {
 public:
  explicit Engine(std::unique_ptr<Backend> backend = nullptr);  // nullptr = cpu
  Backend& backend() { return *backend_; }

  // Taps for `ids` (used exactly as given). The pointer stays valid until the
  // next call on this Engine.
  Expected<const Taps*> run(const Model& model, std::span<const int32_t> ids, const Hooks& hooks = {},
                            const TapFilter& filter = {});
  // Averaging models: inputs [T, d_input + 1] (last column = [SEP] flag).
  Expected<const Taps*> run_inputs(const Model& model, const Tensor& inputs, const Hooks& hooks = {},
                                   const TapFilter& filter = {});

  // Any backend, from a frame loop: submit() starts a pass (a cache hit, or a
  // synchronous backend, is finished at once) and poll() answers like
  // Backend::poll; on kReady taps() holds the pass's taps. The engine calls
  // `before_change(replaced)` right before it changes or drops the taps it
  // holds, so an owner that shares them (the app's published results) can
  // copy them: replaced = true when a new pass's taps take their place (the
  // owner publishes those next), false when they are dropped (a failed pass).
  using BeforeChange = std::function<void(bool replaced)>;
  Expected<void> submit(const Model& model, const ForwardInput& input, const Hooks& hooks, const TapFilter& filter,
                        const BeforeChange& before_change = {});
  Backend::Poll poll(std::string& error, const BeforeChange& before_change = {});
  const Taps& taps() const { return taps_; }
  bool in_flight() const { return in_flight_; }

  struct Stats {
    int64_t full_passes = 0, incremental_passes = 0, cache_hits = 0;
    int64_t rows_computed = 0;  // token rows pushed through the layers, all passes
    int64_t last_rows = 0;      // token rows the last landed pass computed
  };
  const Stats& stats() const { return stats_; }
  void invalidate();  // forget the cache (e.g. after editing weights in place without bumping version)

 private:
  Expected<const Taps*> run_any(const Model& model, const ForwardInput& input, const Hooks& hooks, const TapFilter& filter);

  // What a pass in flight was submitted with (its key once it lands).
  struct Pending {
    const Model* model = nullptr;
    Hooks hooks;
    TapFilter filter;
    std::vector<int32_t> ids;
    std::vector<float> inputs;
    bool vectors = false;
    int64_t length = 0, prefix = 0;
    bool hit = false;  // same as the cached pass: nothing to run
    bool kv_in_cache = false;  // the pass keeps k and v in cache_ only (Pass::kv_in_cache)
  };
  void commit(const Pending& p);
  // The KV cache and the k / v taps are the same rows. A synchronous pass
  // keeps them once: after it, fold_cache() moves each wanted layer's cache
  // tensor into its tap ([T, Hkv*dh] -> [T, Hkv, dh], no copy); before the
  // next, unfold_cache() moves them back. At T = 2048 on a 12 x 768 model
  // that is 151 MB not held twice.
  void fold_cache(const Pending& p);
  void unfold_cache(Taps& kept);

  std::unique_ptr<Backend> backend_;
  bool in_flight_ = false;
  Pending pending_;
  Taps taps_;
  KvCache cache_;
  Stats stats_;
  // What taps_ and cache_ were computed from.
  bool valid_ = false;
  const Model* model_ = nullptr;
  uint64_t version_ = 0;
  std::string model_name_;
  Hooks hooks_;
  TapFilter filter_;
  std::vector<int32_t> ids_;
  std::vector<float> inputs_;  // averaging inputs, row-major [T, d_input + 1]
  bool vectors_ = false;
  int64_t length_ = 0;  // rows T of the cached pass
};

}  // namespace ss
