#include "explorer/view.h"

#include <algorithm>
#include <chrono>

#include "analysis/incremental.h"
#include "analysis/pattern.h"
#include "explorer/compare.h"
#include "explorer/interventions.h"
#include "explorer/second_half.h"
#include "explorer/first_view.h"
#include "explorer/lesson_run.h"
#include "explorer/session.h"
#include "explorer/timeline.h"
#include "explorer/token_text.h"

namespace ss::explorer {
namespace {

struct Cache {
  ExplorerView view;
  bool valid = false;
  // Keys of what the view was built from.
  uint64_t prompt_version = 0;
  const void* model = nullptr;
  uint64_t weights_version = 0;
  AnalysisSettings settings;
  int layer = -1, head = -1, sink_index = -1;
  uint64_t generation = 0;           // bumped on every rebuild (the "after" run's key)
  // Per-row state kept across edits: an edit keeps the rows of the prompt's
  // unchanged prefix, so typing costs the new rows, not the whole prompt.
  IncrementalAnalysis live;
  LossRows loss_rows;
};

Cache& cache() {
  static Cache c;
  return c;
}

// Residual view from the incremental analysis' per-row norms and maxima.
void fill_residual(ExplorerView& v, const IncrementalAnalysis& live) {
  const std::vector<float>& norm = live.resid_norm();  // [L, T]
  const std::vector<float>& mx = live.resid_max();     // [L, T]
  v.resid_norm.assign(size_t(v.L) * v.T, 0.0f);
  v.resid_ratio.assign(size_t(v.L) * v.T, 0.0f);
  if (norm.size() != v.resid_norm.size() || mx.size() != v.resid_norm.size()) return;
  v.resid_norm = norm;
  for (int l = 0; l < v.L; ++l) {
    float med = l < static_cast<int>(v.analysis.massive.size()) ? v.analysis.massive[l].median_abs : 0.0f;
    for (int i = 0; i < v.T; ++i)
      v.resid_ratio[size_t(l) * v.T + i] = med > 0 ? mx[size_t(l) * v.T + i] / med : 0.0f;
  }
}

// The selected head's attention map (the base side of every map panel).
void fill_pattern(ExplorerView& v) { v.base.pattern = head_pattern(*v.in.model, *v.in.taps, v.layer, v.head); }

// The selected head's sinks and which of them caught each token: cheap, done
// on every change. Its PCA and release are the costly parts: ensure_detail()
// and ensure_release() compute them when a panel (or the C API) asks.
void fill_head(ExplorerView& v) {
  v.head_sinks.clear();
  v.caught_by.assign(v.T, -1);
  v.has_detail = v.has_release = false;
  v.detail = HeadDetail{v.layer, v.head};
  v.tag_variance = 0;
  for (size_t i = 0; i < v.analysis.sinks.size(); ++i) {
    const Sink& s = v.analysis.sinks[i];
    if (s.layer == v.layer && s.head == v.head) v.head_sinks.push_back(static_cast<int>(i));
  }
  // A token caught by several sinks of the head is coloured by the one that
  // gives it the most attention.
  if (const LayerPattern a(*v.in.model, *v.in.taps, v.layer); a.ok() && v.head < a.heads()) {  // [H, T, T]
    const int64_t T = a.T();
    for (int i = 0; i < v.T && i < T; ++i) {
      float best = -1;
      for (size_t k = 0; k < v.head_sinks.size(); ++k) {
        const Sink& s = v.analysis.sinks[v.head_sinks[k]];
        if (!std::binary_search(s.caught.begin(), s.caught.end(), i)) continue;
        float w = a.at(v.head, i, s.key);
        if (w > best) best = w, v.caught_by[i] = static_cast<int>(k);
      }
    }
  }
}

void ensure_detail(ExplorerView& v, const AnalysisSettings& st, int sink_index) {
  if (v.has_detail) return;
  v.detail = analyze_head(*v.in.model, *v.in.taps, v.layer, v.head, st);
  const Sink* s = v.head_sink(sink_index);
  v.tag_variance = s && s->has_variance ? s->var_top1 : (v.head_sinks.empty() ? 0.0f : v.detail.var_top1);
  v.has_detail = true;
}

// analyze() computes release only for the strongest sinks; the selected
// head's sinks get theirs here (the Release panel reads them).
void ensure_release(ExplorerView& v, const AnalysisSettings& st) {
  if (v.has_release) return;
  for (int idx : v.head_sinks)
    if (!v.analysis.sinks[idx].has_release) analyze_release(*v.in.model, *v.in.taps, st, v.analysis.sinks[idx]);
  v.has_release = true;
}

}  // namespace

const Sink* ExplorerView::sink() const { return head_sink(std::min(explorer_ui().selected_sink, int(head_sinks.size()) - 1)); }

AnalysisSettings analysis_settings(const AppState& s) {
  AnalysisSettings a;
  a.sink_eps = s.settings.sink_eps;
  a.sink_min_queries = s.settings.sink_min_queries;
  a.catch_tau = s.settings.catch_tau;
  a.massive_abs = s.settings.massive_abs;
  a.massive_rel = s.settings.massive_rel;
  return a;
}

// The view points into the session's results; once they are gone (a new
// prompt's results replaced them, a model load dropped them) it waits for the
// next explorer_update().
const ExplorerView* explorer_view() {
  const Cache& c = cache();
  return c.valid && !c.view.in.hold_results.expired() ? &c.view : nullptr;
}

namespace {
// The live view's settings: no PCA and no release for every head (the
// costliest parts at 128 tokens); the selected head gets both on demand and
// the exports run the full analysis.
AnalysisSettings live_settings(const AppState& s) {
  AnalysisSettings st = analysis_settings(s);
  st.release_max_sinks = 0;
  st.tag_variance = false;
  return st;
}
}  // namespace

const ExplorerView* explorer_update(AppState& s) {
  Cache& c = cache();
  ExplorerInputs in = explorer_inputs(s);
  if (!in.ok()) {
    c.valid = false;
    return nullptr;
  }
  ExplorerUi& ui = explorer_ui();
  AnalysisSettings st = live_settings(s);
  const int L = in.model->config.n_layers, H = in.model->config.n_heads;
  if (ui.pending_layer >= 0) s.sel.layer = ui.pending_layer, ui.pending_layer = -1;
  if (ui.pending_head >= 0) s.sel.head = ui.pending_head, ui.pending_head = -1;
  s.sel.layer = std::clamp(s.sel.layer, 0, std::max(L - 1, 0));
  s.sel.head = std::clamp(s.sel.head, 0, std::max(H - 1, 0));
  ExplorerView& v = c.view;
  bool fresh = !c.valid || c.prompt_version != in.prompt_version || c.model != in.model ||
               c.weights_version != in.model->weights.version || c.settings != st;
  const bool moved = !c.valid || c.layer != s.sel.layer || c.head != s.sel.head;
  if (fresh || moved) {
    auto t0 = std::chrono::steady_clock::now();
    const int T = static_cast<int>(in.ids->size());
    // Chips of the unchanged prefix stay.
    size_t keep = 0;
    const std::vector<int32_t>& old_ids = c.loss_rows.ids;
    if (c.valid && c.model == in.model)
      while (keep < old_ids.size() && keep < v.chips.size() && keep < in.ids->size() && old_ids[keep] == (*in.ids)[keep])
        ++keep;
    std::vector<std::string> chips(std::make_move_iterator(v.chips.begin()),
                                   std::make_move_iterator(v.chips.begin() + std::min(keep, v.chips.size())));
    RunSummary base = std::move(v.base);
    v = ExplorerView{};
    v.in = in;
    v.L = L;
    v.H = H;
    v.T = T;
    v.layer = s.sel.layer;
    v.head = s.sel.head;
    v.chips = std::move(chips);
    for (size_t i = v.chips.size(); i < in.texts->size(); ++i) v.chips.push_back(display_token((*in.texts)[i]));
    // Catch for every head, tags for the selected head's sinks, massive
    // activations: incremental in the prompt's unchanged prefix.
    v.analysis = c.live.update(*in.model, *in.taps, *in.ids, st, in.texts, TagScope::only(v.layer, v.head));
    fill_residual(v, c.live);
    if (fresh) v.base = summarize(*in.taps, *in.ids, in.tokenizer, c.loss_rows, in.model, in.model->weights.version);
    else v.base = std::move(base);
    fill_pattern(v);
    fill_head(v);
    v.analyze_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (moved) ui.selected_sink = 0;
    c.prompt_version = in.prompt_version;
    c.model = in.model;
    c.weights_version = in.model->weights.version;
    c.settings = st;
    c.layer = v.layer;
    c.head = v.head;
    c.sink_index = ui.selected_sink;
    v.generation = ++c.generation;  // the view's "after" went with it
    c.valid = true;
  }
  v.in = in;
  if (c.sink_index != ui.selected_sink) {
    // Another sink of the same head: its tag variance (the PCA is the head's).
    c.sink_index = ui.selected_sink;
    v.has_detail = false;
  }
  return &v;
}

void explorer_ensure(AppState& s, Panel p) {
  Cache& c = cache();
  if (!c.valid) return;
  ExplorerView& v = c.view;
  ExplorerUi& ui = explorer_ui();
  const AnalysisSettings st = live_settings(s);
  if (p == Panel::Tag) ensure_detail(v, st, ui.selected_sink);
  if (p == Panel::Release) ensure_release(v, st);
  // The "after" run (a whole forward pass with hooks) only while its panel shows.
  if (p == Panel::Interventions) ensure_after(v, ui, st);
  // The second half's panels: handoffs, tag_cosines, key_dimensions per prompt; probes on their panel.
  if (p == Panel::Probes || p == Panel::Sinks || p == Panel::Keys) second_half_ensure(s, p == Panel::Probes);
}

float explorer_tag_variance(AppState& s) {
  Cache& c = cache();
  if (!c.valid) return -1.0f;
  ensure_detail(c.view, live_settings(s), explorer_ui().selected_sink);
  return c.view.tag_variance;
}

const ExplorerView* explorer_step(AppState& s) {
  update(s);
  const ExplorerView* v = explorer_update(s);
  if (v && apply_first_view(s)) v = explorer_view();  // a new model's first view: first_view.h
  if (v) lesson_frame(s), v = explorer_update(s);     // a lesson step's sink, the student's answers
  if (v) explorer_ensure(s, explorer_ui().panel);
  timeline_step(s);  // a timeline model: its checkpoints and metrics (timeline.h)
  compare_step(s);   // the compared model follows this prompt and head (compare.h)
  return explorer_view();
}

}  // namespace ss::explorer
