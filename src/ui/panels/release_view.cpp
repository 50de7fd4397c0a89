#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/head_picker.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/line_plot.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void draw_release_view(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  head_picker(s);
  sink_picker(s);
  const Sink* sk = v->sink();
  if (!sk) {
    ImGui::TextWrapped("The selected head has no sink. Pick a bright cell in the sink map (Attention panel).");
    return;
  }
  ImVec2 avail = ImGui::GetContentRegionAvail();
  ImGui::BeginGroup();
  ImGui::Text("The tag of sink %d %s across layers", sk->key, v->chips[sk->key].c_str());
  ImGui::SameLine();
  help_marker(guide::kTagProjection);
  LinePlotSpec lp;
  lp.x_title = "layer (resid_post)";
  lp.y_title = "resid . tag/|tag|";
  lp.include_zero = true;
  LineSeries caught{"caught tokens", sk->tag_projection, {}, category(0)};
  LineSeries others{"other tokens", sk->tag_projection_others, {}, IM_COL32(150, 150, 150, 255)};
  others.dashed = true;
  for (size_t i = 0; i < caught.ys.size(); ++i) caught.xs.push_back(float(sk->layer + i));
  for (size_t i = 0; i < others.ys.size(); ++i) others.xs.push_back(float(sk->layer + i));
  lp.series = {caught, others};
  lp.marker_x = float(sk->layer);
  line_plot("proj", lp, ImVec2(avail.x * 0.45f, ImGui::GetContentRegionAvail().y));
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::TextUnformatted("Later heads that read the tag: lift");
  ImGui::SameLine();
  help_marker(guide::kLift);
  if (!sk->has_release || sk->release.empty()) {
    ImGui::TextWrapped(sk->layer + 1 >= v->L ? "The sink is in the last layer: no later head can read it."
                                             : "Release was not computed for this sink (analyze() keeps it to the strongest sinks).");
    ImGui::EndGroup();
    return;
  }
  // [later layers, H] of lift; log2 so 1 (no preference) sits in the middle.
  const int rows = v->L - sk->layer - 1;
  static std::vector<float> lift;
  static std::vector<std::string> row_names, col_names;
  lift.assign(size_t(rows) * v->H, 0.0f);
  row_names.clear();
  col_names.clear();
  for (int r = 0; r < rows; ++r) row_names.push_back("L" + std::to_string(sk->layer + 1 + r));
  for (int h = 0; h < v->H; ++h) col_names.push_back(std::to_string(h));
  for (const Release& rl : sk->release) {
    int r = rl.layer - sk->layer - 1;
    if (r >= 0 && r < rows && rl.head < v->H)
      lift[size_t(r) * v->H + rl.head] = std::log2(std::max(rl.lift, 1e-3f));
  }
  HeatmapSpec hs;
  hs.values = lift.data();
  hs.rows = rows;
  hs.cols = v->H;
  hs.vmin = -2.0f;
  hs.vmax = 2.0f;
  hs.cmap = ColorMap::Diverging;
  hs.row_labels = &row_names;
  hs.col_labels = &col_names;
  hs.row_title = "layer";
  hs.col_title = "head";
  hs.legend_title = "log2 lift";
  hs.show_values = true;
  hs.value_fmt = "%+.1f";
  hs.max_cell = 44.0f;
  hs.tooltip = [&](int r, int h) {
    for (const Release& rl : sk->release)
      if (rl.layer == sk->layer + 1 + r && rl.head == h) {
        ImGui::Text("layer %d, head %d", rl.layer, rl.head);
        const auto [cb, ce] = caught_after(*sk);
        ImGui::Text("lift %.2f: mass on the caught span [%d, %d) %.2f", rl.lift, cb, ce, rl.mass_caught);
        ImGui::Text("baseline %.2f: the head's non-sink attention spread uniformly", rl.uniform_caught);
        ImGui::Text("tag_score_share %.2f", rl.tag_score_share);
        ImGui::TextDisabled("click to open this head");
      }
  };
  HeatmapResult hr = heatmap("##lift", hs, ImVec2(0, ImGui::GetContentRegionAvail().y * 0.72f));
  if (hr.clicked) s.sel.layer = sk->layer + 1 + hr.hovered_row, s.sel.head = hr.hovered_col;
  // The strongest reader, in words.
  const Release* best = nullptr;
  for (const Release& rl : sk->release)
    if (!best || rl.lift > best->lift) best = &rl;
  if (best) {
    ImGui::Text("Strongest reader: L%d H%d, lift %.2f", best->layer, best->head, best->lift);
    ImGui::SameLine();
    metric_float("tag_score_share", best->tag_score_share, "%.2f", guide::kTagScoreShare);
  }
  ImGui::EndGroup();
}

}  // namespace ss::ui
