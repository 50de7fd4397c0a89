#include <cstdio>
#include <vector>

#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/head_picker.h"
#include "ui/panels/panels.h"
#include "ui/widgets/bars.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void attention_heatmap(const char* id, const app::ExplorerView& v, const std::vector<float>& pattern, ImVec2 size);

namespace {

void side(const char* title, const app::ExplorerView& v, const app::RunSummary& r, const app::RunSummary* other,
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

}  // namespace

void draw_interventions(app::AppState& s) {
  const app::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  auto& ui = app::explorer_ui();
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
