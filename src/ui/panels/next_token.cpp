#include <vector>

#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"
#include "ui/widgets/bars.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void draw_next_token(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  ImGui::TextUnformatted("Next token");
  ImGui::SameLine();
  help_marker(guide::kNextToken);
  ImGui::SameLine(0, 16);
  metric_float("loss", v->base.loss, "%.3f nats", guide::kLoss);
  std::vector<Bar> bars;
  for (auto& t : v->base.next) bars.push_back({t.text, t.prob, category(0)});
  hbars("next", bars, bars.empty() ? 1.0f : bars[0].value, ImGui::GetContentRegionAvail().x);
}

}  // namespace ss::ui
