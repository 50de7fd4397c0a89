// Horizontal bars with labels: the next-token top-k, before/after loss.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "imgui.h"

namespace ss::ui {

struct Bar {
  std::string label;
  float value = 0;              // drawn as a fraction of `vmax`
  ImU32 color = IM_COL32(78, 121, 167, 255);
  float ghost = NAN;            // an outline bar behind (the "before" value)
};

// Returns the hovered bar index or -1. Values are printed with `fmt`.
int hbars(const char* id, const std::vector<Bar>& bars, float vmax, float width, const char* fmt = "%.3f");

}  // namespace ss::ui
