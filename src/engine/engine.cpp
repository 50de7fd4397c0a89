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
        a[i].position != b[i].position || a[i].vec != b[i].vec || a[i].dim != b[i].dim)
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
  if (auto e = submit(model, input, hooks, filter); !e) return e.error();
  std::string error;
  switch (poll(error)) {
    case Backend::Poll::kReady: return &taps_;
    case Backend::Poll::kFailed:
    case Backend::Poll::kLost: return make_error(error);
    default: return make_error(std::string(backend_->name()) + " backend is asynchronous: use submit() and poll()");
  }
}

Expected<void> Engine::submit(const Model& model, const ForwardInput& input, const Hooks& hooks,
                              const TapFilter& filter, const BeforeChange& before_change) {
  const Capabilities& caps = backend_->capabilities();
  // Rows kept from the cached pass need a backend that extends a KV cache.
  const bool incremental = caps.incremental;
  const bool vectors = input.vectors != nullptr;
  const int64_t T = input.length();
  const int64_t width = vectors && input.vectors->rank() == 2 ? input.vectors->dim(1) : 1;
  const bool same_setup = valid_ && model_ == &model && version_ == model.weights.version &&
                          model_name_ == model.name && vectors_ == vectors && same_hooks(hooks_, hooks) &&
                          same_filter(filter_, filter);
  Pending p{&model, hooks, filter, {}, {}, vectors, T, 0, false};
  // Rows shared with the cached pass: causal attention keeps them unchanged.
  if (same_setup) {
    const int64_t old_T = length_;
    if (vectors) {
      const int64_t old_w = old_T ? static_cast<int64_t>(inputs_.size()) / old_T : 0;
      if (old_w == width)
        while (p.prefix < std::min(old_T, T) &&
               std::memcmp(inputs_.data() + p.prefix * width, input.vectors->ptr() + p.prefix * width,
                           width * sizeof(float)) == 0)
          ++p.prefix;
    } else {
      while (p.prefix < std::min<int64_t>(old_T, T) && ids_[p.prefix] == input.ids[p.prefix]) ++p.prefix;
    }
    p.hit = p.prefix == T && T == old_T;
    if (!incremental) p.prefix = 0;
  }
  if (vectors) p.inputs.assign(input.vectors->data.begin(), input.vectors->data.end());
  else p.ids.assign(input.ids.begin(), input.ids.end());
  pending_ = std::move(p);
  in_flight_ = true;
  if (pending_.hit) return {};

  Pass pass{&model, model.name, input, hooks, filter};
  if (incremental) {
    // A synchronous backend finishes inside submit(): the taps move into the
    // pass and come back extended. An asynchronous one (WebGPU) answers
    // frames later, and the taps shown meanwhile must stay as they are: it
    // gets a copy of the kept rows instead (one copy per edit).
    const bool sync = caps.synchronous;
    if (sync && before_change) before_change(true);
    pending_.kv_in_cache = pass.kv_in_cache = sync;
    if (pending_.prefix > 0) {
      Taps earlier;
      if (!sync) earlier = taps_;
      Taps& kept = sync ? taps_ : earlier;
      if (sync) unfold_cache(kept);
      resize_taps(kept, pending_.prefix, T);
      for (auto& k : cache_.k) truncate_rows(k, pending_.prefix, RowAxis::First);
      for (auto& v : cache_.v) truncate_rows(v, pending_.prefix, RowAxis::First);
      cache_.length = pending_.prefix;
      pass.taps = std::move(kept);
    } else {
      cache_.clear();
    }
    if (sync) {
      taps_.named.clear();
      valid_ = false;  // until this pass lands
    }
    pass.cache = &cache_;
  }
  if (auto e = backend_->submit(std::move(pass)); !e) {
    in_flight_ = false;
    if (before_change) before_change(false);
    invalidate();
    return e;
  }
  return {};
}

Backend::Poll Engine::poll(std::string& error, const BeforeChange& before_change) {
  if (!in_flight_) return Backend::Poll::kIdle;
  if (pending_.hit) {
    in_flight_ = false;
    ++stats_.cache_hits;
    return Backend::Poll::kReady;
  }
  Taps incoming;
  const Backend::Poll st = backend_->poll(incoming, error);
  if (st == Backend::Poll::kPending) return st;
  in_flight_ = false;
  if (before_change) before_change(st == Backend::Poll::kReady);
  if (st != Backend::Poll::kReady) {
    invalidate();
    return st;
  }
  taps_ = std::move(incoming);
  commit(pending_);
  if (pending_.kv_in_cache) fold_cache(pending_);
  return st;
}

void Engine::fold_cache(const Pending& p) {
  const ModelConfig& c = p.model->config;
  const int64_t hkv = c.n_kv_heads > 0 ? c.n_kv_heads : c.n_heads;
  for (size_t l = 0; l < cache_.k.size() && l < cache_.v.size(); ++l)
    for (auto [what, t] : {std::pair{"k", &cache_.k[l]}, std::pair{"v", &cache_.v[l]}}) {
      const std::string name = tap_name(int(l), what);
      if (t->empty() || !p.filter.wants(name)) continue;
      Tensor moved = std::move(*t);
      *t = Tensor();  // folded: unfold_cache() finds it in the taps
      moved.shape = {cache_.length, hkv, c.d_head};
      taps_.named[name] = std::move(moved);
    }
}

void Engine::unfold_cache(Taps& kept) {
  for (size_t l = 0; l < cache_.k.size() && l < cache_.v.size(); ++l)
    for (auto [what, t] : {std::pair{"k", &cache_.k[l]}, std::pair{"v", &cache_.v[l]}}) {
      auto it = kept.named.find(tap_name(int(l), what));
      if (!t->empty() || it == kept.named.end() || it->second.rank() != 3) continue;
      Tensor back = std::move(it->second);
      kept.named.erase(it);
      back.shape = {back.dim(0), back.dim(1) * back.dim(2)};
      *t = std::move(back);
    }
}

void Engine::commit(const Pending& p) {
  // What the backend says it computed: it may have run the whole input when
  // it could not use the cache (WebGPU after a superseded pass).
  const int64_t reported = backend_->last_rows();
  const int64_t rows = reported >= 0 ? reported : p.length - p.prefix;
  ++(rows < p.length ? stats_.incremental_passes : stats_.full_passes);
  stats_.rows_computed += rows;
  stats_.last_rows = rows;
  valid_ = true;
  model_ = p.model;
  version_ = p.model->weights.version;
  model_name_ = p.model->name;
  hooks_ = p.hooks;
  filter_ = p.filter;
  vectors_ = p.vectors;
  inputs_ = p.inputs;
  ids_ = p.ids;
  length_ = p.length;
}

}  // namespace ss
