// The second half's part of the C API (group 12 of webapi.h): the user's
// probe labels and the probes' accuracies, handoffs / tag_cosines /
// key_dimensions, the outlier clamp, and pinning an analysis to compare
// prompts. JSON comes in the CLI's formats (docs/metrics.md), so a test can
// compare the page with `sinkscope-cli analyze` on the same prompt.
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <nlohmann/json.hpp>
#include <string>

#include "explorer/second_half.h"
#include "explorer/session.h"
#include "explorer/view.h"

using namespace ss::explorer;
using J = nlohmann::json;

namespace {
std::string g_text;  // returned strings live here until the next call
const char* out(const J& j) {
  return (g_text = j.dump(-1, ' ', false, J::error_handler_t::replace)).c_str();
}
// The second half of the current view, brought up to date (probes: the label
// probe, and the catch probe when requested).
const SecondHalfView* sh(bool probes) { return explorer_view() ? second_half_ensure(state(), probes) : nullptr; }
J part(const char* key) {
  const SecondHalfView* v = sh(false);
  if (!v) return J::array();
  J j;
  ss::add_second_half_json(v->sh, j);
  return j[key];
}
J spans_of(const ss::Analysis& an, int layer, int head) {
  J spans = J::array();
  for (const ss::Sink& s : an.sinks)
    if (s.layer == layer && s.head == head) spans.push_back({{"key", s.key}, {"begin", s.span_begin}, {"end", s.span_end}});
  return spans;
}
J grid_of(const std::vector<ss::SinkMapCell>& cells, int H) {
  J g = J::array();
  for (size_t b = 0; H > 0 && b < cells.size(); b += H) {
    J row = J::array();
    for (int h = 0; h < H; ++h) row.push_back(cells[b + h].score);
    g.push_back(row);
  }
  return g;
}
}  // namespace

