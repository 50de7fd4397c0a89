#include "explorer/session.h"

#include <chrono>
#include <map>
#include <sstream>

#include "backends/registry.h"
#include "core/file.h"
#include "engine/engine.h"
#include "explorer/context_limit.h"
#include "explorer/timeline.h"
#include "model/loader.h"

namespace ss::explorer {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The backend a state's prompt runs on, with the Engine in front of it. The
// app has one; a state registered with own_session() (the compared model,
// compare.h) gets its own, so both go through the same path.
struct Live {
  std::string name;                          // AppState::backend it was made for
  std::unique_ptr<Engine> engine;
  std::shared_ptr<const LoadedModel> model;  // the pass in flight's model (kept alive)
  std::shared_ptr<Results> pending;          // its tokens; taps arrive with the pass
  SessionStats stats;
  // The results whose tap_set() is this engine's own taps (see detach_engine_taps).
  std::weak_ptr<const Results> sharing;
};

std::map<const AppState*, Live>& lives() {
  static std::map<const AppState*, Live> m;
  return m;
}
Live& main_live() {
  static Live l;
  return l;
}
Live& live(const AppState& s) {
  auto it = lives().find(&s);
  return it == lives().end() ? main_live() : it->second;
}

bool synchronous(const Live& l) { return l.engine->backend().capabilities().synchronous; }

// The results whose tap_set() is the live engine's own taps (no copy). Before
// the engine changes or drops them, whoever still holds those results gets a
// private copy, so published results never change: a panel still drawing
// them, or AppState itself when nothing replaces them (`replaced` false: the
// pass failed, or the backend changed). A keystroke whose new results replace
// the old ones copies nothing.
void detach_engine_taps(const AppState& s, bool replaced = false) {
  Live& l = live(s);
  std::shared_ptr<const Results> r = l.sharing.lock();
  if (!r || !r->shared_taps) return;
  const long others = r.use_count() - 1 - (s.results == r ? 1 : 0);
  if (others > 0 || (!replaced && s.results == r)) {
    r->taps = *r->shared_taps;
    ++l.stats.tap_copies;
  }
  r->shared_taps = nullptr;
  l.sharing.reset();
}

void drop_pass(Live& l) {
  l.model.reset();
  l.pending.reset();
  l.stats.in_flight = false;
}

// A fresh engine on backend `name`; false when it cannot be made here.
bool start_backend(AppState& s, Live& l, const std::string& name) {
  detach_engine_taps(s);
  drop_pass(l);
  l.engine.reset();
  l.name.clear();
  if (!backend_available(name)) return false;
  auto be = make_backend(name);
  if (!be) return false;
  l.engine = std::make_unique<Engine>(std::move(be));
  l.name = name;
  return true;
}

void fall_back(AppState& s, Live& l, const std::string& why) {
  s.backend_notice = why + ": switched to CPU";
  s.backend = "cpu";
  start_backend(s, l, "cpu");
  ++l.stats.fallbacks;
}

// The engine for AppState::backend: made when the pick changed, the CPU
// (with a notice) when the picked one cannot run here.
void pick_backend(AppState& s, Live& l) {
  if (s.backend.empty()) s.backend = "cpu";
  if (l.engine && l.name == s.backend) return;
  const std::string wanted = s.backend;
  if (start_backend(s, l, wanted)) return;
  const bool known = !backend_title(wanted).empty() && backend_available(wanted);
  fall_back(s, l, backend_title(wanted) + (known ? " could not start" : " is not available here"));
}

// Tokens of the current prompt, cut to the model's context with a notice.
std::shared_ptr<Results> tokenize(AppState& s) {
  auto r = std::make_shared<Results>();
  r->prompt_version = s.prompt_version;
  r->started = Clock::now();
  Tokens t = s.model->tokenizer.encode(s.prompt, s.settings.add_bos);
  s.notice = truncate_to_context(t, context_limit(s.model->model.config), s.prompt.size());
  r->tokens.ids = std::move(t.ids);
  r->tokens.ranges = std::move(t.ranges);
  for (int32_t id : r->tokens.ids) r->tokens.texts.push_back(s.model->tokenizer.token_bytes(id));
  r->tokenize_ms = ms_since(r->started);
  return r;
}

void publish(AppState& s, std::shared_ptr<Results> r) {
  s.last_tokenize_ms = r->tokenize_ms;
  s.last_forward_ms = r->forward_ms;
  s.token_count = static_cast<int>(r->tokens.ids.size());
  s.results = std::move(r);
  s.ready = true;
}

// Every tap but two that a keystroke would otherwise re-lay out in full (an
// appended token moves every row of [H, T, *] taps): the pre-softmax scores,
// which nothing reads, and head_out, which the analysis computes from z for
// the few heads it shows (head_out_rows) where the backend fills z. A long
// prompt on a backend that fills attn_lse keeps the compact taps instead.
TapFilter live_filter(const Backend& be, const ModelConfig& c, size_t T) {
  if (long_prompt(c, T) && be.capabilities().fills("attn_lse")) return compact_tap_filter();
  TapFilter f;
  f.skip = {"attn_scores"};
  if (be.capabilities().fills("z")) f.skip.insert("head_out");
  return f;
}

// A prompt whose pass failed on its backend (kFailed): computed on a CPU of
// its own, the results keeping a copy of the taps.
void run_on_cpu(AppState& s, std::shared_ptr<Results> r) {
  static Engine cpu;
  const auto t0 = Clock::now();
  auto taps = cpu.run(s.model->model, r->tokens.ids, {}, live_filter(cpu.backend(), s.model->model.config, r->tokens.ids.size()));
  r->forward_ms = ms_since(t0);
  ++live(s).stats.sync_passes;
  if (taps) r->taps = *taps.value(), r->has_taps = true;
  else s.last_error = taps.error().message;
  publish(s, std::move(r));
}

// The pass in flight landed (or failed): publish, or say why not. Returns
// false while it is still running.
bool collect(AppState& s, Live& l) {
  std::string err;
  const auto t0 = Clock::now();
  const Backend::Poll st = l.engine->poll(err, [&](bool replaced) { detach_engine_taps(s, replaced); });
  if (st == Backend::Poll::kPending) return false;
  const bool sync = synchronous(l);
  auto r = std::move(l.pending);
  const bool same_model = l.model == s.model;
  drop_pass(l);
  const std::string shown = backend_title(l.name);
  switch (st) {
    case Backend::Poll::kReady:
      if (!r || !same_model) return true;  // a result for a model since replaced is dropped
      r->shared_taps = &l.engine->taps();  // shared, not copied: see detach_engine_taps()
      r->has_taps = true;
      l.sharing = r;
      r->forward_ms = sync ? r->forward_ms + ms_since(t0) : l.engine->backend().last_ms();
      ++(sync ? l.stats.sync_passes : l.stats.delivered);
      if (!sync) s.last_forward_rows = static_cast<int>(l.engine->stats().last_rows);
      s.last_error.clear();
      publish(s, std::move(r));
      return true;
    case Backend::Poll::kFailed:
      if (sync) {
        s.last_error = err;
        if (r) publish(s, std::move(r));
        return true;
      }
      ++l.stats.failed;
      s.backend_notice = shown + " failed (" + err + "): this prompt ran on CPU";
      if (r && same_model) run_on_cpu(s, std::move(r));
      return true;
    case Backend::Poll::kLost:
      fall_back(s, l, shown + " device lost" + (err.empty() ? "" : " (" + err + ")"));
      return true;
    default:  // kIdle: the backend forgot the pass; ask again
      return true;
  }
}

// Starts the prompt's pass; a synchronous backend finishes it here.
void submit(AppState& s, Live& l, std::shared_ptr<Results> r) {
  const auto t0 = Clock::now();
  auto ok = l.engine->submit(s.model->model, ForwardInput{r->tokens.ids, nullptr}, {}, live_filter(l.engine->backend(), s.model->model.config, r->tokens.ids.size()),
                             [&](bool replaced) { detach_engine_taps(s, replaced); });
  if (!ok) {
    if (synchronous(l)) {  // the CPU refused the input: say why, keep the tokens
      s.last_error = ok.error().message;
      publish(s, std::move(r));
      return;
    }
    const std::string shown = backend_title(l.name);
    fall_back(s, l, shown + (l.engine && l.engine->backend().lost() ? " device lost (" : " could not run this model (") +
                        ok.error().message + ")");
    submit(s, l, std::move(r));  // on the CPU, in this frame
    return;
  }
  r->forward_ms = ms_since(t0);
  l.pending = std::move(r);
  l.model = s.model;
  if (synchronous(l)) {
    const int64_t rows0 = l.engine->stats().rows_computed;
    collect(s, l);
    s.last_forward_rows = static_cast<int>(l.engine->stats().rows_computed - rows0);
  } else {
    l.stats.in_flight = true;
    ++l.stats.submitted;
  }
}

}  // namespace

