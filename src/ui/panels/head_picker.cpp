#include "ui/panels/head_picker.h"

#include <string>

#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/widgets/colormap.h"

namespace ss::ui {

void head_picker(explorer::AppState& s) {
  const explorer::ExplorerView* v = explorer::explorer_view();
  if (!v || v->L <= 0 || v->H <= 0) {
    ImGui::TextDisabled("(no model: no heads to pick)");
    return;
  }
  ImGui::PushItemWidth(ImGui::GetFontSize() * 6);
  ImGui::SliderInt("layer", &s.sel.layer, 0, v->L - 1);
  ImGui::SameLine();
  ImGui::SliderInt("head", &s.sel.head, 0, v->H - 1);
  ImGui::PopItemWidth();
  ImGui::SameLine();
  ImGui::TextDisabled("(arrow keys move)");
}

void sink_picker(explorer::AppState& s) {
  (void)s;
  const explorer::ExplorerView* v = explorer::explorer_view();
  if (!v) return;
  auto& ui = explorer::explorer_ui();
  if (v->head_sinks.empty()) {
    if (v->T == 1) ImGui::TextDisabled("no sinks: one token");
    else ImGui::TextDisabled("This head has no sink (see the sink_score tooltip for the rule); pick a bright cell in the sink grid.");
    return;
  }
  ImGui::TextUnformatted("sinks:");
  for (size_t i = 0; i < v->head_sinks.size(); ++i) {
    const Sink& sk = v->analysis.sinks[v->head_sinks[i]];
    ImGui::SameLine();
    std::string label = std::to_string(sk.key) + " " + v->chips[sk.key] + " (" + sink_kind_name(sk.kind) + ")##sink" + std::to_string(i);
    bool sel = ui.selected_sink == static_cast<int>(i);
    ImGui::PushStyleColor(ImGuiCol_Button, ImGui::ColorConvertU32ToFloat4(category(static_cast<int>(i), sel ? 1.0f : 0.45f)));
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(contrast_text(category(static_cast<int>(i)))));
    if (ImGui::SmallButton(label.c_str())) ui.selected_sink = static_cast<int>(i);
    ImGui::PopStyleColor(2);
    if (ImGui::IsItemHovered()) {
      hover_token(sk.key);
      ImGui::SetTooltip("sink_score(%d) = %.3f\nuniform_score(%d) = %.3f (what uniform attention gives it)\n"
                        "seen by %d queries; caught %d", sk.key, sk.score, sk.key, sk.uniform_score, v->T - sk.key,
                        static_cast<int>(sk.caught.size()));
    }
  }
}

}  // namespace ss::ui
