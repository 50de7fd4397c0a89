#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "explorer/compression.h"
#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/head_picker.h"
#include "ui/panels/panels.h"
#include "ui/widgets/bars.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void attention_heatmap(const char* id, const explorer::ExplorerView& v, const std::vector<float>& pattern, ImVec2 size);

namespace {

void side(const char* title, const explorer::ExplorerView& v, const explorer::RunSummary& r, const explorer::RunSummary* other,
          float width, float height) {
  ImGui::BeginChild(title, ImVec2(width, height), true);
  ImGui::TextUnformatted(title);
  ImGui::SameLine(0, 16);
  metric_float("loss", r.loss, "%.3f", guide::kLoss);
  if (other) {
    ImGui::SameLine();
    ImGui::TextColored(r.loss > other->loss ? ImVec4(1, 0.5f, 0.4f, 1) : ImVec4(0.5f, 0.9f, 0.5f, 1), "(%+.3f)",
                       r.loss - other->loss);
  }
  std::vector<Bar> bars;
  for (auto& t : r.next) {
    Bar b{t.text, t.prob, category(0)};
    if (other)
      for (auto& o : other->next)
        if (o.id == t.id) b.ghost = o.prob;
    bars.push_back(b);
  }
  hbars("next", bars, 1.0f, ImGui::GetContentRegionAvail().x);
  attention_heatmap("##map", v, r.pattern, ImGui::GetContentRegionAvail());
  ImGui::EndChild();
}

// One sink map (sink_score(0) per layer and head, mean over the held-out windows).
void sink0_map(const char* id, const char* title, const std::vector<float>& grid, int L, int H, float w, float h) {
  ImGui::BeginGroup();
  ImGui::TextUnformatted(title);
  HeatmapSpec hs;
  hs.values = grid.data();
  hs.rows = L;
  hs.cols = H;
  hs.cmap = ColorMap::Magma;
  hs.row_title = "layer";
  hs.col_title = "head";
  hs.legend_width = 0;
  hs.show_values = true;
  hs.value_fmt = "%.2f";
  hs.max_cell = 30.0f;
  heatmap(id, hs, ImVec2(w, h));
  ImGui::EndGroup();
}

// Compression at equal parameter budget (docs/metrics.md, "Compression"):
// sliders pick the sparsity p and the low-rank model's rank ratio; the
// low-rank, OATS and pruned models run on held-out text in slices of a few ms
// per frame (cached per setting), so the page keeps drawing while they work.
void compression(explorer::AppState& s) {
  auto& ui = explorer::explorer_ui();
  ImGui::SetNextItemWidth(160);
  ImGui::SliderFloat("sparsity p", &ui.sparsity, 0.0f, 0.95f, "%.2f");
  tooltip_for_last_item("Share of each attention weight matrix's entries that magnitude pruning sets to 0. The "
                        "low-rank and OATS models get the same parameter budget, (1 - p) m n per m x n matrix.");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  ImGui::SliderFloat("rank ratio", &ui.rank_ratio, 0.05f, 2.0f, "%.2f");
  tooltip_for_last_item("Low-rank model: rank r = ratio x (1 - p) x m n / (m + n) for each m x n layer matrix; ratio 1 = "
                        "the same number of parameters as the pruned matrix. OATS spends a quarter of the budget on its "
                        "low-rank part and the rest on its largest sparse entries.");
  explorer::CompressionView cv = explorer::explorer_compression(s, 6.0);
  ImGui::SameLine();
  ImGui::Text("p %.2f, low rank r = %d per d x d matrix", cv.sparsity, cv.rank);
  if (!cv.error.empty()) {
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", cv.error.c_str());
    return;
  }
  constexpr int kKinds = 3;
  for (int k = 0; k < kKinds; ++k)
    if (!cv.report[k]) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s: %.0f%%", compress_kind_name(explorer::kCompressKinds[k]), 100 * cv.progress[k]);
      ImGui::ProgressBar(cv.progress[k], ImVec2(200, 0), buf);
      ImGui::SameLine();
    }
  ImGui::NewLine();
  const CompressionReport* any = nullptr;
  for (int k = 0; k < kKinds && !any; ++k) any = cv.report[k];
  if (!any) return;
  ImGui::Text("held-out loss: base %.3f", any->loss_before);
  for (int k = 0; k < kKinds; ++k)
    if (const CompressionReport* r = cv.report[k]) {
      ImGui::SameLine(0, 16);
      ImGui::Text("%s %.3f (%+.3f), %.0f%% of the parameters", compress_kind_name(explorer::kCompressKinds[k]), r->loss_after,
                  r->loss_after - r->loss_before, 100.0 * double(r->params_kept) / double(std::max<int64_t>(1, r->params_total)));
    }
  const float w = (ImGui::GetContentRegionAvail().x - 24) / 4, h = std::min(240.0f, w * 0.9f);
  sink0_map("##c_base", "sink map: base", any->sink0_before, any->n_layers, any->n_heads, w, h);
  for (int k = 0; k < kKinds; ++k)
    if (const CompressionReport* r = cv.report[k]) {
      ImGui::SameLine();
      const std::string id = "##c" + std::to_string(k), title = std::string("sink map: ") + compress_kind_name(explorer::kCompressKinds[k]);
      sink0_map(id.c_str(), title.c_str(), r->sink0_after, r->n_layers, r->n_heads, w, h);
    }
}

}  // namespace

void draw_interventions(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  auto& ui = explorer::explorer_ui();
  head_picker(s);
  sink_picker(s);
  const Sink* sk = v->sink();
  ImGui::BeginDisabled(!sk);
  ImGui::Checkbox("ablate the sink", &ui.ablate_sink);
  tooltip_for_last_item("The selected head's attention to the sink's key is set to 0 and the rows renormalised.");
  ImGui::SameLine();
  ImGui::Checkbox("remove the tag", &ui.remove_tag);
  tooltip_for_last_item("The tag direction v_sink W_O is projected out of the residual stream after the sink's layer, at every token.");
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::Checkbox("knock out the head", &ui.knock_out_head);
  tooltip_for_last_item("The selected head's output is set to 0.");
  draw_clamp_controls(s);
  if (ImGui::CollapsingHeader("Compression: low rank, OATS and pruning at equal parameter budget")) compression(s);
  if (!v->after_error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", v->after_error.c_str());
  else if (v->has_after) ImGui::TextWrapped("After: %s", v->after_label.c_str());
  else ImGui::TextDisabled("Turn on an intervention to compare. Maps show %s before and after.", head_label(v->layer, v->head));
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float w = v->has_after ? avail.x * 0.5f - 4 : avail.x;
  side("before", *v, v->base, nullptr, w, avail.y);
  if (v->has_after) {
    ImGui::SameLine();
    side("after", *v, v->after, &v->base, w, avail.y);
  }
}

}  // namespace ss::ui
