#include "explorer/compare.h"

#include <algorithm>
#include <cmath>

#include "analysis/pattern.h"
#include "explorer/model_fetch.h"
#include "explorer/session.h"
#include "explorer/summary.h"
#include "explorer/token_text.h"

namespace ss::explorer {
namespace {

CompareState g_cmp;
uint64_t g_load_id = 0;  // a newer compare_set() drops an older load's answer
int g_layer = -1, g_head = -1;
const void* g_model = nullptr;

// sink_slot_share of every head when the model has a sink slot (analysis.h).
void fill_outliers(CompareSide& c, const Analysis& an, const Taps& taps) {
  c.outlier_ratio.assign(c.L, 0.f);
  c.bos_ratio.assign(c.L, 0.f);
  for (int l = 0; l < c.L && l < int(an.massive.size()); ++l) {
    const LayerMassive& m = an.massive[l];
    if (m.median_abs > 0) c.outlier_ratio[l] = m.max_abs / m.median_abs;
    const Tensor* r = taps.get(l, "resid_post");  // [T, d]
    if (!r || r->dim(0) < 1 || m.median_abs <= 0) continue;
    float mx = 0;
    for (int64_t j = 0; j < r->dim(1); ++j) mx = std::max(mx, std::fabs(r->at(0, j)));
    c.bos_ratio[l] = mx / m.median_abs;
  }
}

// The selected head's sinks and the sink that caught each token (the one that
// gives it the most attention), as the token strip colours them.
void fill_head(CompareSide& c, const Model& model, const Analysis& an, const Taps& taps) {
  c.head_sink_keys.clear();
  c.caught_by.assign(c.T, -1);
  std::vector<const Sink*> hs;
  for (const Sink& s : an.sinks)
    if (s.layer == c.layer && s.head == c.head) hs.push_back(&s), c.head_sink_keys.push_back(s.key);
  const LayerPattern a(model, taps, c.layer);  // [H, T, T], kept or recomputed
  if (!a.ok() || c.head >= a.heads()) return;
  for (int i = 0; i < c.T && i < a.T(); ++i) {
    float best = -1;
    for (size_t k = 0; k < hs.size(); ++k) {
      if (!std::binary_search(hs[k]->caught.begin(), hs[k]->caught.end(), i)) continue;
      const float w = a.at(c.head, i, hs[k]->key);
      if (w > best) best = w, c.caught_by[i] = int(k);
    }
  }
}

void fill_common(CompareSide& c, const Analysis& an) {
  c.sink1_share = an.sink1_share;
  c.map = sink_map(an);
  c.max_sink_score = 0;
  for (const Sink& s : an.sinks) c.max_sink_score = std::max(c.max_sink_score, s.score);
  c.sink_slot_share = an.sink_slot_share;
}

Analysis g_analysis;  // the compared model's analysis of its current results

}  // namespace

CompareSide side_of_view(const ExplorerView& v, const std::string& name) {
  CompareSide c;
  c.name = name;
  c.L = v.L, c.H = v.H, c.T = v.T;
  c.layer = v.layer, c.head = v.head;
  c.loss = v.base.loss;
  c.chips = v.chips;
  fill_common(c, v.analysis);
  fill_outliers(c, v.analysis, *v.in.taps);
  c.caught_by = v.caught_by;
  for (int idx : v.head_sinks) c.head_sink_keys.push_back(v.analysis.sinks[idx].key);
  return c;
}

AppState& compare_app_state() {
  static AppState& s = [] () -> AppState& {
    static AppState st;
    own_session(st);  // its own engine beside the app's
    return st;
  }();
  return s;
}
const CompareState& compare_state() { return g_cmp; }

void compare_set(const std::string& name) {
  if (name == g_cmp.name && (g_cmp.ready || g_cmp.status.rfind("loading", 0) == 0)) return;
  if (name.empty()) {
    ++g_load_id;
    g_cmp = CompareState{};
    compare_app_state().model.reset();
    compare_app_state().results.reset();
    return;
  }
  if (!valid_model_name(name)) {
    g_cmp.status = "compare: '" + name + "' is not a model folder name";
    return;
  }
  const uint64_t id = ++g_load_id;
  g_cmp.name = name;
  g_cmp.ready = false;
  g_cmp.status = "loading " + name + " ...";
  fetch_model(name, "model.safetensors", [id, name](Expected<std::shared_ptr<const LoadedModel>> m) {
    if (id != g_load_id) return;  // a newer pick replaced this one
    if (!m) {
      g_cmp.status = "compare: " + m.error().message;
      return;
    }
    AppState& cs = compare_app_state();
    install_model(cs, std::move(m));
    cs.backend = "cpu";
    g_cmp.status.clear();
    g_model = nullptr;
  });
}

void compare_step(AppState& s) {
  if (g_cmp.name.empty()) return;
  AppState& cs = compare_app_state();
  if (!cs.model || !s.model) return;
  cs.set_prompt(s.prompt);
  cs.settings = s.settings;
  // The CPU: synchronous, so both sides show the same edit in the same frame.
  cs.backend = "cpu";
  update(cs);
  if (!cs.results || !cs.results->has_taps) {
    g_cmp.ready = false;
    if (!cs.last_error.empty()) g_cmp.status = "compare: " + cs.last_error;
    return;
  }
  const int L = cs.model->model.config.n_layers, H = cs.model->model.config.n_heads;
  g_cmp.same_shape = L == s.model->model.config.n_layers && H == s.model->model.config.n_heads;
  // The same head where shapes match; else the app's head clamped into this model.
  const int layer = std::clamp(s.sel.layer, 0, L - 1), head = std::clamp(s.sel.head, 0, H - 1);
  const bool fresh = !g_cmp.ready || g_cmp.prompt_version != cs.results->prompt_version || g_model != cs.model.get();
  if (!fresh && layer == g_layer && head == g_head) return;
  const Taps& taps = cs.results->tap_set();
  CompareSide& c = g_cmp.side;
  if (fresh) {
    AnalysisSettings st = analysis_settings(cs);
    st.release_max_sinks = 0;  // the compare panel shows neither release nor tag variance
    st.tag_variance = false;
    g_analysis = analyze(cs.model->model, taps, st, &cs.results->tokens.texts);
    c = CompareSide{};
    c.name = cs.model->name;
    c.L = L, c.H = H, c.T = int(cs.results->tokens.ids.size());
    LossRows rows;
    c.loss = summarize(taps, cs.results->tokens.ids, &cs.model->tokenizer, rows, cs.model.get(),
                       cs.model->model.weights.version).loss;
    for (const std::string& t : cs.results->tokens.texts) c.chips.push_back(display_token(t));
    fill_common(c, g_analysis);
    fill_outliers(c, g_analysis, taps);
  }
  c.layer = layer, c.head = head;
  fill_head(c, cs.model->model, g_analysis, taps);
  g_layer = layer, g_head = head;
  g_model = cs.model.get();
  g_cmp.prompt_version = cs.results->prompt_version;
  g_cmp.ready = true;
  g_cmp.status.clear();
}

}  // namespace ss::explorer
