// Heatmap drawn with ImDrawList: the attention pattern of one head (causal,
// tokens on both axes) and the layer x head grid of sink scores use it.
// Each heatmap lives in its own child window so its vertices get their own draw
// list (WebGL's ImGui backend has 16-bit indices and no vertex offset).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "imgui.h"
#include "ui/widgets/colormap.h"

namespace ss::ui {

struct HeatmapSpan {    // a caught span: rows [row_begin, row_end] of column `col`
  int col = 0, row_begin = 0, row_end = 0;
  ImU32 color = 0;      // 0 = the category color of `group`
  int group = 0;
};

struct HeatmapSpec {
  const float* values = nullptr;  // [rows, cols] row-major
  int rows = 0, cols = 0;
  float vmin = 0.0f, vmax = 1.0f;
  ColorMap cmap = ColorMap::Viridis;
  bool causal = false;            // cells with col > row are masked out
  int free_cols = 0;              // ... except the last free_cols columns (the sink slot: not a key)
  int window = 0;                 // with causal: sliding-window attention, cells with row - col >= window masked too
  const std::vector<std::string>* row_labels = nullptr;  // [rows] (display text)
  const std::vector<std::string>* col_labels = nullptr;  // [cols]
  const char* row_title = nullptr;  // axis titles
  const char* col_title = nullptr;
  std::vector<int> marked_cols;     // sinks: a triangle over the column, colored by index
  std::vector<ImU32> marked_colors; // optional, per marked col
  std::vector<HeatmapSpan> spans;   // outlined rectangles (caught spans)
  int selected_row = -1, selected_col = -1;  // one outlined cell (the selected head)
  int highlight = -1;               // a token hovered elsewhere: its row and column glow
  const char* value_fmt = "%.3f";
  bool show_values = false;         // print values in cells when they are big enough
  bool square = true;               // cells square (attention), or stretched to fill
  float max_cell = 28.0f;           // cap on cell size in px
  float legend_width = 70.0f;       // 0 = no color bar
  const char* legend_title = "value";
  // Optional custom tooltip (row, col); default shows labels and the value.
  std::function<void(int, int)> tooltip;
};

struct HeatmapResult {
  int hovered_row = -1, hovered_col = -1;
  bool clicked = false;  // left click on a cell this frame (hovered_* say which)
};

HeatmapResult heatmap(const char* id, const HeatmapSpec& spec, ImVec2 size);

}  // namespace ss::ui