std::string describe(const LoadedModel& m) {
  const ModelConfig& c = m.model.config;
  std::ostringstream os;
  os << m.name << ": " << c.model_type << ", " << c.n_layers << " layers x " << c.n_heads
     << " heads, d=" << c.d_model;
  return os.str();
}
int model_layers(const LoadedModel& m) { return m.model.config.n_layers; }
int model_heads(const LoadedModel& m) { return m.model.config.n_heads; }

Expected<std::shared_ptr<const LoadedModel>> load_model_bytes(
    const std::string& name, std::string_view config_json, std::string_view tokenizer_json,
    std::span<const uint8_t> safetensors) {
  auto m = std::make_shared<LoadedModel>();
  m->name = name;
  auto model = load_model(config_json, safetensors, name);
  if (!model) return make_error("model '" + name + "': " + model.error().message);
  m->model = std::move(model.value());
  auto tok = load_tokenizer_for(tokenizer_json, m->model.config);
  if (!tok) return make_error("tokenizer.json of model '" + name + "': " + tok.error().message);
  m->tokenizer = std::move(tok.value());
  return std::shared_ptr<const LoadedModel>(std::move(m));
}

namespace {
// A training timeline's folder has no model.safetensors: it opens on its last
// checkpoint (timeline.h).
Expected<Model> read_model_dir(const std::string& name, const std::string& dir) {
  if (!read_text_file(dir + "/timeline.json").ok() || MappedFile::open(dir + "/model.safetensors").ok())
    return ss::load_model_dir(dir);
  auto weights = timeline_final_weights(dir);
  if (!weights) return weights.error();
  auto cfg = read_text_file(dir + "/config.json");
  if (!cfg) return cfg.error();
  auto st = MappedFile::open(dir + "/" + *weights);
  if (!st) return st.error();
  return load_model(*cfg, st->bytes(), name);
}
}  // namespace

