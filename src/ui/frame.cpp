#include "ui/frame.h"

#include <cmath>

#include "ui/layout.h"
#include "explorer/view.h"
#include "imgui.h"
#include "ui/fonts.h"

namespace ss::explorer {

void init_ui(AppState& s, float dpr) {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is computed, nothing to save
  s.dpr = dpr > 0 ? dpr : 1.0f;
  ui::build_fonts(std::round(s.settings.font_px * s.dpr));
  ui::apply_theme(s.dpr);
}

bool update_dpr(AppState& s, float dpr) {
  if (dpr <= 0 || std::fabs(dpr - s.dpr) < 0.01f) return false;
  s.dpr = dpr;
  ui::build_fonts(std::round(s.settings.font_px * s.dpr));
  ui::apply_theme(s.dpr);
  return true;
}

// platform -> explorer -> UI: keys first (they change the selection and the
// panel), then the explorer's one step, then the panels draw what it computed.
void frame(AppState& s, float width, float height) {
  ++s.frame;
  explorer_keys(s);
  explorer_step(s);
  draw_explorer(s, width, height);
}

}  // namespace ss::explorer
