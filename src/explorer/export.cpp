#include "explorer/export.h"

#include <nlohmann/json.hpp>

#include "analysis/report.h"
#include "explorer/ui_state.h"

namespace ss::explorer {

namespace {

// The full analysis (every sink's tag variance and release; the live view
// leaves those to the panels that show them), computed once per prompt.
const Analysis& full_analysis(const ExplorerView& v) {
  static Analysis full;
  static uint64_t version = 0;
  static const void* model = nullptr;
  static AnalysisSettings used;
  AnalysisSettings st = analysis_settings(state());
  if (version != v.in.prompt_version || model != v.in.model || used != st) {
    full = analyze(*v.in.model, *v.in.taps, st, v.in.texts);
    version = v.in.prompt_version, model = v.in.model, used = st;
  }
  return full;
}

std::vector<SaveRequest>& saves() {
  static std::vector<SaveRequest> q;
  return q;
}

}  // namespace

std::string export_csv(const ExplorerView& v) { return to_csv(full_analysis(v)); }

std::string export_json(const ExplorerView& v) {
  nlohmann::json j = to_json(full_analysis(v), analysis_settings(state()));
  j["tokens"] = *v.in.texts;
  j["ids"] = *v.in.ids;
  j["loss"] = v.base.loss;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // a byte token is no UTF-8
}

std::string export_csv_now() {
  const ExplorerView* v = explorer_view();
  return v ? export_csv(*v) : std::string();
}

std::string export_json_now() {
  const ExplorerView* v = explorer_view();
  return v ? export_json(*v) : std::string();
}

void request_save(std::string name, std::string mime, std::string bytes) {
  saves().push_back({std::move(name), std::move(mime), std::move(bytes)});
}

std::vector<SaveRequest> take_save_requests() { return std::exchange(saves(), {}); }

void request_png(const std::string& name) {
  ExplorerUi& ui = explorer_ui();
  ui.want_png = true;
  ui.png_path = name;
}

bool png_pending() { return explorer_ui().want_png; }

namespace {
struct SvgState {
  bool pending = false, download = false;
  std::string name;  // download name
  std::string last;  // the last figure's text
  int count = 0;
};
SvgState& svg_state() {
  static SvgState st;
  return st;
}
}  // namespace

void request_svg(const std::string& name, bool download) {
  SvgState& st = svg_state();
  st.pending = true;
  st.download = st.download || download;
  if (download) st.name = name;
}

bool svg_pending() { return svg_state().pending; }

void finish_svg(SvgDoc doc) {
  SvgState& st = svg_state();
  const AppState& s = state();
  doc.title = "sinkscope: " + std::string(panel_title(explorer_ui().panel)) + ", layer " + std::to_string(s.sel.layer) +
              ", head " + std::to_string(s.sel.head) + ", model " + s.model_name + ", prompt: " + s.prompt;
  st.last = svg_document(doc);
  ++st.count;
  if (st.download) request_save(st.name, "image/svg+xml", st.last);
  st.pending = st.download = false;
}

const std::string& last_svg() { return svg_state().last; }
int svg_count() { return svg_state().count; }

}  // namespace ss::explorer
