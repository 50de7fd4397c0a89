// The explorer's screen: prompt, token chips and next token on the left; the
// panels on the right behind a tab row (Tab / Shift+Tab cycle them); a toolbar
// for "copy link" and exports. embed=1 shows the chosen panel alone.
#pragma once
#include "explorer/app_state.h"

namespace ss::explorer {

// width/height: framebuffer in physical pixels.
void draw_explorer(AppState& s, float width, float height);

// Keyboard: arrows move the selected head, Tab cycles panels (not while typing).
void explorer_keys(AppState& s);

// Screen rectangle of the current panel (for PNG export), in framebuffer pixels.
struct PixelRect { int x = 0, y = 0, w = 0, h = 0; };
PixelRect current_panel_rect();

}  // namespace ss::explorer
