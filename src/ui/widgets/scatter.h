// Scatter plot (PCA of a sink head's outputs): one dot per token, colored by
// the sink that caught it, with arrows for directions (the tag) and a legend.
#pragma once
#include <string>
#include <vector>

#include "imgui.h"

namespace ss::ui {

struct ScatterArrow {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // data coordinates
  ImU32 color = IM_COL32(255, 255, 255, 255);
  std::string label;
};

struct LegendEntry {
  std::string label;
  ImU32 color;
};

struct ScatterSpec {
  std::vector<float> xs, ys;            // [N]
  std::vector<ImU32> colors;            // [N]
  std::vector<std::string> labels;      // [N] shown on hover (token text)
  std::vector<ScatterArrow> arrows;
  std::vector<LegendEntry> legend;
  const char* x_title = "PC1";
  const char* y_title = "PC2";
  int highlight = -1;                   // token hovered elsewhere: ringed
  float radius = 4.0f;
  bool equal_aspect = true;             // PCA: same scale on both axes
};

struct ScatterResult {
  int hovered = -1;  // index of the point under the mouse
  bool clicked = false;
};

ScatterResult scatter(const char* id, const ScatterSpec& spec, ImVec2 size);

// A row of color swatches with labels (used by scatter, line plots, panels).
void legend_row(const std::vector<LegendEntry>& entries);

}  // namespace ss::ui
