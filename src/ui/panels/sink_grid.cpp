#include <string>
#include <vector>

#include "explorer/second_half.h"
#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void draw_sink_grid(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  // [L, H]: each head's strongest sink by the significance rule (docs/metrics.md, "Sink map").
  static std::vector<float> grid;
  const std::vector<SinkMapCell> cells = sink_map(v->analysis);
  grid.resize(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) grid[i] = cells[i].score;
  // Pinned (compare two prompts): each head's sink-score change, now - pinned.
  const explorer::Pinned& pin = explorer::pinned();
  const bool delta = pin.valid && pin.cells.size() == cells.size();
  if (delta)
    for (size_t i = 0; i < cells.size(); ++i) grid[i] = cells[i].score - pin.cells[i].score;
  ImGui::TextUnformatted("Sink map");
  ImGui::SameLine();
  help_marker("Each cell is one head: the sink_score of its strongest sink (0 = no sink by the rule in the "
              "sink_score tooltip). Bright = the head has a sink. Click a cell (or use the arrow keys) to select the head.");
  ImGui::SameLine(0, 12);
  metric_float("Sink_1 (eps 0.3)", v->analysis.sink1_share, "%.2f", guide::kSink1Share);
  if (v->T < explorer::analysis_settings(s).sink_min_queries) {
    ImGui::TextDisabled(v->T == 1 ? "no sinks: one token" : "no sinks: too few tokens for sink_min_queries");
    return;
  }
  HeatmapSpec hs;
  hs.values = grid.data();
  hs.rows = v->L;
  hs.cols = v->H;
  hs.cmap = delta ? ColorMap::Diverging : ColorMap::Magma;
  if (delta) hs.vmin = -1, hs.vmax = 1;
  if (delta) ImGui::TextColored(ImVec4(0.95f, 0.75f, 0.3f, 1), "pinned: cells show sink score now - pinned");
  if (delta) tooltip_for_last_item("Compare two prompts: blue = the head's strongest sink weakened since you pinned, "
                                   "red = strengthened. Unpin (token strip) to go back.");
  hs.row_title = "layer";
  hs.col_title = "head";
  hs.legend_title = delta ? "delta" : "sink score";
  hs.selected_row = s.sel.layer;
  hs.selected_col = s.sel.head;
  hs.show_values = true;
  hs.value_fmt = "%.2f";
  hs.max_cell = 44.0f;
  static std::vector<std::string> rows, cols;
  rows.clear();
  cols.clear();
  for (int l = 0; l < v->L; ++l) rows.push_back(std::to_string(l));
  for (int h = 0; h < v->H; ++h) cols.push_back(std::to_string(h));
  hs.row_labels = &rows;
  hs.col_labels = &cols;
  hs.tooltip = [&](int r, int c) {
    const SinkMapCell& cell = cells[size_t(r) * v->H + c];
    ImGui::Text("layer %d, head %d", r, c);
    if (cell.key < 0) {
      ImGui::TextUnformatted("no sink");
    } else {
      ImGui::Text("strongest sink: key %d %s", cell.key, v->chips[cell.key].c_str());
      ImGui::Text("sink_score %.3f (uniform attention: %.3f)", cell.score,
                  uniform_scores(v->T)[cell.key]);
    }
    if (delta) ImGui::Text("pinned: %.3f (key %d); change %+.3f", pin.cells[size_t(r) * v->H + c].score,
                           pin.cells[size_t(r) * v->H + c].key, grid[size_t(r) * v->H + c]);
    if (!v->analysis.sink_slot_share.empty())  // attention to no token at all (docs/metrics.md, "Sink slot")
      ImGui::Text("to the sink slot: %.3f of its attention (sink_slot_share)", v->analysis.slot_share(r, c));
    ImGui::TextDisabled("click to select");
  };
  ImVec2 avail = ImGui::GetContentRegionAvail();
  HeatmapResult r = heatmap("##grid", hs, ImVec2(avail.x, std::min(avail.y, avail.x * 1.1f)));
  if (r.clicked) {
    s.sel.layer = r.hovered_row;
    s.sel.head = r.hovered_col;
  }
}

}  // namespace ss::ui
