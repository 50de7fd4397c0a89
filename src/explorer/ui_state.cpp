#include "explorer/ui_state.h"

namespace ss::explorer {
namespace {
struct PanelName { const char* key; const char* title; };
constexpr PanelName kPanels[kPanelCount] = {
    {"attention", "Attention"},   {"residual", "Residual & outliers"},
    {"tag", "Tag"},               {"release", "Release"},
    {"interventions", "Interventions"}, {"averaging", "Averaging lab"},
    {"guide", "Guide"},           {"settings", "Settings"},
    {"probes", "Tag probes"},     {"sinks", "Several sinks"},
    {"keys", "Key dimensions"},
    {"compare", "Compare models"},
};
}  // namespace

const char* panel_key(Panel p) { return kPanels[static_cast<int>(p) % kPanelCount].key; }
const char* panel_title(Panel p) { return kPanels[static_cast<int>(p) % kPanelCount].title; }

std::optional<Panel> panel_from_key(std::string_view key) {
  for (int i = 0; i < kPanelCount; ++i)
    if (key == kPanels[i].key) return static_cast<Panel>(i);
  return std::nullopt;
}

ExplorerUi& explorer_ui() {
  static ExplorerUi ui;
  return ui;
}

}  // namespace ss::explorer
