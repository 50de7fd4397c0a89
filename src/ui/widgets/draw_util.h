// Drawing helpers shared by the plot widgets (ImGui 1.86 has no rotated text
// and no ellipsis clipping for draw-list text).
#pragma once
#include <string>

#include "imgui.h"

namespace ss::ui {

// Cuts `s` so it fits in `max_w` pixels, ending with "..".
std::string fit_text(const std::string& s, float max_w);

// Text rotated 90 degrees (reads bottom to top), centred on `center`: y-axis titles.
void add_text_vertical(ImDrawList* dl, ImVec2 center, ImU32 col, const char* text);

// "Nice" tick step for an axis spanning `range` with about `target` ticks.
float nice_step(float range, int target);

}  // namespace ss::ui
