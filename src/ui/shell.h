// The shell: tiles every panel into the window (ImGui 1.86 has no docking) and
// re-tiles on every frame, so a resize or a devicePixelRatio change just works.
#pragma once
#include "app/app_state.h"

namespace ss::ui {

// width/height: the framebuffer in physical pixels (ImGui's display size).
void draw_shell(app::AppState& s, float width, float height);

}  // namespace ss::ui