extern "C" {

// Labels token `token` of the prompt: cls 0 = A, 1 = B, -1 = none. 1 = done,
// 0 = no view or token out of range.
EMSCRIPTEN_KEEPALIVE int ss_sh_label(int token, int cls) {
  const ExplorerView* v = explorer_view();
  if (!v || token < 0 || token >= v->T || cls < -1 || cls > 1) return 0;
  fit_labels(v->T);
  second_half_ui().labels[token] = cls;
  return 1;
}
EMSCRIPTEN_KEEPALIVE void ss_sh_clear_labels() { second_half_ui().labels.assign(second_half_ui().labels.size(), -1); }

// {"labels": probe | null, "catch": probe | null, "probe_windows", "error"},
// each probe as one entry of the CLI's "probes" list, for the selected head.
// run_catch = 1 computes the catch probe on the shipped probe set plus the
// prompt now (seconds); 0 returns it only if already computed for this prompt
// and head. "" without a view.
EMSCRIPTEN_KEEPALIVE const char* ss_sh_probes_json(int run_catch) {
  if (!explorer_view()) return "";
  if (run_catch) second_half_ui().want_catch_probe = true;
  const SecondHalfView* v = sh(true);
  if (!v) return "";
  auto one = [](bool has, const ss::ProbeResult& p) -> J {
    if (!has) return nullptr;
    ss::SecondHalf tmp;
    tmp.probes = {p};
    J j;
    ss::add_second_half_json(tmp, j);
    return j["probes"][0];
  };
  return out({{"labels", one(v->has_labels, v->label_probe)}, {"catch", one(v->has_catch, v->catch_probe)},
              {"probe_windows", v->probe_windows}, {"error", v->probe_error}});
}

// The CLI's "handoffs", "tag_cosines", "key_dimensions" lists for the prompt
// (every head); "[]" without a view.
EMSCRIPTEN_KEEPALIVE const char* ss_sh_handoffs_json() { return out(part("handoffs")); }
EMSCRIPTEN_KEEPALIVE const char* ss_sh_tag_cosines_json() { return out(part("tag_cosines")); }
EMSCRIPTEN_KEEPALIVE const char* ss_sh_key_dims_json() { return out(part("key_dimensions")); }

// Turns the clamp on (clamp_outlier): dim (-1 = the top outlier dim at the
// token), from_layer (0 .. L-1), token (-2 = the selected sink's key, -1 =
// every token). "" = set (the Interventions panel's "after" applies it), else
// why not (the previous clamp is kept).
EMSCRIPTEN_KEEPALIVE const char* ss_sh_set_clamp(int dim, int from_layer, int token) {
  const ExplorerView* v = explorer_view();
  if (!v) return "no view";
  const ss::ModelConfig& c = v->in.model->config;
  if (dim < -1 || dim >= c.d_model) return "clamp: no such residual dimension";
  if (from_layer < 0 || from_layer >= c.n_layers) return "clamp: no such layer";
  if (token < -2 || token >= v->T) return "clamp: no such token";
  SecondHalfUi& ui = second_half_ui();
  ui.clamp = true, ui.clamp_dim = dim, ui.clamp_layer = from_layer, ui.clamp_token = token;
  return "";
}
EMSCRIPTEN_KEEPALIVE void ss_sh_clear_clamp() { second_half_ui().clamp = false; }

// The clamp's before/after, in the CLI's "clamp" format ({dim, from_layer,
// tokens, medians, before, after}) plus "label" (what was done) and "error";
// runs the Interventions panel's "after" pass if needed. "" without a view or
// with the clamp off.
EMSCRIPTEN_KEEPALIVE const char* ss_sh_clamp_json() {
  const ExplorerView* v = explorer_view();
  if (!v || !second_half_ui().clamp) return "";
  ss::ClampSpec spec;
  std::vector<float> medians;
  std::string why;
  if (!resolve_clamp(*v, spec, medians, &why)) return out({{"error", why}});
  explorer_ensure(state(), Panel::Interventions);
  v = explorer_view();
  if (!v || !v->after_error.empty() || !v->has_after) return out({{"error", v ? v->after_error : "no view"}});
  const ss::AnalysisSettings st = analysis_settings(state());
  J j = ss::clamp_json(spec, medians, ss::clamp_side(v->analysis, v->base.loss),
                       ss::clamp_side(v->after_analysis, v->after.loss), v->after_analysis, st);
  j["label"] = v->after_label;
  j["error"] = "";
  return out(j);
}

// Pins the current analysis (compare two prompts): 1 = pinned, 0 = no view.
EMSCRIPTEN_KEEPALIVE int ss_sh_pin() {
  const ExplorerView* v = explorer_view();
  return v && pin(*v, state()) ? 1 : 0;
}
EMSCRIPTEN_KEEPALIVE void ss_sh_unpin() { unpin(); }
EMSCRIPTEN_KEEPALIVE int ss_sh_pinned() { return pinned().valid ? 1 : 0; }

// While pinned: {"pinned_prompt", "T_before", "T_after", "sink_map_before",
// "sink_map_after", "sink_map_delta" ([L][H], the sink map's scores, after -
// before), "layer", "head", "spans_before", "spans_after" ([{key, begin,
// end}] of the selected head's sinks), "loss_before", "loss_after"}; "" when
// not pinned, without a view, or when the pinned model has another shape.
EMSCRIPTEN_KEEPALIVE const char* ss_sh_deltas_json() {
  const ExplorerView* v = explorer_view();
  const Pinned& p = pinned();
  if (!v || !p.valid || p.analysis.n_layers != v->L || p.analysis.n_heads != v->H) return "";
  const std::vector<ss::SinkMapCell> now = ss::sink_map(v->analysis);
  J delta = J::array();
  for (int l = 0; l < v->L; ++l) {
    J row = J::array();
    for (int h = 0; h < v->H; ++h) row.push_back(now[size_t(l) * v->H + h].score - p.cells[size_t(l) * v->H + h].score);
    delta.push_back(row);
  }
  return out({{"pinned_prompt", p.prompt}, {"T_before", p.analysis.T}, {"T_after", v->T},
              {"sink_map_before", grid_of(p.cells, v->H)}, {"sink_map_after", grid_of(now, v->H)},
              {"sink_map_delta", delta}, {"layer", v->layer}, {"head", v->head},
              {"spans_before", spans_of(p.analysis, v->layer, v->head)}, {"spans_after", spans_of(v->analysis, v->layer, v->head)},
              {"loss_before", p.loss}, {"loss_after", v->base.loss}});
}

}  // extern "C"
#endif
