#include "explorer/session_async.h"

#include <chrono>
#include <memory>
#include <string>

#include "explorer/backends.h"
#include "explorer/context_limit.h"
#include "explorer/session.h"

namespace ss::explorer {

namespace {

struct AsyncSession {
  std::unique_ptr<AsyncBackend> be;
  std::string name;                           // which backend `be` is
  std::shared_ptr<const LoadedModel> model;   // the request in flight's model (kept alive)
  std::shared_ptr<Results> pending;           // its tokens; taps arrive on kReady
  AsyncStats stats;
};

AsyncSession& session() {
  static AsyncSession a;
  return a;
}

void drop(AsyncSession& a) {
  a.be.reset();
  a.name.clear();
  a.model.reset();
  a.pending.reset();
  a.stats.in_flight = false;
}

void fall_back(AppState& s, AsyncSession& a, const std::string& why) {
  s.backend_notice = why + ": switched to CPU";
  s.backend = "cpu";
  drop(a);
  ++a.stats.fallbacks;
}

// The same tokens the CPU path (session.cpp update()) makes, cut to the
// model's context with the same notice.
std::shared_ptr<Results> tokenize(AppState& s) {
  auto r = std::make_shared<Results>();
  r->prompt_version = s.prompt_version;
  auto t0 = std::chrono::steady_clock::now();
  Tokens t = s.model->tokenizer.encode(s.prompt, s.settings.add_bos);
  s.notice = truncate_to_context(t, context_limit(s.model->model.config), s.prompt.size());
  r->tokens.ids = std::move(t.ids);
  r->tokens.ranges = std::move(t.ranges);
  for (int32_t id : r->tokens.ids) r->tokens.texts.push_back(s.model->tokenizer.token_bytes(id));
  r->tokenize_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void publish(AppState& s, std::shared_ptr<Results> r) {
  s.last_tokenize_ms = r->tokenize_ms;
  s.last_forward_ms = r->forward_ms;
  s.token_count = static_cast<int>(r->tokens.ids.size());
  s.results = std::move(r);
  s.last_error.clear();
  s.ready = true;
}

}  // namespace

const char* backend_display_name(const char* name) {
  const std::string n = name ? name : "";
  if (n == "webgpu") return "WebGPU";
  if (n == "ort") return "ONNX Runtime Web";
  if (n == "cpu") return "CPU";
  return name;
}

const AsyncStats& async_stats() { return session().stats; }

void reset_async_session() {
  AsyncSession& a = session();
  drop(a);
  a.stats = AsyncStats{};
}

bool update_async(AppState& s) {
  AsyncSession& a = session();
  if (s.backend == "cpu" || s.backend.empty()) {
    if (a.be) drop(a);  // switched back by the user: a result in flight is dropped
    s.backend = "cpu";
    return false;
  }
  if (!is_async_backend(s.backend) || !backend_available(s.backend)) {
    fall_back(s, a, std::string(backend_display_name(s.backend.c_str())) + " is not available here");
    return false;
  }
  if (!a.be || a.name != s.backend) {
    drop(a);
    a.be = make_async_backend(s.backend);
    a.name = s.backend;
    if (!a.be) {
      fall_back(s, a, std::string(backend_display_name(s.backend.c_str())) + " could not start");
      return false;
    }
  }
  if (!s.model) return true;
  const std::string shown = backend_display_name(a.name.c_str());

  if (a.stats.in_flight) {
    Taps taps;
    std::string err;
    switch (a.be->poll(taps, err)) {
      case AsyncBackend::Poll::kPending:
        return true;
      case AsyncBackend::Poll::kReady: {
        a.stats.in_flight = false;
        auto r = std::move(a.pending);
        const bool same_model = a.model == s.model;
        a.model.reset();
        if (same_model && r) {  // a result for a model since replaced is dropped
          r->taps = std::move(taps);
          r->has_taps = true;
          r->forward_ms = a.be->last_ms();
          publish(s, std::move(r));
          ++a.stats.delivered;
        }
        break;  // a newer prompt may be waiting: submit it below
      }
      case AsyncBackend::Poll::kFailed:
        a.stats.in_flight = false;
        a.pending.reset();
        a.model.reset();
        ++a.stats.failed;
        s.backend_notice = shown + " failed (" + err + "): this prompt ran on CPU";
        return false;
      case AsyncBackend::Poll::kLost:
        fall_back(s, a, shown + " device lost" + (err.empty() ? "" : " (" + err + ")"));
        return false;
      case AsyncBackend::Poll::kIdle:
        a.stats.in_flight = false;  // the backend forgot the request: ask again
        break;
    }
  }

  if (s.results && s.results->prompt_version == s.prompt_version) return true;
  auto r = tokenize(s);
  if (r->tokens.ids.empty()) {  // nothing to run: publish the empty prompt at once
    publish(s, std::move(r));
    return true;
  }
  auto ok = a.be->submit(s.model->model, s.model->name, ForwardInput{r->tokens.ids, nullptr}, Hooks{}, TapFilter{});
  if (!ok) {
    fall_back(s, a, shown + (a.be->lost() ? " device lost (" : " could not run this model (") + ok.error().message + ")");
    return false;
  }
  a.pending = std::move(r);
  a.model = s.model;
  a.stats.in_flight = true;
  ++a.stats.submitted;
  return true;
}

}  // namespace ss::explorer
