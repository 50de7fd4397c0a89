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
  hs.window = v.in.model ? attention_window(v.in.model->config, v.layer) : 0;  // Mistral, Gemma 2, ...: masked like the future
  hs.row_labels = &v.chips;
  hs.col_labels = &v.chips;
  // A model with a sink slot (docs/metrics.md, "Sink slot"): its rows sum to
  // less than 1, and the rest is drawn as one more column, "slot".
  static std::vector<float> with_slot;        // [T, T + 1]
  static std::vector<std::string> slot_labels;  // [T + 1]
  const bool slot = !v.analysis.sink_slot_share.empty() && hs.rows > 0;
  if (slot) {
    const int T = v.T;
    with_slot.assign(size_t(T) * (T + 1), 0.f);
    for (int i = 0; i < T; ++i) {
      double sum = 0;
      for (int j = 0; j <= i; ++j) sum += with_slot[size_t(i) * (T + 1) + j] = pattern[size_t(i) * T + j];
      with_slot[size_t(i) * (T + 1) + T] = static_cast<float>(1.0 - sum);
    }
    slot_labels = v.chips;
    slot_labels.push_back("slot");
    hs.values = with_slot.data();
    hs.cols = T + 1;
    hs.free_cols = 1;
    hs.col_labels = &slot_labels;
  }
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
    if (slot && c == v.T) {
      ImGui::Text("query %d %s", r, v.chips[r].c_str());
      ImGui::Text("to the sink slot %.3f", with_slot[size_t(r) * (v.T + 1) + v.T]);
      ImGui::TextDisabled("sink_slot_share of this head = %.3f", v.analysis.slot_share(v.layer, v.head));
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24);
      ImGui::TextWrapped("%s", guide::kSinkSlot);
      ImGui::PopTextWrapPos();
      return;
    }
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
  if (const int w = v->in.model ? attention_window(v->in.model->config, v->layer) : 0; w > 0) {
    if (v->sink()) ImGui::SameLine(0, 16);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d keys", w);
    metric_value("sliding window", buf,
                 "This layer uses sliding-window attention: each query sees only the last N keys (itself included). "
                 "Keys further back are masked like future ones and drawn in the mask colour: a query more than N "
                 "tokens after the first one cannot attend to it.");
  }
  if (!v->analysis.sink_slot_share.empty()) {
    if (v->sink()) ImGui::SameLine(0, 16);
    metric_float("sink slot", v->analysis.slot_share(v->layer, v->head), "%.3f", guide::kSinkSlot);
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
