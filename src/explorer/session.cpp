#include "explorer/session.h"
#include "explorer/session_async.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "explorer/context_limit.h"
#include "engine/engine.h"
#include "model/loader.h"

namespace ss::explorer {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// One engine for the app's live prompt: its cache makes typing at the end of
// the prompt cost only the new tokens.
Engine& live_engine() {
  static Engine e;
  return e;
}

// The results whose tap_set() is the live engine's own taps (no copy). Before
// the engine changes or drops them, whoever still holds those results besides
// AppState gets a private copy, so published results never change.
std::weak_ptr<const Results>& sharing_engine_taps() {
  static std::weak_ptr<const Results> r;
  return r;
}
void detach_engine_taps(const AppState& s) {
  std::shared_ptr<const Results> r = sharing_engine_taps().lock();
  if (!r || !r->shared_taps) return;
  const long others = r.use_count() - 1 - (s.results == r ? 1 : 0);
  if (others > 0) r->taps = *r->shared_taps;
  r->shared_taps = nullptr;
  sharing_engine_taps().reset();
}

Expected<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error("cannot open " + path + " (missing file?)");
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
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
  auto tok = Tokenizer::from_json(tokenizer_json);
  if (!tok) return make_error("tokenizer.json of model '" + name + "': " + tok.error().message);
  m->tokenizer = std::move(tok.value());
  // A tokenizer.json from another model: ids past the embedding would read
  // outside it. (A config may pad its vocabulary past the tokenizer's.)
  const int tv = m->tokenizer.vocab_size(), cv = m->model.config.vocab_size;
  if (tv > cv || tv * 2 < cv)
    return make_error("tokenizer.json of model '" + name + "' has " + std::to_string(tv) +
                      " tokens but config.json says vocab_size " + std::to_string(cv) +
                      ": is the tokenizer from another model?");
  // GPT-2 style tokenizers name no BOS; config.json does.
  if (m->tokenizer.bos_id() < 0 && m->model.config.bos_token_id >= 0)
    m->tokenizer.set_bos_id(m->model.config.bos_token_id);
  return std::shared_ptr<const LoadedModel>(std::move(m));
}

Expected<std::shared_ptr<const LoadedModel>> load_model_dir(const std::string& name,
                                                            const std::string& dir) {
  auto cfg = read_file(dir + "/config.json");
  if (!cfg) return cfg.error();
  auto tok = read_file(dir + "/tokenizer.json");
  if (!tok) return tok.error();
  auto st = read_file(dir + "/model.safetensors");
  if (!st) return st.error();
  const std::string& b = st.value();
  return load_model_bytes(name, cfg.value(), tok.value(),
                          {reinterpret_cast<const uint8_t*>(b.data()), b.size()});
}

void install_model(AppState& s, Expected<std::shared_ptr<const LoadedModel>> m) {
  s.loading.clear();
  if (!m) {
    // A failed load keeps the model that was there (nothing is lost).
    s.last_error = m.error().message;
    if (!s.model) s.ready = false;
    return;
  }
  detach_engine_taps(s);
  live_engine().invalidate();
  s.model = std::move(m.value());
  s.model_name = s.model->name;
  if (s.backend.empty()) s.backend = live_engine().backend().name();  // keep a picked async backend
  s.results.reset();
  s.last_error.clear();
  s.sel = Selection{};
}

void update(AppState& s) {
  if (!s.model) return;
  if (update_async(s)) return;  // webgpu, ort: session_async.cpp
  if (s.results && s.results->prompt_version == s.prompt_version) return;
  auto r = std::make_shared<Results>();
  r->prompt_version = s.prompt_version;

  auto t0 = Clock::now();
  r->started = t0;
  Tokens t = s.model->tokenizer.encode(s.prompt, s.settings.add_bos);
  s.notice = truncate_to_context(t, context_limit(s.model->model.config), s.prompt.size());
  r->tokens.ids = std::move(t.ids);
  r->tokens.ranges = std::move(t.ranges);
  for (int32_t id : r->tokens.ids) r->tokens.texts.push_back(s.model->tokenizer.token_bytes(id));
  r->tokenize_ms = ms_since(t0);

  s.last_error.clear();
  if (!r->tokens.ids.empty()) {
    detach_engine_taps(s);
    auto t1 = Clock::now();
    const int64_t rows0 = live_engine().stats().rows_computed;
    // Every tap but two that a keystroke would otherwise re-lay out in full
    // (an appended token moves every row of [H, T, *] taps): the pre-softmax
    // scores, which nothing reads, and head_out, which the analysis computes
    // from z for the few heads it shows (head_out_rows).
    TapFilter live;
    live.skip = {"attn_scores", "head_out"};
    auto taps = live_engine().run(s.model->model, r->tokens.ids, {}, live);
    r->forward_ms = ms_since(t1);
    s.last_forward_rows = static_cast<int>(live_engine().stats().rows_computed - rows0);
    if (taps) {
      r->shared_taps = taps.value();  // shared, not copied: see sharing_engine_taps()
      r->has_taps = true;
      sharing_engine_taps() = r;
    } else {
      s.last_error = taps.error().message;
    }
  }
  s.last_tokenize_ms = r->tokenize_ms;
  s.last_forward_ms = r->forward_ms;
  s.token_count = static_cast<int>(r->tokens.ids.size());
  s.results = std::move(r);
  s.ready = true;
}

}  // namespace ss::explorer
