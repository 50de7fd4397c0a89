// The panel as a vector figure: while an SVG export is pending
// (explorer/export.h request_svg), the frame marks the panel's window, draws
// it without anti-aliasing (so every shape is a plain rectangle or triangle),
// and afterwards walks the ImGui draw lists of that window and its child
// windows: axis-aligned quads become <rect>, other triangles <polygon>, and
// glyph quads (looked up in the font atlas) are joined back into <text> runs.
// The geometry is the screen's, in the panel's own pixels.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "imgui.h"

namespace ss::ui {

// Call right before the panel's window begins (Begin/BeginChild): when an
// export is pending, windows begun from here on draw without anti-aliasing.
void svg_panel_prepare();
// Call right after it began: remembers the window being drawn.
void svg_panel_begin();
// Call right after it ended: writes the SVG (explorer::finish_svg) and
// restores anti-aliasing. No-op unless an export is pending.
void svg_panel_end();

// A named region of the figure (a heatmap's cell grid, ...) in screen
// pixels, written into the SVG as an invisible rect with data-* attributes so
// a reader (the tests, a script) can find the cells again. Only recorded
// while an export is being drawn.
bool svg_capturing();  // whether marks are being recorded (skip building them otherwise)
void svg_mark(const char* name, ImVec2 a, ImVec2 b, std::vector<std::pair<std::string, std::string>> data);

}  // namespace ss::ui
