#include <string>

#include "explorer/second_half.h"
#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/token_chips.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void draw_token_strip(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  ImGui::Text("%d tokens", v->T);
  ImGui::SameLine();
  help_marker("Each chip is one token (hover: position and id). Colour = the sink of the selected head that "
              "caught it; 'sink' marks the sink tokens themselves. Hovering a chip highlights the token in every panel.");
  ImGui::SameLine();
  ImGui::TextDisabled("colours: catches of %s", head_label(v->layer, v->head));
  ImGui::SameLine();
  draw_pin_button(s);
  const explorer::Pinned& pin = explorer::pinned();
  if (pin.valid) {  // compare: the selected head's spans in the pinned prompt and now
    auto spans = [&](const Analysis& an) {
      std::string out;
      for (const Sink& sk : an.sinks)
        if (sk.layer == v->layer && sk.head == v->head)
          out += (out.empty() ? "" : ", ") + std::to_string(sk.key) + ":[" + std::to_string(sk.span_begin) + "," +
                 std::to_string(sk.span_end) + ")";
      return out.empty() ? std::string("none") : out;
    };
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.75f, 0.3f, 1));
    ImGui::TextWrapped("spans pinned: %s  ->  now: %s", spans(pin.analysis).c_str(), spans(v->analysis).c_str());
    ImGui::PopStyleColor();
    tooltip_for_last_item("The selected head's sinks as key:[span begin, end), in the pinned prompt and now. Chips "
                          "inside a pinned span carry a '_' badge.");
  }
  ChipsSpec cs;
  cs.texts = &v->chips;
  cs.ids = v->in.ids;
  cs.fills.assign(v->T, 0);
  cs.badges.assign(v->T, "");
  for (int i = 0; i < v->T; ++i)
    if (v->caught_by[i] >= 0) cs.fills[i] = category(v->caught_by[i], 0.55f);
  for (size_t k = 0; k < v->head_sinks.size(); ++k) {
    const Sink& sk = v->analysis.sinks[v->head_sinks[k]];
    cs.fills[sk.key] = category(static_cast<int>(k));
    cs.badges[sk.key] = "sink";
  }
  if (pin.valid)  // pinned spans of the selected head: a badge where the span covered the same position
    for (const Sink& sk : pin.analysis.sinks)
      if (sk.layer == v->layer && sk.head == v->head)
        for (int i = sk.span_begin; i < sk.span_end && i < v->T; ++i)
          if (cs.badges[i].empty()) cs.badges[i] = "_";
  cs.highlight = explorer::explorer_ui().highlight;
  cs.selected = s.sel.token;
  ImGui::BeginChild("##chips", ImVec2(0, 0), false);
  ChipsResult r = token_chips("chips", cs);
  ImGui::EndChild();
  hover_token(r.hovered);
  if (r.clicked >= 0) s.sel.token = s.sel.token == r.clicked ? -1 : r.clicked;
}

}  // namespace ss::ui
