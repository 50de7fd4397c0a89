// Compare mode: the app's model and a second one on the same prompt, side by
// side (explorer/compare.h): sink map, the token strip with the selected
// head's catches, residual outliers per layer, and the prompt's loss. Both
// sides are CompareSide, drawn by one function.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "explorer/compare.h"
#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/line_plot.h"
#include "ui/widgets/token_chips.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {
namespace {

void draw_side(explorer::AppState& s, const explorer::CompareSide& c, int which, float width, float height) {
  ImGui::PushID(which);
  ImGui::BeginChild("##side", ImVec2(width, height), false);
  ImGui::TextUnformatted(c.name.c_str());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f nats", c.loss);
  metric_value("loss", buf, "Mean next-token cross-entropy over the prompt (nats): how well this model predicts it.");
  ImGui::SameLine(0, 12);
  metric_float("Sink_1", c.sink1_share, "%.2f", guide::kSink1Share);
  ImGui::SameLine(0, 12);
  metric_float("max sink_score", c.max_sink_score, "%.2f",
               "The largest sink_score of any sink (by the significance rule) in any head of this model.");
  if (!c.sink_slot_share.empty()) {
    const auto [lo, hi] = std::minmax_element(c.sink_slot_share.begin(), c.sink_slot_share.end());
    std::snprintf(buf, sizeof buf, "%.2f - %.2f", *lo, *hi);
    metric_value("sink slot", buf, guide::kSinkSlot);
  }
  // Sink map [L, H].
  std::vector<float> grid(c.map.size());
  for (size_t i = 0; i < c.map.size(); ++i) grid[i] = c.map[i].score;
  std::vector<std::string> rows, cols;
  for (int l = 0; l < c.L; ++l) rows.push_back(std::to_string(l));
  for (int h = 0; h < c.H; ++h) cols.push_back(std::to_string(h));
  HeatmapSpec hs;
  hs.values = grid.data();
  hs.rows = c.L;
  hs.cols = c.H;
  hs.cmap = ColorMap::Magma;
  hs.row_title = "layer";
  hs.col_title = "head";
  hs.legend_title = "sink score";
  hs.selected_row = c.layer;
  hs.selected_col = c.head;
  hs.show_values = true;
  hs.value_fmt = "%.2f";
  hs.max_cell = 36.0f;
  hs.row_labels = &rows;
  hs.col_labels = &cols;
  hs.tooltip = [&](int r, int col) {
    const SinkMapCell& cell = c.map[size_t(r) * c.H + col];
    ImGui::Text("%s: layer %d, head %d", c.name.c_str(), r, col);
    if (cell.key < 0) ImGui::TextUnformatted("no sink");
    else ImGui::Text("strongest sink: key %d %s, sink_score %.3f", cell.key, c.chips[cell.key].c_str(), cell.score);
    if (!c.sink_slot_share.empty())
      ImGui::Text("sink slot share %.3f", c.sink_slot_share[size_t(r) * c.H + col]);
    ImGui::TextDisabled("click: select this head in both models");
  };
  const float map_h = std::min(height * 0.45f, width * 1.1f);
  HeatmapResult r = heatmap("##cmpgrid", hs, ImVec2(width, map_h));
  if (r.clicked) s.sel.layer = r.hovered_row, s.sel.head = r.hovered_col;
  // Token strip: the selected head's catches.
  ImGui::TextDisabled("catches of %s", head_label(c.layer, c.head));
  ChipsSpec cs;
  cs.texts = &c.chips;
  cs.fills.assign(c.T, 0);
  cs.badges.assign(c.T, "");
  for (int i = 0; i < c.T && i < int(c.caught_by.size()); ++i)
    if (c.caught_by[i] >= 0) cs.fills[i] = category(c.caught_by[i], 0.55f);
  for (size_t k = 0; k < c.head_sink_keys.size(); ++k)
    if (c.head_sink_keys[k] < c.T) cs.fills[c.head_sink_keys[k]] = category(int(k)), cs.badges[c.head_sink_keys[k]] = "sink";
  cs.highlight = explorer::explorer_ui().highlight;
  cs.show_positions = false;
  ImGui::BeginChild("##cmpchips", ImVec2(width, height * 0.22f), false);
  hover_token(token_chips("chips", cs).hovered);
  ImGui::EndChild();
  // Residual outliers per layer.
  LinePlotSpec lp;
  LineSeries all{"max |h| / median", c.outlier_ratio, {}, category(0)};
  LineSeries bos{"BOS max |h| / median", c.bos_ratio, {}, category(1)};
  bos.dashed = true;
  lp.series = {all, bos};
  lp.x_title = "layer";
  lp.y_title = "ratio";
  lp.log_y = true;
  lp.include_zero = false;
  lp.marker_x = float(c.layer);
  line_plot("##cmpout", lp, ImVec2(width, std::max(60.0f, ImGui::GetContentRegionAvail().y)));
  tooltip_for_last_item("Residual outliers: per layer, the largest |activation| in resid_post over the prompt, and "
                        "the largest at BOS (token 0), as multiples of the layer's median |activation|.");
  ImGui::EndChild();
  ImGui::PopID();
}

}  // namespace

void draw_compare(explorer::AppState& s) {
  draw_compare_picker(s);
  ImGui::SameLine();
  help_marker(guide::kCompare);
  const explorer::CompareState& cmp = explorer::compare_state();
  if (!cmp.status.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", cmp.status.c_str());
  }
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  if (cmp.name.empty()) {
    ImGui::TextWrapped("Pick a model to compare with: it runs on the same prompt, beside %s. Try demo-lm-gated: "
                       "does gated attention still make BOS sinks?", s.model_name.c_str());
    return;
  }
  if (!cmp.ready) return;
  if (!cmp.same_shape)
    ImGui::TextDisabled("the models differ in layers or heads: the compared side shows the nearest head");
  const explorer::CompareSide a = explorer::side_of_view(*v, s.model_name);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float w = avail.x * 0.5f - 6.0f;
  draw_side(s, a, 0, w, avail.y);
  ImGui::SameLine();
  draw_side(s, cmp.side, 1, w, avail.y);
}

}  // namespace ss::ui
