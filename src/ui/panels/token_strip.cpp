#include <string>

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
  cs.highlight = explorer::explorer_ui().highlight;
  cs.selected = s.sel.token;
  ImGui::BeginChild("##chips", ImVec2(0, 0), false);
  ChipsResult r = token_chips("chips", cs);
  ImGui::EndChild();
  hover_token(r.hovered);
  if (r.clicked >= 0) s.sel.token = s.sel.token == r.clicked ? -1 : r.clicked;
}

}  // namespace ss::ui
