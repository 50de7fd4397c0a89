#include "explorer/view.h"

#include "analysis/report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/compress_run.h"
#include "analysis/incremental.h"
#include "explorer/session.h"
#include "engine/backend.h"
#include "tokenizer/tokenizer.h"
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
  // What the "after" run was made for: toggles, prompt version, head, sink.
  int after_hooks = -1, after_layer = -1, after_head = -1, after_sink = -1;
  uint64_t after_version = 0;
  AnalysisSettings after_settings;
  std::unique_ptr<Backend> backend;  // for intervention reruns (own instance: no shared cache)
  // Per-row state kept across edits: an edit keeps the rows of the prompt's
  // unchanged prefix, so typing costs the new rows, not the whole prompt.
  IncrementalAnalysis live;
  std::vector<int32_t> row_ids;      // [T] ids the rows below belong to
  const void* row_model = nullptr;
  uint64_t row_version = 0;
  std::vector<float> row_max;        // [T] max of logits row i
  std::vector<double> row_logz;      // [T] log sum_j exp(logits[i, j] - max)
  // Compression runs per (kind, sparsity %, ratio %), for one model.
  std::shared_ptr<const void> runs_hold;
  const Model* runs_model = nullptr;
  uint64_t runs_version = 0;
  std::vector<std::vector<int32_t>> heldout;  // windows of the held-out text, [n][<= 48]
  std::map<std::tuple<int, int, int>, std::unique_ptr<CompressionRun>> runs;
};

Cache& cache() {
  static Cache c;
  return c;
}

// loss and top-k next tokens from logits [T, V]; pattern of (layer, head).
RunSummary summarize(const Taps& taps, const std::vector<int32_t>& ids, const Tokenizer* tok, int layer,
                     int head) {
  RunSummary r;
  const Tensor* logits = taps.get("logits");  // [T, V]
  if (logits && logits->rank() == 2 && logits->dim(0) > 0) {
    const int64_t T = logits->dim(0), V = logits->dim(1);
    auto log_softmax_at = [&](int64_t i, int32_t id) {
      const float* row = logits->ptr() + i * V;
      float mx = *std::max_element(row, row + V);
      double z = 0;
      for (int64_t j = 0; j < V; ++j) z += std::exp(double(row[j] - mx));
      return double(row[id] - mx) - std::log(z);
    };
    double nll = 0;
    int n = 0;
    for (int64_t i = 0; i + 1 < T && i + 1 < static_cast<int64_t>(ids.size()); ++i) {
      if (ids[i + 1] < 0 || ids[i + 1] >= V) continue;
      nll -= log_softmax_at(i, ids[i + 1]);
      ++n;
    }
    r.loss = n ? static_cast<float>(nll / n) : 0.0f;
    const float* last = logits->ptr() + (T - 1) * V;  // [V]
    float mx = *std::max_element(last, last + V);
    std::vector<float> p(V);  // [V]
    double z = 0;
    for (int64_t j = 0; j < V; ++j) z += p[j] = std::exp(last[j] - mx);
    std::vector<int32_t> order(V);
    std::iota(order.begin(), order.end(), 0);
    int k = static_cast<int>(std::min<int64_t>(8, V));
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) { return p[a] > p[b]; });
    for (int j = 0; j < k; ++j)
      r.next.push_back({order[j], display_token(tok ? tok->token_text(order[j]) : std::to_string(order[j])),
                        static_cast<float>(p[order[j]] / z)});
  }
  if (const Tensor* a = taps.get(layer, "attn_pattern"); a && head < a->dim(0)) {  // [H, T, T]
    const int64_t T = a->dim(1);
    r.pattern.assign(a->ptr() + head * T * T, a->ptr() + (head + 1) * T * T);
  }
  return r;
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

