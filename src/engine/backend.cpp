#include "engine/backend.h"

#include <algorithm>
#include <chrono>

#include "engine/validate.h"

namespace ss {

bool Capabilities::runs(Family f) const { return std::find(families.begin(), families.end(), f) != families.end(); }
bool Capabilities::fills(std::string_view tap_kind) const {
  return std::find(taps.begin(), taps.end(), tap_kind) != taps.end();
}
bool Capabilities::applies(HookKind k) const { return std::find(hooks.begin(), hooks.end(), k) != hooks.end(); }

Expected<void> Backend::submit(Pass pass) {
  if (auto e = validate_pass(pass, capabilities(), name()); !e) return e;
  return start(std::move(pass));
}

Expected<void> Backend::run(Pass pass, Taps& out) {
  if (!capabilities().synchronous)
    return make_error(std::string(name()) + " backend is asynchronous: submit() and poll() it from a frame loop");
  if (auto e = submit(std::move(pass)); !e) return e;
  std::string error;
  switch (poll(out, error)) {
    case Poll::kReady: return {};
    case Poll::kFailed:
    case Poll::kLost: return make_error(error);
    default: return make_error(std::string(name()) + " backend did not finish a synchronous pass");
  }
}

Expected<void> Backend::forward(const Model& model, std::span<const int32_t> ids, const Hooks& hooks,
                                const TapFilter& filter, Taps& out) {
  return run(Pass{&model, model.name, ForwardInput{ids, nullptr}, hooks, filter}, out);
}

Expected<void> Backend::forward_inputs(const Model& model, const Tensor& inputs, const Hooks& hooks,
                                       const TapFilter& filter, Taps& out) {
  return run(Pass{&model, model.name, ForwardInput{{}, &inputs}, hooks, filter}, out);
}

Expected<void> Backend::extend(const Model& model, const ForwardInput& input, const Hooks& hooks,
                               const TapFilter& filter, KvCache& cache, Taps& out) {
  Pass p{&model, model.name, input, hooks, filter, &cache, std::move(out)};
  out.named.clear();
  return run(std::move(p), out);
}

Expected<void> SyncBackend::start(Pass pass) {
  ready_ = false;
  const auto t0 = std::chrono::steady_clock::now();
  if (auto e = compute(pass); !e) return e;
  last_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  result_ = std::move(pass.taps);
  ready_ = true;
  return {};
}

Backend::Poll SyncBackend::poll(Taps& out, std::string& error) {
  (void)error;
  if (!ready_) return Poll::kIdle;
  ready_ = false;
  out = std::move(result_);
  result_.named.clear();
  return Poll::kReady;
}

}  // namespace ss
