#include "engine/engine.h"

#include <algorithm>
#include <cstring>

#include "engine/tap_rows.h"

namespace ss {

namespace {

bool same_hooks(const Hooks& a, const Hooks& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].kind != b[i].kind || a[i].layer != b[i].layer || a[i].head != b[i].head ||
        a[i].position != b[i].position || a[i].vec != b[i].vec)
      return false;
  return true;
}

bool same_filter(const TapFilter& a, const TapFilter& b) { return a.all == b.all && a.names == b.names && a.skip == b.skip; }

}  // namespace

Engine::Engine(std::unique_ptr<Backend> backend) : backend_(backend ? std::move(backend) : make_cpu_backend()) {}

void Engine::invalidate() {
  valid_ = false;
  length_ = 0;
  taps_.named.clear();
  cache_.clear();
}

Expected<const Taps*> Engine::run(const Model& model, std::span<const int32_t> ids, const Hooks& hooks,
                                  const TapFilter& filter) {
  return run_any(model, ForwardInput{ids, nullptr}, hooks, filter);
}

Expected<const Taps*> Engine::run_inputs(const Model& model, const Tensor& inputs, const Hooks& hooks,
                                         const TapFilter& filter) {
  return run_any(model, ForwardInput{{}, &inputs}, hooks, filter);
}

Expected<const Taps*> Engine::run_any(const Model& model, const ForwardInput& input, const Hooks& hooks,
                                      const TapFilter& filter) {
  const bool vectors = input.vectors != nullptr;
  const int64_t T = input.length();
  const int64_t width = vectors && input.vectors->rank() == 2 ? input.vectors->dim(1) : 1;
  const bool same_setup = valid_ && model_ == &model && version_ == model.weights.version &&
                          model_name_ == model.name && vectors_ == vectors && same_hooks(hooks_, hooks) &&
                          same_filter(filter_, filter);
  // Rows shared with the cached pass: causal attention keeps them unchanged.
  int64_t prefix = 0;
  if (same_setup) {
    const int64_t old_T = length_;
    if (vectors) {
      const int64_t old_w = old_T ? static_cast<int64_t>(inputs_.size()) / old_T : 0;
      if (old_w == width)
        while (prefix < std::min(old_T, T) &&
               std::memcmp(inputs_.data() + prefix * width, input.vectors->ptr() + prefix * width, width * sizeof(float)) == 0)
          ++prefix;
    } else {
      while (prefix < std::min<int64_t>(old_T, T) && ids_[prefix] == input.ids[prefix]) ++prefix;
    }
    if (prefix == T && T == old_T) {
      ++stats_.cache_hits;
      return &taps_;
    }
    if (!backend_->can_extend()) prefix = 0;
  }

  if (prefix > 0) {
    resize_taps(taps_, prefix, T);
    for (auto& k : cache_.k) truncate_rows(k, prefix, RowAxis::First);
    for (auto& v : cache_.v) truncate_rows(v, prefix, RowAxis::First);
    cache_.length = prefix;
  } else {
    taps_.named.clear();
    cache_.clear();
  }
  valid_ = false;  // until this pass succeeds
  Expected<void> r = backend_->can_extend()
                         ? backend_->extend(model, input, hooks, filter, cache_, taps_)
                         : (vectors ? backend_->forward_inputs(model, *input.vectors, hooks, filter, taps_)
                                    : backend_->forward(model, input.ids, hooks, filter, taps_));
  if (!r) {
    invalidate();
    return r.error();
  }
  ++(prefix > 0 ? stats_.incremental_passes : stats_.full_passes);
  stats_.rows_computed += T - prefix;
  valid_ = true;
  model_ = &model;
  version_ = model.weights.version;
  model_name_ = model.name;
  hooks_ = hooks;
  filter_ = filter;
  vectors_ = vectors;
  if (vectors)
    inputs_.assign(input.vectors->data.begin(), input.vectors->data.end());
  else
    ids_.assign(input.ids.begin(), input.ids.end());
  length_ = T;
  return &taps_;
}

}  // namespace ss
