#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/line_plot.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void draw_residual_view(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  ImGui::TextUnformatted("Outlier features in the residual stream");
  ImGui::SameLine();
  help_marker(guide::kOutlier);
  ImVec2 avail = ImGui::GetContentRegionAvail();
  // [L, T] log10 of (max |h| / median |h|): a ratio of 100 is two steps above 1.
  static std::vector<float> logratio;
  logratio.resize(v->resid_ratio.size());
  float vmax = 1.0f;
  for (size_t i = 0; i < logratio.size(); ++i) {
    logratio[i] = std::log10(std::max(v->resid_ratio[i], 1.0f));
    vmax = std::max(vmax, logratio[i]);
  }
  static std::vector<std::string> layer_names;
  layer_names.clear();
  for (int l = 0; l < v->L; ++l) layer_names.push_back("L" + std::to_string(l));
  HeatmapSpec hs;
  hs.values = logratio.data();
  hs.rows = v->L;
  hs.cols = v->T;
  hs.vmax = std::ceil(vmax * 2.0f) / 2.0f;
  hs.cmap = ColorMap::Magma;
  hs.row_labels = &layer_names;
  hs.col_labels = &v->chips;
  hs.row_title = "layer";
  hs.col_title = "token";
  hs.legend_title = "log10(x median)";
  hs.legend_width = 110.0f;
  hs.square = false;
  hs.max_cell = 40.0f;
  hs.selected_row = s.sel.layer;
  hs.selected_col = s.sel.token;
  hs.highlight = -1;
  hs.tooltip = [&](int l, int i) {
    ImGui::Text("layer %d, token %d %s", l, i, v->chips[i].c_str());
    ImGui::Text("|resid| = %.2f", v->resid_norm[size_t(l) * v->T + i]);
    ImGui::Text("max |h| / median |h| = %.1fx", v->resid_ratio[size_t(l) * v->T + i]);
    if (l < static_cast<int>(v->analysis.massive.size()))
      for (auto& e : v->analysis.massive[l].top)
        if (e.token == i) ImGui::Text("dim %d: %.2f (%.0fx median)", e.dim, e.value, e.ratio_to_median);
  };
  HeatmapResult hr = heatmap("##ratio", hs, ImVec2(avail.x, avail.y * 0.42f));
  if (hr.hovered_col >= 0) hover_token(hr.hovered_col);
  if (hr.clicked) s.sel.layer = hr.hovered_row, s.sel.token = hr.hovered_col;

  // Norm across layers: BOS, the token in focus, and the mean of the rest.
  int focus = explorer::explorer_ui().highlight >= 0 ? explorer::explorer_ui().highlight : s.sel.token;
  LinePlotSpec lp;
  lp.x_title = "layer";
  lp.y_title = "|resid|";
  LineSeries bos{"token 0 " + v->chips[0], {}, {}, category(0)};
  LineSeries rest{"mean of the others", {}, {}, IM_COL32(150, 150, 150, 255)};
  rest.dashed = true;
  LineSeries foc{focus > 0 && focus < v->T ? "token " + std::to_string(focus) + " " + v->chips[focus] : "", {}, {}, category(1)};
  for (int l = 0; l < v->L; ++l) {
    bos.ys.push_back(v->resid_norm[size_t(l) * v->T]);
    double m = 0;
    for (int i = 1; i < v->T; ++i) m += v->resid_norm[size_t(l) * v->T + i];
    rest.ys.push_back(v->T > 1 ? static_cast<float>(m / (v->T - 1)) : NAN);
    if (!foc.name.empty()) foc.ys.push_back(v->resid_norm[size_t(l) * v->T + focus]);
  }
  lp.series = {bos, rest};
  if (!foc.name.empty()) lp.series.push_back(foc);
  lp.marker_x = static_cast<float>(s.sel.layer);
  float w = avail.x * 0.5f;
  ImGui::BeginGroup();
  line_plot("norms", lp, ImVec2(w, ImGui::GetContentRegionAvail().y));
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  const int l = s.sel.layer;
  if (l < static_cast<int>(v->analysis.massive.size())) {
    const LayerMassive& m = v->analysis.massive[l];
    ImGui::Text("Layer %d", l);
    ImGui::SameLine();
    metric_float("median |h|", m.median_abs, "%.3g", guide::kRatioToMedian);
    ImGui::SameLine();
    metric_float("max |h|", m.max_abs, "%.3g", guide::kRatioToMedian);
    ImGui::Text("%d entries pass massive_abs %.0f and massive_rel %.0f", static_cast<int>(m.over_threshold.size()),
                s.settings.massive_abs, s.settings.massive_rel);
    ImGui::SameLine();
    help_marker(guide::kMassive);
    if (ImGui::BeginTable("##top", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY,
                          ImVec2(0, ImGui::GetContentRegionAvail().y))) {
      ImGui::TableSetupScrollFreeze(0, 1);
      ImGui::TableSetupColumn("token");
      ImGui::TableSetupColumn("dim");
      ImGui::TableSetupColumn("value");
      ImGui::TableSetupColumn("x median");
      ImGui::TableHeadersRow();
      for (const MassiveEntry& e : m.top) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%d %s", e.token, e.token < v->T ? v->chips[e.token].c_str() : "");
        if (ImGui::IsItemHovered()) hover_token(e.token);
        ImGui::TableNextColumn();
        ImGui::Text("%d", e.dim);
        ImGui::TableNextColumn();
        ImGui::Text("%.2f", e.value);
        ImGui::TableNextColumn();
        ImGui::Text("%.0fx", e.ratio_to_median);
      }
      ImGui::EndTable();
    }
  }
  ImGui::EndGroup();
}

}  // namespace ss::ui
