#include <algorithm>
#include <cstdio>

#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/head_picker.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

// The selected head's pattern with its sinks and catches. `pattern` [T, T].
void attention_heatmap(const char* id, const explorer::ExplorerView& v, const std::vector<float>& pattern, ImVec2 size) {
  HeatmapSpec hs;
  hs.values = pattern.data();
  hs.rows = hs.cols = static_cast<int>(pattern.size() == size_t(v.T) * v.T ? v.T : 0);
  hs.causal = true;
  hs.row_labels = &v.chips;
  hs.col_labels = &v.chips;
  hs.row_title = "query";
  hs.col_title = "key (attended to)";
  hs.legend_title = "attention";
  for (size_t k = 0; k < v.head_sinks.size(); ++k) {
    const Sink& sk = v.analysis.sinks[v.head_sinks[k]];
    hs.marked_cols.push_back(sk.key);
    hs.marked_colors.push_back(category(static_cast<int>(k)));
    if (sk.span_end > sk.span_begin)
      hs.spans.push_back({sk.key, sk.span_begin, sk.span_end - 1, 0, static_cast<int>(k)});
  }
  hs.highlight = explorer::explorer_ui().highlight;
  hs.tooltip = [&](int r, int c) {
    ImGui::Text("query %d %s", r, v.chips[r].c_str());
    ImGui::Text("key   %d %s", c, v.chips[c].c_str());
    ImGui::Text("attention %.3f", pattern[size_t(r) * v.T + c]);
    ImGui::TextDisabled("sink_score(%d) = %.3f", c, v.analysis.score(v.layer, v.head, c));
  };
  HeatmapResult r = heatmap(id, hs, size);
  if (r.hovered_row >= 0) hover_token(r.hovered_row);
}

void draw_attention_view(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  head_picker(s);
  sink_picker(s);
  if (const Sink* sk = v->sink()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f (uniform %.3f)", sk->score, sk->uniform_score);
    metric_value("sink_score", buf, guide::kSinkScore);
    ImGui::SameLine(0, 16);
    std::snprintf(buf, sizeof buf, "%d tokens", static_cast<int>(sk->caught.size()));
    metric_value("caught", buf, guide::kCatchTau);
    ImGui::SameLine(0, 16);
    std::snprintf(buf, sizeof buf, "[%d, %d)", sk->span_begin, sk->span_end);
    metric_value("catch_span", buf, guide::kCatchSpan);
  }
  ImVec2 avail = ImGui::GetContentRegionAvail();
  bool side = avail.x > avail.y * 1.25f;  // grid beside the map when wide, under it otherwise
  ImVec2 map_size = side ? ImVec2(avail.x * 0.62f, avail.y) : ImVec2(avail.x, avail.y * 0.62f);
  attention_heatmap("##attn", *v, v->base.pattern, map_size);
  if (side) ImGui::SameLine();
  ImGui::BeginGroup();
  draw_sink_grid(s);
  ImGui::EndGroup();
}

}  // namespace ss::ui
