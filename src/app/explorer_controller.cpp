#include "app/explorer_controller.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/backend.h"
#include "tokenizer/tokenizer.h"
#include "ui/widgets/tooltip.h"

namespace ss::app {
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
  int hooks_key = -1;
  std::unique_ptr<Backend> backend;  // for intervention reruns (own instance: no shared cache)
};

Cache& cache() {
  static Cache c;
  return c;
}

bool same(const AnalysisSettings& a, const AnalysisSettings& b) {
  return a.sink_eps == b.sink_eps && a.catch_tau == b.catch_tau && a.massive_abs == b.massive_abs &&
         a.massive_rel == b.massive_rel;
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
      r.next.push_back({order[j], ui::display_token(tok ? tok->token_text(order[j]) : std::to_string(order[j])),
                        static_cast<float>(p[order[j]] / z)});
  }
  if (const Tensor* a = taps.get(layer, "attn_pattern"); a && head < a->dim(0)) {  // [H, T, T]
    const int64_t T = a->dim(1);
    r.pattern.assign(a->ptr() + head * T * T, a->ptr() + (head + 1) * T * T);
  }
  return r;
}

void fill_residual(ExplorerView& v) {
  v.resid_norm.assign(size_t(v.L) * v.T, 0.0f);
  v.resid_ratio.assign(size_t(v.L) * v.T, 0.0f);
  for (int l = 0; l < v.L; ++l) {
    const Tensor* h = v.in.taps->get(l, "resid_post");  // [T, d]
    if (!h || h->dim(0) < v.T) continue;
    const int64_t d = h->dim(1);
    float med = l < static_cast<int>(v.analysis.massive.size()) ? v.analysis.massive[l].median_abs : 0.0f;
    for (int i = 0; i < v.T; ++i) {
      const float* row = h->ptr() + i * d;
      double ss = 0;
      float mx = 0;
      for (int64_t j = 0; j < d; ++j) ss += double(row[j]) * row[j], mx = std::max(mx, std::fabs(row[j]));
      v.resid_norm[size_t(l) * v.T + i] = static_cast<float>(std::sqrt(ss));
      v.resid_ratio[size_t(l) * v.T + i] = med > 0 ? mx / med : 0.0f;
    }
  }
}

void fill_head(ExplorerView& v, const AnalysisSettings& st, int sink_index) {
  v.head_sinks.clear();
  v.caught_by.assign(v.T, -1);
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
  // analyze() computes release only for the strongest sinks; the selected
  // head's sinks get theirs on demand (the Release panel reads them).
  for (int idx : v.head_sinks)
    if (!v.analysis.sinks[idx].has_release) analyze_release(*v.in.model, *v.in.taps, st, v.analysis.sinks[idx]);
  v.detail = analyze_head(*v.in.model, *v.in.taps, v.layer, v.head, st);
  const Sink* s = v.head_sink(sink_index);
  v.tag_variance = s && s->has_variance ? s->var_top1 : (v.head_sinks.empty() ? 0.0f : v.detail.var_top1);
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
  a.catch_tau = s.settings.catch_tau;
  a.massive_abs = s.settings.massive_abs;
  a.massive_rel = s.settings.massive_rel;
  return a;
}

const ExplorerView* explorer_view() { return cache().valid ? &cache().view : nullptr; }