Expected<std::shared_ptr<const LoadedModel>> load_model_dir(const std::string& name,
                                                            const std::string& dir) {
  auto model = read_model_dir(name, dir);
  if (!model) return make_error("model '" + name + "': " + model.error().message);
  auto tok_json = read_text_file(dir + "/tokenizer.json");
  if (!tok_json) return tok_json.error();
  auto tok = load_tokenizer_for(*tok_json, model->config);
  if (!tok) return make_error("tokenizer.json of model '" + name + "': " + tok.error().message);
  auto m = std::make_shared<LoadedModel>();
  m->name = name;
  m->model = std::move(*model);
  m->model.name = name;
  m->tokenizer = std::move(*tok);
  return std::shared_ptr<const LoadedModel>(std::move(m));
}

void install_model(AppState& s, Expected<std::shared_ptr<const LoadedModel>> m, bool keep_selection) {
  s.loading.clear();
  if (!m) {
    // A failed load keeps the model that was there (nothing is lost).
    s.last_error = m.error().message;
    if (!s.model) s.ready = false;
    return;
  }
  Live& l = live(s);
  detach_engine_taps(s, /*replaced=*/true);  // the results are dropped below
  drop_pass(l);
  if (l.engine) l.engine->invalidate();
  s.model = std::move(m.value());
  s.model_name = s.model->name;
  if (s.backend.empty()) s.backend = "cpu";  // keep a picked backend
  s.results.reset();
  s.last_error.clear();
  if (!keep_selection) s.sel = Selection{};
}

const SessionStats& session_stats() { return main_live().stats; }

void own_session(const AppState& s) { lives()[&s]; }

void reset_session() {
  auto reset = [](Live& l) {
    drop_pass(l);
    l.engine.reset();
    l.name.clear();
    l.stats = SessionStats{};
    l.sharing.reset();
  };
  reset(main_live());
  for (auto& kv : lives()) reset(kv.second);
}

void update(AppState& s) {
  if (!s.model) return;
  Live& l = live(s);
  pick_backend(s, l);
  if (l.stats.in_flight && !collect(s, l)) return;  // still running: the frame draws the previous results
  if (s.results && s.results->prompt_version == s.prompt_version) return;
  auto r = tokenize(s);
  if (r->tokens.ids.empty()) {  // nothing to run: publish the empty prompt at once
    s.last_error.clear();
    publish(s, std::move(r));
    return;
  }
  submit(s, l, std::move(r));
}

}  // namespace ss::explorer
