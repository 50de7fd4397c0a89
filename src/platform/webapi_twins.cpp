// The C API of compare mode, the training timeline, the sink slot and the
// model picker (webapi.h, group "Compare mode, timeline, sink slot, models").
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "explorer/compare.h"
#include "explorer/model_fetch.h"
#include "explorer/session.h"
#include "explorer/timeline.h"
#include "explorer/view.h"

using namespace ss::explorer;

namespace {
std::string g_text;  // returned strings live here until the next call

// Side 0: the app's model (from its view); side 1: the compared model.
bool side(int which, CompareSide& out) {
  if (which == 0) {
    const ExplorerView* v = explorer_view();
    if (!v) return false;
    out = side_of_view(*v, state().model_name);
    return true;
  }
  if (which == 1 && compare_state().ready) {
    out = compare_state().side;
    return true;
  }
  return false;
}
}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void ss_compare_set(const char* name) { compare_set(name ? name : ""); }
EMSCRIPTEN_KEEPALIVE const char* ss_compare_name() { return compare_state().name.c_str(); }
EMSCRIPTEN_KEEPALIVE int ss_compare_state() {
  const CompareState& c = compare_state();
  if (c.name.empty()) return -1;
  if (c.ready) return 1;
  return c.status.rfind("loading", 0) == 0 || c.status.empty() ? 0 : -1;
}
EMSCRIPTEN_KEEPALIVE const char* ss_compare_status() { return compare_state().status.c_str(); }

EMSCRIPTEN_KEEPALIVE double ss_compare_sink_map(int which, int layer, int head) {
  CompareSide c;
  if (!side(which, c) || layer < 0 || layer >= c.L || head < 0 || head >= c.H) return -1;
  return c.map[size_t(layer) * c.H + head].score;
}

EMSCRIPTEN_KEEPALIVE int ss_compare_sink_key(int which, int layer, int head) {
  CompareSide c;
  if (!side(which, c) || layer < 0 || layer >= c.L || head < 0 || head >= c.H) return -1;
  return c.map[size_t(layer) * c.H + head].key;
}

EMSCRIPTEN_KEEPALIVE double ss_compare_metric(int which, const char* name) {
  CompareSide c;
  if (!name || !side(which, c)) return NAN;
  const std::string n = name;
  auto max_of = [](const std::vector<float>& v) { return v.empty() ? 0.0 : double(*std::max_element(v.begin(), v.end())); };
  auto min_of = [](const std::vector<float>& v) { return v.empty() ? 0.0 : double(*std::min_element(v.begin(), v.end())); };
  if (n == "loss") return c.loss;
  if (n == "sink1_share") return c.sink1_share;
  if (n == "max_sink_score") return c.max_sink_score;
  if (n == "heads_with_sink" || n == "mean_map_score") {
    double sum = 0;
    int with = 0;
    for (const ss::SinkMapCell& m : c.map) sum += m.score, with += m.key >= 0;
    return n == "heads_with_sink" ? double(with) : (c.map.empty() ? 0.0 : sum / double(c.map.size()));
  }
  if (n == "max_outlier_ratio") return max_of(c.outlier_ratio);
  if (n == "max_bos_ratio") return max_of(c.bos_ratio);
  if (n == "slot_min") return c.sink_slot_share.empty() ? -1.0 : min_of(c.sink_slot_share);
  if (n == "slot_max") return c.sink_slot_share.empty() ? -1.0 : max_of(c.sink_slot_share);
  if (n == "layers") return c.L;
  if (n == "heads") return c.H;
  if (n == "tokens") return c.T;
  if (n == "layer") return c.layer;
  if (n == "head") return c.head;
  return NAN;
}

EMSCRIPTEN_KEEPALIVE int ss_timeline_count() { return static_cast<int>(timeline().checkpoints.size()); }
EMSCRIPTEN_KEEPALIVE int ss_timeline_eval_count() { return static_cast<int>(timeline().evals.size()); }
EMSCRIPTEN_KEEPALIVE int ss_timeline_set(int i) { return timeline_set(state(), i) ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE int ss_timeline_index() { return timeline().index; }
EMSCRIPTEN_KEEPALIVE int ss_timeline_loading() { return timeline().loading; }
EMSCRIPTEN_KEEPALIVE int ss_timeline_step() {
  const Timeline& t = timeline();
  return t.index >= 0 && t.index < int(t.checkpoints.size()) ? t.checkpoints[t.index].step : -1;
}
EMSCRIPTEN_KEEPALIVE double ss_timeline_metric(const char* name) {
  const Timeline& t = timeline();
  if (!name || t.index < 0 || t.index >= int(t.checkpoints.size())) return NAN;
  const TimelinePoint& p = t.checkpoints[t.index];
  const std::string n = name;
  if (n == "val_loss") return p.val_loss;
  if (n == "sink_share") return p.sink_share;
  if (n == "avg_share") return p.avg_share;
  if (n == "outlier_ratio") return p.outlier_ratio;
  return NAN;
}

EMSCRIPTEN_KEEPALIVE double ss_sink_slot_share(int layer, int head) {
  const ExplorerView* v = explorer_view();
  if (!v || v->analysis.sink_slot_share.empty() || layer < 0 || layer >= v->L || head < 0 || head >= v->H) return -1;
  return v->analysis.slot_share(layer, head);
}

EMSCRIPTEN_KEEPALIVE const char* ss_model_catalog() {
  g_text.clear();
  for (const CatalogEntry& e : model_catalog()) g_text += (g_text.empty() ? "" : ",") + std::string(e.name);
  return g_text.c_str();
}

EMSCRIPTEN_KEEPALIVE int ss_open_model(const char* name) {
  const std::string n = name ? name : "";
  if (!valid_model_name(n)) return 0;
  AppState& s = state();
  s.loading = n;
  fetch_model(n, "model.safetensors", [&s](auto m) { install_model(s, std::move(m)); });
  return 1;
}

}  // extern "C"
#endif