// summarize()'s loss and next tokens for the live prompt, with each row's
// log-normaliser kept across edits (rows of an unchanged prefix keep their
// logits). Same arithmetic as summarize(), so the same loss.
void base_summary(Cache& c, ExplorerView& v) {
  RunSummary& r = v.base;
  r = RunSummary{};
  const Tensor* logits = v.in.taps->get("logits");  // [T, V]
  const std::vector<int32_t>& ids = *v.in.ids;
  if (!logits || logits->rank() != 2 || logits->dim(0) <= 0) return;
  const int64_t T = logits->dim(0), V = logits->dim(1);
  size_t p = 0;
  if (c.row_model == v.in.model && c.row_version == v.in.model->weights.version)
    while (p < c.row_ids.size() && p < ids.size() && c.row_ids[p] == ids[p]) ++p;
  p = std::min({p, c.row_max.size(), size_t(T)});
  c.row_max.resize(p);
  c.row_logz.resize(p);
  for (int64_t i = static_cast<int64_t>(p); i < T; ++i) {
    const float* row = logits->ptr() + i * V;
    float mx = *std::max_element(row, row + V);
    double z = 0;
    for (int64_t j = 0; j < V; ++j) z += std::exp(double(row[j] - mx));
    c.row_max.push_back(mx);
    c.row_logz.push_back(std::log(z));
  }
  c.row_ids.assign(ids.begin(), ids.begin() + std::min<size_t>(ids.size(), size_t(T)));
  c.row_model = v.in.model;
  c.row_version = v.in.model->weights.version;
  double nll = 0;
  int n = 0;
  for (int64_t i = 0; i + 1 < T && i + 1 < static_cast<int64_t>(ids.size()); ++i) {
    if (ids[i + 1] < 0 || ids[i + 1] >= V) continue;
    nll -= double(logits->ptr()[i * V + ids[i + 1]] - c.row_max[i]) - c.row_logz[i];
    ++n;
  }
  r.loss = n ? static_cast<float>(nll / n) : 0.0f;
  const float* last = logits->ptr() + (T - 1) * V;  // [V]
  float mx = *std::max_element(last, last + V);
  std::vector<float> pr(V);  // [V]
  double z = 0;
  for (int64_t j = 0; j < V; ++j) z += pr[j] = std::exp(last[j] - mx);
  std::vector<int32_t> order(V);
  std::iota(order.begin(), order.end(), 0);
  int k = static_cast<int>(std::min<int64_t>(8, V));
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) { return pr[a] > pr[b]; });
  const Tokenizer* tok = v.in.tokenizer;
  for (int j = 0; j < k; ++j)
    r.next.push_back({order[j], display_token(tok ? tok->token_text(order[j]) : std::to_string(order[j])),
                      static_cast<float>(pr[order[j]] / z)});
}

