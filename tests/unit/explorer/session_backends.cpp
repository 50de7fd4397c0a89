// The app's policy around asynchronous backends (src/explorer/session.cpp),
// checked without a browser: fake asynchronous Backends that wrap the CPU
// backend and finish on the next poll, or report kLost / kFailed / a failed
// submit. The session's update() runs exactly as in the app.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include "explorer/app_state.h"
#include "backends/registry.h"
#include "explorer/session.h"
#include "core/file.h"
#include "engine/backend.h"
#include "model/loader.h"

using namespace ss;
using namespace ss::explorer;

namespace {

std::string read_all(const std::string& path) {
  auto f = MappedFile::open(path);
  REQUIRE(f);
  auto b = f->bytes();
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::shared_ptr<const LoadedModel> tiny_chars() {
  const std::string dir = std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/models/tiny-chars/";
  auto m = std::make_shared<LoadedModel>();
  m->name = "tiny-chars";
  const std::string cfg = read_all(dir + "config.json"), tok = read_all(dir + "tokenizer.json");
  const std::string st = read_all(dir + "model.safetensors");
  auto model = load_model(cfg, {reinterpret_cast<const uint8_t*>(st.data()), st.size()}, "tiny-chars");
  REQUIRE(model);
  m->model = std::move(*model);
  auto t = Tokenizer::from_json(tok);
  REQUIRE(t);
  m->tokenizer = std::move(*t);
  return m;
}

// What each fake does; shared so the test can look inside after the app owns it.
struct Script {
  enum Mode { kNextPoll, kLostOnPoll, kFailOnPoll, kFailSubmit } mode = kNextPoll;
  int submits = 0, polls = 0;
  std::string last_model_name;
};

// Runs the CPU backend at submit time and hands the taps out on the next poll.
class FakeAsync final : public Backend {
 public:
  explicit FakeAsync(std::shared_ptr<Script> s) : s_(std::move(s)) {}
  const char* name() const override { return "fake"; }
  const Capabilities& capabilities() const override {
    static const Capabilities caps = [] {
      Capabilities c = make_cpu_backend()->capabilities();
      c.incremental = c.synchronous = false;
      return c;
    }();
    return caps;
  }
  Expected<void> start(Pass pass) override {
    ++s_->submits;
    s_->last_model_name = pass.model_name;
    if (s_->mode == Script::kFailSubmit) return make_error("no adapter");
    taps_ = Taps{};
    auto r = cpu_->forward(*pass.model, pass.input.ids, pass.hooks, pass.filter, taps_);
    if (!r) return r;
    pending_ = true;
    return {};
  }
  Poll poll(Taps& out, std::string& error) override {
    ++s_->polls;
    if (!pending_) return Poll::kIdle;
    pending_ = false;
    if (s_->mode == Script::kLostOnPoll) return error = "device destroyed", Poll::kLost;
    if (s_->mode == Script::kFailOnPoll) return error = "hook not supported", Poll::kFailed;
    out = std::move(taps_);
    return Poll::kReady;
  }
  double last_ms() const override { return 1.5; }

 private:
  std::shared_ptr<Script> s_;
  std::unique_ptr<Backend> cpu_ = make_cpu_backend();
  Taps taps_;
  bool pending_ = false;
};

// One frame of the app's session; cpu_runs counts the CPU's passes.
int64_t cpu_base = 0;
int64_t cpu_runs() { return session_stats().sync_passes - cpu_base; }
void frame(AppState& s) { update(s); }

std::shared_ptr<Script> install_fake(Script::Mode mode) {
  auto script = std::make_shared<Script>();
  script->mode = mode;
  register_backend({"fake", "fake", [script] { return std::make_unique<FakeAsync>(script); }, {}});
  reset_session();
  cpu_base = session_stats().sync_passes;
  return script;
}

AppState fresh_state() {
  AppState s;
  s.model = tiny_chars();
  s.prompt = "the cat sat.";
  s.backend = "fake";
  return s;
}

}  // namespace

TEST_CASE("async backend: result arrives on a later frame, previous results drawn meanwhile", "[async]") {
  auto script = install_fake(Script::kNextPoll);
  AppState s = fresh_state();
  frame(s);  // submits
  CHECK(script->submits == 1);
  CHECK(script->last_model_name == "tiny-chars");
  CHECK(session_stats().in_flight);
  CHECK(s.results == nullptr);  // nothing yet: the frame did not block
  CHECK_FALSE(s.ready);
  frame(s);  // polls: ready
  REQUIRE(s.results);
  CHECK(s.ready);
  CHECK(s.results->prompt_version == s.prompt_version);
  CHECK(s.results->has_taps);
  CHECK(s.last_forward_ms == 1.5);
  CHECK(s.token_count == static_cast<int>(s.results->tokens.ids.size()));
  const Tensor* logits = s.results->tap_set().get("logits");
  REQUIRE(logits);
  CHECK(logits->dim(0) == s.token_count);
  CHECK(s.results->tokens.texts.size() == s.results->tokens.ids.size());

  // A new prompt: the old results stay until the new ones arrive.
  auto before = s.results;
  s.set_prompt("the cat sat. the dog ran.");
  frame(s);
  CHECK(s.results == before);
  CHECK(script->submits == 2);
  frame(s);
  CHECK(s.results != before);
  CHECK(s.results->prompt_version == s.prompt_version);
  CHECK(cpu_runs() == 0);
  frame(s);  // nothing changed: no new request
  CHECK(script->submits == 2);
  CHECK(s.backend == "fake");
  CHECK(s.backend_notice.empty());
  CHECK(session_stats().delivered == 2);
}

TEST_CASE("async backend: edits while a request runs wait for it, then the newest prompt goes", "[async]") {
  auto script = install_fake(Script::kNextPoll);
  AppState s = fresh_state();
  frame(s);
  s.set_prompt("a");
  s.set_prompt("ab");  // two edits while the first request is in flight
  frame(s);            // first result lands (stale but newer than nothing), newest submitted
  REQUIRE(s.results);
  CHECK(s.results->prompt_version == 1);
  CHECK(script->submits == 2);
  frame(s);
  CHECK(s.results->prompt_version == s.prompt_version);
  CHECK(script->submits == 2);  // "a" was never run on its own
}

TEST_CASE("async backend: device lost switches to CPU, keeps prompt, selection, results", "[async]") {
  auto script = install_fake(Script::kNextPoll);
  AppState s = fresh_state();
  frame(s);
  frame(s);
  REQUIRE(s.results);
  s.sel.layer = 1, s.sel.head = 3;
  auto before = s.results;
  script->mode = Script::kLostOnPoll;
  s.set_prompt("the cat sat on the mat.");
  frame(s);  // submitted; previous results drawn
  CHECK(s.results == before);
  frame(s);  // kLost: fall back, CPU recomputes in the same frame
  CHECK(s.backend == "cpu");
  CHECK(s.backend_notice.find("device lost") != std::string::npos);
  CHECK(s.backend_notice.find("switched to CPU") != std::string::npos);
  CHECK(cpu_runs() == 1);
  CHECK(s.prompt == "the cat sat on the mat.");
  CHECK(s.sel.layer == 1);
  CHECK(s.sel.head == 3);
  REQUIRE(s.results);
  CHECK(s.results->prompt_version == s.prompt_version);
  CHECK(session_stats().fallbacks == 1);
  // Typing keeps updating, on CPU, and the fake is not asked again.
  s.set_prompt("the cat sat on the mat. it");
  frame(s);
  CHECK(cpu_runs() == 2);
  CHECK(s.results->prompt_version == s.prompt_version);
  CHECK(script->submits == 2);
}

TEST_CASE("async backend: a failed submit falls back at once", "[async]") {
  auto script = install_fake(Script::kFailSubmit);
  AppState s = fresh_state();
  frame(s);
  CHECK(script->submits == 1);
  CHECK(s.backend == "cpu");
  CHECK(s.backend_notice.find("no adapter") != std::string::npos);
  CHECK(cpu_runs() == 1);
  REQUIRE(s.results);
  CHECK(s.results->has_taps);
}

TEST_CASE("async backend: kFailed runs that prompt on CPU and keeps the backend", "[async]") {
  auto script = install_fake(Script::kFailOnPoll);
  AppState s = fresh_state();
  frame(s);
  frame(s);
  CHECK(cpu_runs() == 1);
  CHECK(s.backend == "fake");
  CHECK(s.backend_notice.find("hook not supported") != std::string::npos);
  REQUIRE(s.results);
  CHECK(s.results->prompt_version == s.prompt_version);
  script->mode = Script::kNextPoll;
  s.set_prompt("next");
  frame(s);
  frame(s);
  CHECK(cpu_runs() == 1);
  CHECK(script->submits == 2);
  CHECK(s.results->prompt_version == s.prompt_version);
}

TEST_CASE("async backend: unknown or unavailable names fall back; the registry lists what is usable", "[async]") {
  install_fake(Script::kNextPoll);
  bool usable = false;
  register_backend({"maybe", "", [] { return std::unique_ptr<Backend>(); }, [&usable] { return usable; }});
  auto names = available_backends();
  REQUIRE(!names.empty());
  CHECK(names.front() == "cpu");
  CHECK(std::count(names.begin(), names.end(), "fake") == 1);
  CHECK(std::count(names.begin(), names.end(), "maybe") == 0);
  usable = true;
  names = available_backends();
  CHECK(std::count(names.begin(), names.end(), "maybe") == 1);
  usable = false;

  AppState s = fresh_state();
  s.backend = "maybe";
  frame(s);
  CHECK(s.backend == "cpu");
  CHECK(s.backend_notice.find("not available") != std::string::npos);
  CHECK(cpu_runs() == 1);
  s.backend = "nonexistent";
  s.set_prompt("x");
  frame(s);
  CHECK(s.backend == "cpu");
  CHECK(cpu_runs() == 2);
  unregister_backend("maybe");
  unregister_backend("fake");
}
