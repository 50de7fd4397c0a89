// Line plot over a discrete x (layers, positions, training steps): residual
// norms per layer, the tag's projection across layers, loss curves.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "imgui.h"
#include "ui/widgets/scatter.h"  // LegendEntry, legend_row

namespace ss::ui {

struct LineSeries {
  std::string name;
  std::vector<float> ys;        // [N]; NaN = gap
  std::vector<float> xs;        // [N]; empty = 0..N-1
  ImU32 color = IM_COL32(78, 121, 167, 255);
  float thickness = 2.0f;
  bool markers = true;
  bool dashed = false;          // e.g. the "before" curve of an intervention
};

struct LinePlotSpec {
  std::vector<LineSeries> series;
  const char* x_title = nullptr;
  const char* y_title = nullptr;
  bool integer_x = true;
  bool log_y = false;
  bool include_zero = true;     // y range starts at 0 (magnitudes)
  std::vector<float> hlines;    // reference lines (thresholds), dashed
  float marker_x = NAN;         // a vertical cursor (the selected layer)
  bool legend = true;
};

struct LinePlotResult {
  int hovered_series = -1, hovered_index = -1;
  bool clicked = false;
};

LinePlotResult line_plot(const char* id, const LinePlotSpec& spec, ImVec2 size);

}  // namespace ss::ui