// The selected head's attention map (the base side of every map panel).
void fill_pattern(ExplorerView& v) {
  v.base.pattern.clear();
  if (const Tensor* a = v.in.taps->get(v.layer, "attn_pattern"); a && v.head < a->dim(0)) {  // [H, T, T]
    const int64_t T = a->dim(1);
    v.base.pattern.assign(a->ptr() + v.head * T * T, a->ptr() + (v.head + 1) * T * T);
  }
}

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
  if (const Tensor* a = v.in.taps->get(v.layer, "attn_pattern")) {  // [H, T, T]
    const int64_t T = a->dim(1);
    for (int i = 0; i < v.T && i < T; ++i) {
      float best = -1;
      for (size_t k = 0; k < v.head_sinks.size(); ++k) {
        const Sink& s = v.analysis.sinks[v.head_sinks[k]];
        if (!std::binary_search(s.caught.begin(), s.caught.end(), i)) continue;
        float w = a->at(v.head, i, s.key);
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

// The hooks the intervention toggles ask for, and a sentence saying so.
Hooks intervention_hooks(const ExplorerView& v, const ExplorerUi& ui, std::string& label) {
  Hooks hooks;
  const Sink* s = v.sink();
  std::ostringstream os;
  if (ui.knock_out_head) {
    hooks.push_back({HookKind::ZeroHead, v.layer, v.head, -1, {}});
    os << "head L" << v.layer << "H" << v.head << " knocked out; ";
  }
  if (ui.ablate_sink && s) {
    hooks.push_back({HookKind::RemoveKey, s->layer, s->head, s->key, {}});
    os << "attention of L" << s->layer << "H" << s->head << " to the sink at " << s->key << " removed; ";
  }
  if (ui.remove_tag && s && !s->tag.empty()) {
    hooks.push_back({HookKind::SubtractDirection, s->layer, -1, -1, s->tag});
    os << "tag of the sink at " << s->key << " projected out of layer " << s->layer << "'s output; ";
  }
  label = os.str();
  return hooks;
}

void run_after(Cache& c, ExplorerView& v, const ExplorerUi& ui, const AnalysisSettings& st) {
  v.has_after = false;
  v.after_error.clear();
  Hooks hooks = intervention_hooks(v, ui, v.after_label);
  if (hooks.empty()) return;
  if (!c.backend) c.backend = make_cpu_backend();
  Taps taps;
  TapFilter filter;  // everything: the analysis reads most taps
  auto r = c.backend->forward(*v.in.model, *v.in.ids, hooks, filter, taps);
  if (!r) {
    v.after_error = r.error().message;
    return;
  }
  v.after_analysis = analyze(*v.in.model, taps, st, v.in.texts);
  v.after = summarize(taps, *v.in.ids, v.in.tokenizer, v.layer, v.head);
  v.has_after = true;
}

int hooks_key(const ExplorerUi& ui) {
  return (ui.knock_out_head ? 1 : 0) | (ui.ablate_sink ? 2 : 0) | (ui.remove_tag ? 4 : 0);
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
    if (c.valid && c.model == in.model)
      while (keep < c.row_ids.size() && keep < v.chips.size() && keep < in.ids->size() && c.row_ids[keep] == (*in.ids)[keep])
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
    if (fresh) base_summary(c, v);
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
    c.after_hooks = -1;  // the view's "after" went with it
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
  if (p == Panel::Interventions) {
    // The "after" run (a whole forward pass with hooks) only while its panel shows.
    const int key = hooks_key(ui);
    if (c.after_hooks != key || c.after_version != v.in.prompt_version || c.after_layer != v.layer ||
        c.after_head != v.head || c.after_sink != ui.selected_sink || c.after_settings != st) {
      run_after(c, v, ui, st);
      c.after_hooks = key;
      c.after_version = v.in.prompt_version;
      c.after_layer = v.layer, c.after_head = v.head, c.after_sink = ui.selected_sink;
      c.after_settings = st;
    }
  }
}

float explorer_tag_variance(AppState& s) {
  Cache& c = cache();
  if (!c.valid) return -1.0f;
  ensure_detail(c.view, live_settings(s), explorer_ui().selected_sink);
  return c.view.tag_variance;
}

namespace {
// Held-out text for the compression comparison: written for this purpose, so
// it is in no training corpus; two windows of 48 tokens from BOS.
constexpr const char* kHeldOut =
    "The harbour was quiet in the early morning. A few boats rocked at their moorings, and the gulls waited on "
    "the wall for the fishermen to come back. Nobody spoke much; the baker opened his shutters, the ferry bell "
    "rang twice, and a child ran down the steps with a letter in her hand. By noon the wind had turned, the "
    "clouds came in from the sea, and the whole town smelled of rain and tar.";
constexpr int kHeldOutWindow = 48, kHeldOutWindows = 2;
}  // namespace

CompressionView explorer_compression(AppState& s, double budget_ms) {
  Cache& c = cache();
  ExplorerUi& ui = explorer_ui();
  CompressionView out;
  out.sparsity = std::clamp(std::round(ui.sparsity * 20.0f) / 20.0f, 0.0f, 0.95f);  // 5% steps: cache keys
  out.ratio = std::clamp(std::round(ui.rank_ratio * 20.0f) / 20.0f, 0.05f, 2.0f);
  if (!s.model) return out;
  const Model& m = s.model->model;
  const ModelConfig& mc = m.config;
  out.rank = oats_rank(mc.d_model, mc.d_model, out.sparsity, out.ratio);
  if (c.runs_model != &m || c.runs_version != m.weights.version || c.runs_hold != s.model) {
    c.runs.clear();
    c.runs_hold = s.model;
    c.runs_model = &m;
    c.runs_version = m.weights.version;
    c.heldout.clear();
    Tokens t = s.model->tokenizer.encode(kHeldOut, true);
    for (int w = 0; w < kHeldOutWindows; ++w) {
      const size_t b = size_t(w) * (kHeldOutWindow - 1) + 1;  // each window: BOS + the next 47 tokens
      if (t.ids.empty() || b >= t.ids.size()) break;
      std::vector<int32_t> ids = {t.ids[0]};
      for (size_t i = b; i < t.ids.size() && ids.size() < size_t(kHeldOutWindow); ++i) ids.push_back(t.ids[i]);
      c.heldout.push_back(std::move(ids));
    }
  }
  const int ps = int(std::lround(out.sparsity * 100)), pr = int(std::lround(out.ratio * 100));
  double left = budget_ms;
  for (int kind = 0; kind < 3; ++kind) {
    CompressSpec sp;
    sp.kind = kCompressKinds[kind];
    sp.rank = -1, sp.sparsity = out.sparsity, sp.ratio = out.ratio;
    auto& run = c.runs[{kind, ps, sp.kind == CompressKind::LowRank ? pr : 0}];
    // Two tokens per forward slice: a few ms each in wasm on demo-lm.
    if (!run) run = std::make_unique<CompressionRun>(m, sp, c.heldout, analysis_settings(s), 2);
    if (!run->done() && left > 0) {
      auto t0 = std::chrono::steady_clock::now();
      run->step(left);
      left -= std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    out.progress[kind] = run->progress();
    if (run->done()) {
      if (!run->error().empty()) out.error = run->error();
      else out.report[kind] = &run->report();
    }
  }
  return out;
}

}  // namespace ss::explorer
