// The training timeline's strip (explorer/timeline.h), above the panels while
// the app's model is a timeline: a slider over the checkpoints (each loaded on
// demand; every panel then shows it, the prompt stays) and three plots over
// training steps from timeline.json, each with a line at the checkpoint shown.
#include <cmath>
#include <cstdio>
#include <vector>

#include "explorer/timeline.h"
#include "imgui.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/line_plot.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

bool timeline_strip_shown() { return !explorer::timeline().name.empty(); }

void draw_timeline_strip(explorer::AppState& s, float height) {
  const explorer::Timeline& tl = explorer::timeline();
  if (tl.name.empty() || tl.checkpoints.empty()) return;
  const int n = static_cast<int>(tl.checkpoints.size());
  int i = tl.loading >= 0 ? tl.loading : tl.index;
  char label[64];
  std::snprintf(label, sizeof label, "step %d (%d of %d)", tl.checkpoints[i].step, i + 1, n);
  ImGui::TextUnformatted("Training timeline");
  ImGui::SameLine();
  help_marker(guide::kTimeline);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
  if (ImGui::SliderInt("##checkpoint", &i, 0, n - 1, label)) explorer::timeline_set(s, i);
  tooltip_for_last_item("Drag to load another checkpoint of training: every panel updates for it, the prompt stays.");
  ImGui::SameLine();
  const explorer::TimelinePoint& p = tl.checkpoints[tl.index >= 0 ? tl.index : 0];
  ImGui::TextDisabled("val loss %.2f, sink share %.2f, BOS outlier %.0fx%s%s", p.val_loss, p.sink_share, p.outlier_ratio,
                      tl.status.empty() ? "" : "  ", tl.status.c_str());
  // x: log10(step); the checkpoints are log-spaced.
  std::vector<float> xs, loss, share, ratio;
  for (const explorer::TimelinePoint& e : tl.evals) {
    xs.push_back(std::log10(float(std::max(e.step, 1))));
    loss.push_back(e.val_loss);
    share.push_back(e.sink_share);
    ratio.push_back(e.outlier_ratio);
  }
  const float marker = std::log10(float(std::max(tl.checkpoints[tl.index >= 0 ? tl.index : 0].step, 1)));
  const float w = ImGui::GetContentRegionAvail().x / 3.0f - 6.0f;
  const float h = std::max(40.0f, height - ImGui::GetFrameHeightWithSpacing() - 8.0f);
  auto plot = [&](const char* id, const char* name, const std::vector<float>& ys, int color, bool log_y, const char* tip) {
    ImGui::BeginGroup();  // title over plot, the three groups side by side
    ImGui::TextDisabled("%s", name);
    LinePlotSpec lp;
    lp.legend = false;
    LineSeries ls{name, ys, xs, category(color)};
    ls.markers = false;
    lp.series = {ls};
    lp.x_title = "log10 step";
    lp.integer_x = false;
    lp.log_y = log_y;
    lp.include_zero = !log_y;
    lp.marker_x = marker;
    line_plot(id, lp, ImVec2(w, h - ImGui::GetTextLineHeightWithSpacing()));
    tooltip_for_last_item(tip);
    ImGui::EndGroup();
  };
  plot("##tl_loss", "val loss", loss, 0, false, "Validation loss (nats) at every evaluation during training.");
  ImGui::SameLine();
  plot("##tl_share", "sink share", share, 1, false,
       "Largest per-layer share of heads with sink_score(0) > 0.3 on held-out windows of 64 tokens.");
  ImGui::SameLine();
  plot("##tl_ratio", "BOS outlier ratio", ratio, 2, true,
       "Largest over layers of max |h| at BOS over the window's median |h|: the massive activation forming.");
}

}  // namespace ss::ui
