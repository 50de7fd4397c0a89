#include <string>
#include <vector>

#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void draw_sink_grid(app::AppState& s) {
  const app::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  // [L, H]: each head's strongest sink score, and which key it is.
  static std::vector<float> grid;
  static std::vector<int> best_key;
  grid.assign(size_t(v->L) * v->H, 0.0f);
  best_key.assign(size_t(v->L) * v->H, 0);
  for (int l = 0; l < v->L; ++l)
    for (int h = 0; h < v->H; ++h)
      for (int k = 0; k < v->T; ++k) {
        float sc = v->analysis.score(l, h, k);
        if (sc > grid[size_t(l) * v->H + h]) grid[size_t(l) * v->H + h] = sc, best_key[size_t(l) * v->H + h] = k;
      }
  ImGui::TextUnformatted("Sink map");
  ImGui::SameLine();
  help_marker("Each cell is one head: its largest sink_score over keys. Bright = the head has a sink. Click a cell "
              "(or use the arrow keys) to select the head.");
  ImGui::SameLine(0, 12);
  metric_float("Sink_1", v->analysis.sink1_share, "%.2f", guide::kSink1Share);
  HeatmapSpec hs;
  hs.values = grid.data();
  hs.rows = v->L;
  hs.cols = v->H;
  hs.cmap = ColorMap::Magma;
  hs.row_title = "layer";
  hs.col_title = "head";
  hs.legend_title = "sink score";
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
    int k = best_key[size_t(r) * v->H + c];
    ImGui::Text("layer %d, head %d", r, c);
    ImGui::Text("strongest sink: key %d %s", k, v->chips[k].c_str());
    ImGui::Text("sink_score %.3f", grid[size_t(r) * v->H + c]);
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
