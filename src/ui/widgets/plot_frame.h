// The axes box shared by the scatter and line plots: data-to-pixel mapping,
// ticks, grid lines and axis titles, so both plots look alike.
#pragma once
#include "imgui.h"

namespace ss::ui {

struct PlotFrame {
  ImVec2 p0, p1;           // the data area in screen pixels
  float x0 = 0, x1 = 1;    // data range shown
  float y0 = 0, y1 = 1;
  bool log_y = false;      // y drawn as log10 (values must be > 0)

  ImVec2 to_px(float x, float y) const;
  float y_of(float y) const;  // y value -> pixel (log aware)
  bool contains(ImVec2 px) const { return px.x >= p0.x && px.x <= p1.x && px.y >= p0.y && px.y <= p1.y; }
};

// Lays out a frame inside the next `size` pixels of the window, draws its
// background, grid, ticks and titles. x ticks with integer_x are whole numbers
// (layers, positions).
PlotFrame begin_plot_frame(ImVec2 size, float x0, float x1, float y0, float y1, const char* x_title,
                           const char* y_title, bool integer_x = false, bool log_y = false);

}  // namespace ss::ui
