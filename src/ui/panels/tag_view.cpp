#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/head_picker.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/line_plot.h"
#include "ui/widgets/scatter.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void draw_tag_view(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  head_picker(s);
  sink_picker(s);
  const HeadDetail& d = v->detail;
  const Sink* sk = v->sink();
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.0f%% (top-2 %.0f%%)", 100 * v->tag_variance,
                100 * (sk && sk->has_variance ? sk->var_top2 : d.var_top2));
  metric_value("tag_variance", buf, guide::kTagVariance);
  ImGui::SameLine(0, 16);
  // Every number here belongs to the selected sink: its own tag against the head's PC1.
  metric_float("|cos(PC1, tag)|", sk ? cos_pc1_tag(d, sk->tag) : 0.f, "%.2f", guide::kCosTopPcTag);
  if (sk) {
    ImGui::SameLine(0, 16);
    metric_float("|tag|", sk->tag_norm, "%.3g", guide::kTag);
  }

  ImVec2 avail = ImGui::GetContentRegionAvail();
  ScatterSpec sc;
  const int T = static_cast<int>(d.coords.size() / 2);
  for (int i = 0; i < T; ++i) {
    sc.xs.push_back(d.coords[2 * i]);
    sc.ys.push_back(d.coords[2 * i + 1]);
    int k = i < static_cast<int>(v->caught_by.size()) ? v->caught_by[i] : -1;
    sc.colors.push_back(k >= 0 ? category(k) : IM_COL32(140, 140, 140, 200));
    sc.labels.push_back(i < v->T ? v->chips[i] : "");
  }
  for (size_t k = 0; k < v->head_sinks.size(); ++k) {
    const Sink& o = v->analysis.sinks[v->head_sinks[k]];
    sc.legend.push_back({"caught by " + std::to_string(o.key) + " " + v->chips[o.key], category(static_cast<int>(k))});
  }
  sc.legend.push_back({"not caught", IM_COL32(140, 140, 140, 200)});
  // The tag in PCA coordinates. Only its direction matters here, so it is drawn
  // as long as the farthest point (the caption says so).
  if (sk && !sk->tag.empty() && d.pc1.size() == sk->tag.size()) {
    double a = 0, b = 0;
    for (size_t j = 0; j < sk->tag.size(); ++j) a += double(sk->tag[j]) * d.pc1[j], b += double(sk->tag[j]) * d.pc2[j];
    double reach = 0;
    for (int i = 0; i < T; ++i) reach = std::max(reach, std::hypot(double(sc.xs[i]), double(sc.ys[i])));
    double n = std::hypot(a, b);
    if (n > 0 && reach > 0)
      sc.arrows.push_back({0, 0, float(a / n * reach), float(b / n * reach),
                           ImGui::GetColorU32(ImGuiCol_Text), "tag (direction)"});
  }
  std::snprintf(buf, sizeof buf, "PC1 (%.0f%% of variance)", 100 * d.var_top1);
  std::string xt = buf;
  std::snprintf(buf, sizeof buf, "PC2 (%.0f%%)", 100 * (d.var_top2 - d.var_top1));
  std::string yt = buf;
  sc.x_title = xt.c_str();
  sc.y_title = yt.c_str();
  sc.highlight = explorer::explorer_ui().highlight;
  ImGui::BeginGroup();
  ImGui::TextDisabled("Outputs of %s, one dot per token", head_label(v->layer, v->head));
  ScatterResult r = scatter("pca", sc, ImVec2(avail.x * 0.55f, ImGui::GetContentRegionAvail().y));
  ImGui::EndGroup();
  hover_token(r.hovered);
  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::TextDisabled("tag_alignment per token");
  ImGui::SameLine();
  help_marker(guide::kTagAlignment);
  if (sk) {
    LinePlotSpec lp;
    lp.x_title = "token position";
    lp.y_title = "cos(head output, tag)";
    // tag_alignment starts at the sink: element i - key is query i.
    std::vector<float> xs(sk->tag_alignment.size());
    for (size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<float>(sk->key + static_cast<int>(i));
    LineSeries al{"tag_alignment", sk->tag_alignment, xs, category(0)};
    al.markers = v->T <= 64;
    lp.series.push_back(al);
    lp.legend = false;
    if (explorer::explorer_ui().highlight >= 0) lp.marker_x = static_cast<float>(explorer::explorer_ui().highlight);
    LinePlotResult lr = line_plot("align", lp, ImGui::GetContentRegionAvail());
    if (lr.hovered_index >= 0) hover_token(sk->key + lr.hovered_index);
  } else {
    ImGui::TextWrapped("Select a head with a sink to see its tag.");
  }
  ImGui::EndGroup();
}

}  // namespace ss::ui