const ExplorerView* explorer_update(AppState& s) {
  Cache& c = cache();
  ExplorerInputs in = explorer_inputs(s);
  if (!in.ok()) {
    c.valid = false;
    return nullptr;
  }
  ExplorerUi& ui = explorer_ui();
  // The live view skips the per-sink PCA and release of every head (the
  // costliest parts at 128 tokens); the selected head gets both on demand and
  // the exports run the full analysis.
  AnalysisSettings st = analysis_settings(s);
  st.release_max_sinks = 0;
  st.tag_variance = false;
  const int L = in.model->config.n_layers, H = in.model->config.n_heads;
  if (ui.pending_layer >= 0) s.sel.layer = ui.pending_layer, ui.pending_layer = -1;
  if (ui.pending_head >= 0) s.sel.head = ui.pending_head, ui.pending_head = -1;
  s.sel.layer = std::clamp(s.sel.layer, 0, std::max(L - 1, 0));
  s.sel.head = std::clamp(s.sel.head, 0, std::max(H - 1, 0));
  ExplorerView& v = c.view;
  bool fresh = !c.valid || c.prompt_version != in.prompt_version || c.model != in.model ||
               c.weights_version != in.model->weights.version || !same(c.settings, st);
  if (fresh) {
    v = ExplorerView{};
    v.in = in;
    v.L = L;
    v.H = H;
    v.T = static_cast<int>(in.ids->size());
    for (auto& t : *in.texts) v.chips.push_back(ui::display_token(t));
    auto t0 = std::chrono::steady_clock::now();
    v.analysis = analyze(*in.model, *in.taps, st, in.texts);
    v.analyze_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    fill_residual(v);
    c.prompt_version = in.prompt_version;
    c.model = in.model;
    c.weights_version = in.model->weights.version;
    c.settings = st;
    c.layer = c.head = c.sink_index = c.hooks_key = -1;
    c.valid = true;
  }
  v.in = in;
  bool head_changed = c.layer != s.sel.layer || c.head != s.sel.head;
  if (head_changed || c.sink_index != ui.selected_sink) {
    if (head_changed) ui.selected_sink = 0;
    v.layer = s.sel.layer;
    v.head = s.sel.head;
    fill_head(v, st, ui.selected_sink);
    v.base = summarize(*in.taps, *in.ids, in.tokenizer, v.layer, v.head);
    c.layer = v.layer;
    c.head = v.head;
    c.sink_index = ui.selected_sink;
    c.hooks_key = -1;  // interventions target the selected head
  }
  if (c.hooks_key != hooks_key(ui)) {
    run_after(c, v, ui, st);
    c.hooks_key = hooks_key(ui);
  }
  return &v;
}

namespace {
// The full analysis (every sink's tag variance and release) for the exports.
const Analysis& full_analysis(const ExplorerView& v) {
  static Analysis full;
  static uint64_t version = 0;
  static const void* model = nullptr;
  static AnalysisSettings used;
  AnalysisSettings st = analysis_settings(state());
  if (version != v.in.prompt_version || model != v.in.model || !same(used, st)) {
    full = analyze(*v.in.model, *v.in.taps, st, v.in.texts);
    version = v.in.prompt_version, model = v.in.model, used = st;
  }
  return full;
}
}  // namespace

std::string export_csv(const ExplorerView& v) {
  const Analysis& a = full_analysis(v);
  std::ostringstream os;
  os << "layer,head,key,kind,sink_score,caught,span_begin,span_end,tag_norm,var_top1,var_top2,cos_top_pc_tag\n";
  for (const Sink& s : a.sinks)
    os << s.layer << ',' << s.head << ',' << s.key << ',' << sink_kind_name(s.kind) << ',' << s.score << ','
       << s.caught.size() << ',' << s.span_begin << ',' << s.span_end << ',' << s.tag_norm << ','
       << s.var_top1 << ',' << s.var_top2 << ',' << s.cos_top_pc_tag << '\n';
  return os.str();
}

std::string export_json(const ExplorerView& v) {
  const Analysis& a = full_analysis(v);
  nlohmann::json j;
  j["tokens"] = *v.in.texts;
  j["ids"] = *v.in.ids;
  j["n_layers"] = v.L;
  j["n_heads"] = v.H;
  j["sink1_share"] = a.sink1_share;
  j["sink1_share_per_layer"] = a.sink1_share_per_layer;
  j["loss"] = v.base.loss;
  auto& sinks = j["sinks"] = nlohmann::json::array();
  for (const Sink& s : a.sinks) {
    nlohmann::json o;
    o["layer"] = s.layer, o["head"] = s.head, o["key"] = s.key, o["kind"] = sink_kind_name(s.kind);
    o["sink_score"] = s.score, o["caught"] = s.caught;
    o["catch_span"] = {s.span_begin, s.span_end};
    o["tag_norm"] = s.tag_norm;
    if (s.has_variance) o["tag_variance"] = {{"top1", s.var_top1}, {"top2", s.var_top2}, {"cos_top_pc_tag", s.cos_top_pc_tag}};
    o["tag_projection"] = s.tag_projection;
    sinks.push_back(std::move(o));
  }
  auto& mass = j["massive_activations"] = nlohmann::json::array();
  for (const LayerMassive& m : a.massive) {
    nlohmann::json o;
    o["median_abs"] = m.median_abs, o["max_abs"] = m.max_abs;
    auto& top = o["top"] = nlohmann::json::array();
    for (auto& e : m.top) top.push_back({{"token", e.token}, {"dim", e.dim}, {"value", e.value}, {"ratio_to_median", e.ratio_to_median}});
    o["over_threshold"] = m.over_threshold.size();
    mass.push_back(std::move(o));
  }
  return j.dump();
}

}  // namespace ss::app
