// The model picker (the app's model) and "compare with..." (a second model
// side by side, explorer/compare.h): both list the shipped language models
// (explorer/model_fetch.h, the catalog), each with a tooltip saying what it is.
#include <string>

#include "explorer/compare.h"
#include "explorer/model_fetch.h"
#include "explorer/session.h"
#include "imgui.h"
#include "ui/panels/panels.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

namespace {
// Switches the app to `name` (the prompt stays; a failed load keeps the model
// that was there and says why in the status bar).
void open_model(explorer::AppState& s, const std::string& name) {
  s.loading = name;
  explorer::fetch_model(name, "model.safetensors", [&s](auto m) { explorer::install_model(s, std::move(m)); });
}
}  // namespace

bool draw_model_picker(explorer::AppState& s) {
  bool changed = false;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  if (ImGui::BeginCombo("##model", s.model_name.c_str())) {
    for (const explorer::CatalogEntry& e : explorer::model_catalog()) {
      if (ImGui::Selectable(e.name, s.model_name == e.name) && s.model_name != e.name) open_model(s, e.name), changed = true;
      tooltip_for_last_item(e.what);
    }
    ImGui::EndCombo();
  }
  tooltip_for_last_item("The model: pick another one the page ships (the prompt stays). The twins of demo-lm answer "
                        "'why sinks?': gated attention, a learned sink logit, no BOS in training.");
  return changed;
}

bool draw_compare_picker(explorer::AppState& s) {
  const explorer::CompareState& c = explorer::compare_state();
  bool changed = false;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  const std::string shown = c.name.empty() ? std::string("compare with...") : "vs " + c.name;
  if (ImGui::BeginCombo("##compare", shown.c_str())) {
    if (ImGui::Selectable("(no comparison)", c.name.empty())) explorer::compare_set(""), changed = true;
    for (const explorer::CatalogEntry& e : explorer::model_catalog()) {
      if (e.timeline) continue;  // one checkpoint of many: compare the twins instead
      if (ImGui::Selectable(e.name, c.name == e.name)) {
        explorer::compare_set(e.name);
        explorer::explorer_ui().panel = explorer::Panel::Compare;
        changed = true;
      }
      tooltip_for_last_item(e.what);
    }
    ImGui::EndCombo();
  }
  tooltip_for_last_item("Compare with: a second model runs on the same prompt, shown side by side in the Compare "
                        "panel (sink map, catches, outliers, loss), the same head selected in both.");
  (void)s;
  return changed;
}

}  // namespace ss::ui
