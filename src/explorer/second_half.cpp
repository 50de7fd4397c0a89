// The second half's explorer state (definitions: second_half.h).
#include "explorer/second_half.h"

#include <algorithm>

#include "analysis/probe_text.h"
#include "engine/engine.h"
#include "explorer/view.h"
#include "tokenizer/tokenizer.h"

namespace ss::explorer {
namespace {

struct State {
  SecondHalfView view;
  Pinned pinned;
  // Keys of what view holds.
  uint64_t prompt_version = 0;
  const void* model = nullptr;
  uint64_t weights_version = 0;
  AnalysisSettings settings;
  std::vector<int> label_key;  // labels the label probe was fitted on
  int label_layer = -1, label_head = -1;
  int catch_layer = -1, catch_head = -1;
  // The shipped probe set's passes, per model (they do not depend on the prompt).
  const void* probe_model = nullptr;
  uint64_t probe_weights = 0;
  std::vector<Taps> probe_taps;                   // [windows]
  std::vector<std::vector<std::string>> probe_texts;  // [windows][T]
};

State& state_() {
  static State st;
  return st;
}

// The probe text's windows (BOS + ctx - 1 tokens, a last partial one dropped,
// like the CLI's --probes) run once per model on a CPU engine of their own.
std::string ensure_probe_set(State& st, const ExplorerView& v) {
  const Model& m = *v.in.model;
  if (st.probe_model == v.in.model && st.probe_weights == m.weights.version && !st.probe_taps.empty()) return "";
  st.probe_taps.clear(), st.probe_texts.clear(), st.probe_model = nullptr;
  const Tokenizer* tok = v.in.tokenizer;
  if (!tok) return "the probe set needs the model's tokenizer";
  const int32_t bos = tok->bos_id() >= 0 ? tok->bos_id() : m.config.bos_token_id;
  if (bos < 0) return "the probe windows start with BOS, and this model has none";
  constexpr int kCtx = 64;  // the CLI's default --ctx
  const std::vector<int32_t> all = tok->encode(std::string(kProbeText), false).ids;
  Engine engine;
  TapFilter filter;  // what probe_catch reads
  filter.all = false, filter.names = {"attn_pattern", "resid_post", "head_out"};
  for (size_t b = 0; b + (kCtx - 1) <= all.size(); b += kCtx - 1) {
    std::vector<int32_t> w{bos};
    w.insert(w.end(), all.begin() + b, all.begin() + b + kCtx - 1);
    auto t = engine.run(m, w, {}, filter);
    if (!t) return t.error().message;
    st.probe_taps.push_back(**t);
    st.probe_texts.emplace_back();
    for (int32_t id : w) st.probe_texts.back().push_back(tok->token_bytes(id));
  }
  st.probe_model = v.in.model, st.probe_weights = m.weights.version;
  return "";
}

AnalysisSettings full_settings(const AppState& s) {
  AnalysisSettings st = analysis_settings(s);
  st.release_max_sinks = 0;  // release is the Release panel's; tags are all this needs
  st.tag_variance = false;
  return st;
}

}  // namespace

SecondHalfUi& second_half_ui() {
  static SecondHalfUi ui;
  return ui;
}

const Pinned& pinned() { return state_().pinned; }

bool pin(const ExplorerView& v, const AppState& s) {
  if (!v.in.ok()) return false;
  Pinned& p = state_().pinned;
  p.valid = true;
  p.prompt = s.prompt;
  p.chips = v.chips;
  p.analysis = v.analysis;
  p.cells = sink_map(v.analysis);
  p.loss = v.base.loss;
  second_half_ui().pinned = true;
  return true;
}

void unpin() {
  state_().pinned = Pinned{};
  second_half_ui().pinned = false;
}

void fit_labels(int T) { second_half_ui().labels.resize(std::max(T, 0), -1); }

const SecondHalfView* second_half_view() {
  const State& st = state_();
  const ExplorerView* v = explorer_view();
  return v && st.view.valid && st.view.generation == v->generation ? &st.view : nullptr;
}

const SecondHalfView* second_half_ensure(AppState& s, bool probes) {
  const ExplorerView* v = explorer_view();
  if (!v || !v->in.ok()) return nullptr;
  State& st = state_();
  SecondHalfView& sv = st.view;
  SecondHalfUi& ui = second_half_ui();
  fit_labels(v->T);
  const AnalysisSettings as = full_settings(s);
  const bool fresh = !sv.valid || st.prompt_version != v->in.prompt_version || st.model != v->in.model ||
                     st.weights_version != v->in.model->weights.version || st.settings != as;
  if (fresh) {
    sv = SecondHalfView{};
    sv.full = analyze(*v->in.model, *v->in.taps, as, v->in.texts);
    sv.sh = second_half(*v->in.model, *v->in.taps, sv.full, as);
    st.prompt_version = v->in.prompt_version, st.model = v->in.model;
    st.weights_version = v->in.model->weights.version, st.settings = as;
    st.label_key.clear(), st.label_layer = st.label_head = -1;
    st.catch_layer = st.catch_head = -1;
    sv.valid = true;
  }
  sv.generation = v->generation;
  if (!probes) return &sv;
  const ProbeSettings ps;
  // The user's labels: refit when they, the head or the prompt changed.
  const bool any = std::any_of(ui.labels.begin(), ui.labels.end(), [](int c) { return c >= 0; });
  if (!any) {
    sv.has_labels = false, st.label_key.clear();
  } else if (!sv.has_labels || st.label_key != ui.labels || st.label_layer != v->layer || st.label_head != v->head) {
    sv.label_probe = probe_labels(*v->in.model, *v->in.taps, v->layer, v->head, ui.labels, ps);
    sv.has_labels = true;
    st.label_key = ui.labels, st.label_layer = v->layer, st.label_head = v->head;
  }
  // The catch probe: on request; kept for its (prompt, head).
  if (sv.has_catch && (st.catch_layer != v->layer || st.catch_head != v->head)) sv.has_catch = false;
  if (ui.want_catch_probe) {
    ui.want_catch_probe = false;
    sv.probe_error = ensure_probe_set(st, *v);
    if (sv.probe_error.empty()) {
      std::vector<ProbeWindow> windows;
      for (size_t i = 0; i < st.probe_taps.size(); ++i) windows.push_back({&st.probe_taps[i], &st.probe_texts[i]});
      windows.push_back({v->in.taps, v->in.texts});
      sv.probe_windows = int(st.probe_taps.size());
      sv.catch_probe = probe_catch(*v->in.model, windows, v->layer, v->head, as, ps);
      sv.has_catch = true;
      st.catch_layer = v->layer, st.catch_head = v->head;
    }
  }
  return &sv;
}

bool resolve_clamp(const ExplorerView& v, ClampSpec& spec, std::vector<float>& medians, std::string* why) {
  const SecondHalfUi& ui = second_half_ui();
  auto fail = [&](const char* msg) {
    if (why) *why = msg;
    medians.clear();
    return false;
  };
  if (!ui.clamp) return fail("");
  if (!v.in.ok()) return fail("no prompt");
  const int L = v.in.model->config.n_layers, d = v.in.model->config.d_model;
  const Sink* sk = v.sink();
  spec = ClampSpec{};
  spec.from_layer = std::clamp(ui.clamp_layer, 0, std::max(L - 1, 0));
  int token = ui.clamp_token;
  if (token == -2) {
    if (!sk) return fail("the selected head has no sink: pick a token to clamp");
    token = sk->key;
  }
  if (token >= v.T) return fail("the clamp token is beyond the prompt");
  if (token >= 0) spec.tokens = {token};
  spec.dim = ui.clamp_dim;
  if (spec.dim < 0) spec.dim = top_outlier_dim(*v.in.taps, sk ? sk->layer : v.layer, token >= 0 ? token : 0);
  if (spec.dim < 0 || spec.dim >= d) return fail("no such residual dimension");
  medians = clamp_medians(*v.in.taps, L, spec.dim);
  if (medians.empty()) return fail("the live pass has no resid_pre taps");
  if (why) why->clear();
  return true;
}

}  // namespace ss::explorer
