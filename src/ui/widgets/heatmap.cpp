#include "ui/widgets/heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/svg_export.h"
#include "ui/widgets/draw_util.h"

namespace ss::ui {

namespace {

// Where the parts of one heatmap go, in screen pixels, worked out once per frame:
//   [row title][row labels][cells g0..g1][legend]; column labels and title under the cells.
struct HeatmapLayout {
  ImVec2 origin;           // top-left of the child window's content
  ImVec2 g0, g1;           // corners of the cell grid
  float cw = 0.0f, ch = 0.0f;  // one cell, px
  float line = 0.0f;       // text line height
  float row_label_w = 0.0f;  // row label column incl. its 6 px gap; 0 = no row labels
  float top_pad = 0.0f;    // room above the grid (sink markers)
};

// How values become colours: t = (v - vmin) / range picks the colormap entry.
struct CellColors {
  float range = 1.0f;  // vmax - vmin, or 1 when the range is empty (no division by 0)
  ImU32 bg = 0;        // the colormap's "nothing" end: the grid is filled with it first
  ImU32 masked = 0;    // the causal mask's upper triangle
};

const ImU32 kHighlightText = IM_COL32(255, 210, 80, 255);

// Widest row label, capped so long tokens cannot squeeze the grid; 0 without labels.
float row_label_width(const HeatmapSpec& s) {
  if (!s.row_labels) return 0.0f;
  float w = 0.0f;
  for (auto& l : *s.row_labels) w = std::max(w, ImGui::CalcTextSize(l.c_str()).x);
  return std::min(w, 90.0f) + 6.0f;
}

HeatmapLayout layout_heatmap(const HeatmapSpec& s) {
  HeatmapLayout L;
  L.line = ImGui::GetTextLineHeight();
  L.origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  L.row_label_w = row_label_width(s);
  const float row_title_w = s.row_title ? L.line + 4.0f : 0.0f;
  const float legend_w = s.legend_width > 0 ? s.legend_width + 16.0f : 0.0f;
  L.top_pad = s.marked_cols.empty() ? 2.0f : L.line * 0.8f;
  const float bottom_pad = (s.col_labels ? L.line * 1.2f : 0.0f) + (s.col_title ? L.line * 1.2f : 0.0f);

  const float grid_w = std::max(10.0f, avail.x - row_title_w - L.row_label_w - legend_w);
  const float grid_h = std::max(10.0f, avail.y - L.top_pad - bottom_pad - 2.0f);
  L.cw = grid_w / s.cols, L.ch = grid_h / s.rows;
  if (s.square) L.cw = L.ch = std::min(L.cw, L.ch);
  L.cw = std::min(L.cw, s.max_cell);
  L.ch = std::min(L.ch, s.max_cell);
  L.g0 = ImVec2(L.origin.x + row_title_w + L.row_label_w, L.origin.y + L.top_pad);
  L.g1 = ImVec2(L.g0.x + L.cw * s.cols, L.g0.y + L.ch * s.rows);
  return L;
}

CellColors cell_colors(const HeatmapSpec& s) {
  CellColors k;
  k.range = s.vmax - s.vmin > 1e-12f ? s.vmax - s.vmin : 1.0f;
  k.bg = colormap(s.cmap, s.cmap == ColorMap::Diverging ? 0.5f : 0.0f);
  k.masked = ImGui::GetColorU32(ImGuiCol_FrameBg);
  return k;
}

// Values are printed only when a cell can hold "0.123" in one line.
bool values_fit(const HeatmapSpec& s, const HeatmapLayout& L) {
  return s.show_values && L.cw >= 34.0f && L.ch >= L.line;
}

// Columns of row r that hold a value: the causal mask hides those past the
// diagonal, except the trailing free_cols (the sink slot is no key).
int visible_cols(const HeatmapSpec& s, int r) { return s.causal && s.free_cols == 0 ? std::min(s.cols, r + 1) : s.cols; }
// Masked: past the diagonal, or (sliding window) too far behind the query to be seen.
bool masked_cell(const HeatmapSpec& s, int r, int c) {
  return s.causal && c < s.cols - s.free_cols && (c > r || (s.window > 0 && r - c >= s.window));
}

// `text` centred in the cell whose top-left corner is `a`.
void add_cell_text(ImDrawList* dl, const HeatmapLayout& L, ImVec2 a, ImVec2 ts, ImU32 color, const char* text) {
  dl->AddText(ImVec2(a.x + 0.5f * (L.cw - ts.x), a.y + 0.5f * (L.ch - ts.y)), color, text);
}

// One row of cells. Neighbouring cells of one colour are drawn as one
// rectangle (the same pixels): most of an attention row is a few shades near
// zero, and every quad is work for each frame's draw lists. Cells within
// ~1/255 of the background are not drawn at all (the grid is already bg).
void draw_cell_row(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L, const CellColors& k, int r) {
  const ImVec2 g0 = L.g0;
  const float cw = L.cw, ch = L.ch;
  if (s.causal && r + 1 < s.cols - s.free_cols)  // the masked upper triangle of this row
    dl->AddRectFilled(ImVec2(g0.x + cw * (r + 1), g0.y + ch * r),
                      ImVec2(g0.x + cw * (s.cols - s.free_cols), g0.y + ch * (r + 1)), k.masked);
  if (s.causal && s.window > 0 && r - s.window + 1 > 0)  // the keys left behind by a sliding window
    dl->AddRectFilled(ImVec2(g0.x, g0.y + ch * r),
                      ImVec2(g0.x + cw * std::min(r - s.window + 1, s.cols - s.free_cols), g0.y + ch * (r + 1)), k.masked);
  const int cend = visible_cols(s, r);
  const float* row = s.values + static_cast<size_t>(r) * s.cols;  // [cols]
  const bool values = values_fit(s, L);
  int run = -1;  // first column of the pending run of `run_color`
  ImU32 run_color = 0;
  auto flush = [&](int end) {
    if (run >= 0)
      dl->AddRectFilled(ImVec2(g0.x + cw * run, g0.y + ch * r), ImVec2(g0.x + cw * end, g0.y + ch * (r + 1)), run_color);
    run = -1;
  };
  for (int c = 0; c < cend; ++c) {
    if (masked_cell(s, r, c)) {
      flush(c);
      continue;
    }
    float t = (row[c] - s.vmin) / k.range;
    const bool skip = s.cmap == ColorMap::Diverging ? std::fabs(t - 0.5f) < 0.004f : !(t > 0.004f);
    if (skip) {
      flush(c);
      continue;
    }
    const ImU32 color = colormap(s.cmap, t);
    if (run >= 0 && color != run_color) flush(c);
    if (run < 0) run = c, run_color = color;
    if (values) {  // the cell's value goes on top of its own rectangle, so the run ends here
      flush(c + 1);
      char buf[16];
      std::snprintf(buf, sizeof buf, s.value_fmt, row[c]);
      ImVec2 ts = ImGui::CalcTextSize(buf);
      if (ts.x < cw - 2) add_cell_text(dl, L, ImVec2(g0.x + cw * c, g0.y + ch * r), ts, contrast_text(color), buf);
    }
  }
  flush(cend);
}

// Cells left at the background colour were skipped by draw_cell_row but still
// show their value; only the text is drawn, after all rows.
void draw_background_values(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L, const CellColors& k) {
  for (int r = 0; r < s.rows; ++r)
    for (int c = 0; c < visible_cols(s, r); ++c) {
      if (masked_cell(s, r, c)) continue;
      const float v = s.values[static_cast<size_t>(r) * s.cols + c];
      float t = (v - s.vmin) / k.range;
      bool drawn = s.cmap == ColorMap::Diverging ? std::fabs(t - 0.5f) >= 0.004f : t > 0.004f;
      if (drawn) continue;  // printed with its cell
      char buf[16];
      std::snprintf(buf, sizeof buf, s.value_fmt, v);
      add_cell_text(dl, L, ImVec2(L.g0.x + L.cw * c, L.g0.y + L.ch * r), ImGui::CalcTextSize(buf), contrast_text(k.bg), buf);
    }
}

// Background first, then only the cells that differ from it: a mostly-empty
// attention map stays a few thousand quads.
void draw_cells(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L) {
  const CellColors k = cell_colors(s);
  dl->AddRectFilled(L.g0, L.g1, k.bg);
  for (int r = 0; r < s.rows; ++r) draw_cell_row(dl, s, L, k, r);
  if (values_fit(s, L)) draw_background_values(dl, s, L, k);
  dl->AddRect(ImVec2(L.g0.x - 1, L.g0.y - 1), ImVec2(L.g1.x + 1, L.g1.y + 1), ImGui::GetColorU32(ImGuiCol_Border));
}

// Highlighted token (hovered in the chips or another plot): its row and column.
void draw_highlight(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L) {
  if (s.highlight < 0) return;
  const ImU32 hc = IM_COL32(255, 255, 255, 60);
  const ImVec2 g0 = L.g0, g1 = L.g1;
  if (s.highlight < s.rows)
    dl->AddRectFilled(ImVec2(g0.x, g0.y + L.ch * s.highlight), ImVec2(g1.x, g0.y + L.ch * (s.highlight + 1)), hc);
  if (s.highlight < s.cols)
    dl->AddRectFilled(ImVec2(g0.x + L.cw * s.highlight, g0.y), ImVec2(g0.x + L.cw * (s.highlight + 1), g1.y), hc);
}

// Caught spans: a rectangle around rows [begin, end] of the sink's column,
// so a "catch" reads as one solid bar in the column.
void draw_spans(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L) {
  const ImVec2 g0 = L.g0;
  const float cw = L.cw, ch = L.ch;
  for (const auto& sp : s.spans) {
    if (sp.col < 0 || sp.col >= s.cols || sp.row_begin > sp.row_end) continue;
    ImU32 col = sp.color ? sp.color : category(sp.group);
    float th = std::clamp(cw * 0.25f, 1.5f, 3.0f);
    dl->AddRect(ImVec2(g0.x + cw * sp.col - 1, g0.y + ch * sp.row_begin - 1),
                ImVec2(g0.x + cw * (sp.col + 1) + 1, g0.y + ch * (sp.row_end + 1) + 1), col, 0.0f, 0, th);
  }
}

// Sink markers: a triangle above the sink's column pointing down.
void draw_sink_markers(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L) {
  const ImVec2 g0 = L.g0;
  for (size_t i = 0; i < s.marked_cols.size(); ++i) {
    int c = s.marked_cols[i];
    if (c < 0 || c >= s.cols) continue;
    ImU32 col = i < s.marked_colors.size() ? s.marked_colors[i] : category(static_cast<int>(i));
    float cx = g0.x + L.cw * (c + 0.5f), hw = std::clamp(L.cw * 0.5f, 3.0f, 7.0f);
    dl->AddTriangleFilled(ImVec2(cx - hw, g0.y - L.top_pad + 1), ImVec2(cx + hw, g0.y - L.top_pad + 1),
                          ImVec2(cx, g0.y - 2), col);
  }
}

// The selected cell: white inside a thin dark ring, visible on any colour.
void draw_selected_cell(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L) {
  if (!(s.selected_row >= 0 && s.selected_col >= 0 && s.selected_row < s.rows && s.selected_col < s.cols)) return;
  const float cw = L.cw, ch = L.ch;
  ImVec2 a(L.g0.x + cw * s.selected_col, L.g0.y + ch * s.selected_row);
  dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(a.x + cw + 1, a.y + ch + 1), IM_COL32(255, 255, 255, 255), 0, 0, 2.5f);
  dl->AddRect(ImVec2(a.x - 2.5f, a.y - 2.5f), ImVec2(a.x + cw + 2.5f, a.y + ch + 2.5f), IM_COL32(0, 0, 0, 200), 0, 0, 1.0f);
}

// Row labels right-aligned left of the grid; every k-th one so they never overlap.
void draw_row_labels(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L, ImU32 tc) {
  if (!s.row_labels) return;
  int step = std::max(1, static_cast<int>(std::ceil(L.line / L.ch)));
  for (int r = 0; r < s.rows && r < static_cast<int>(s.row_labels->size()); r += step) {
    std::string l = fit_text((*s.row_labels)[r], L.row_label_w - 6.0f);
    float w = ImGui::CalcTextSize(l.c_str()).x;
    dl->AddText(ImVec2(L.g0.x - 4.0f - w, L.g0.y + L.ch * (r + 0.5f) - L.line * 0.5f),
                r == s.highlight ? kHighlightText : tc, l.c_str());
  }
}

// Column labels are horizontal; show as many as fit, each centred under its column.
void draw_col_labels(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L, ImU32 tc) {
  if (!s.col_labels) return;
  float slot_w = std::max(L.cw, 1.0f);
  float longest = 0.0f;
  for (auto& l : *s.col_labels) longest = std::max(longest, std::min(60.0f, ImGui::CalcTextSize(l.c_str()).x));
  int step = std::max(1, static_cast<int>(std::ceil((longest + 6.0f) / slot_w)));
  for (int c = 0; c < s.cols && c < static_cast<int>(s.col_labels->size()); c += step) {
    std::string l = fit_text((*s.col_labels)[c], std::max(slot_w * step - 4.0f, 12.0f));
    float w = ImGui::CalcTextSize(l.c_str()).x;
    dl->AddText(ImVec2(L.g0.x + L.cw * (c + 0.5f) - w * 0.5f, L.g1.y + 3.0f),
                c == s.highlight ? kHighlightText : tc, l.c_str());
  }
}

// Axis titles: the column title under the column labels, the row title vertical at the far left.
void draw_axis_titles(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L) {
  ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  if (s.col_title) {
    float w = ImGui::CalcTextSize(s.col_title).x;
    dl->AddText(ImVec2(0.5f * (L.g0.x + L.g1.x) - 0.5f * w, L.g1.y + 3.0f + (s.col_labels ? L.line * 1.2f : 0.0f)),
                dim, s.col_title);
  }
  if (s.row_title)
    add_text_vertical(dl, ImVec2(L.origin.x + L.line * 0.5f, 0.5f * (L.g0.y + L.g1.y)), dim, s.row_title);
}

// Colour bar right of the grid, top-aligned with it.
void draw_legend(const HeatmapSpec& s, const HeatmapLayout& L) {
  if (s.legend_width <= 0) return;
  ImGui::SetCursorScreenPos(ImVec2(L.g1.x + 14.0f, L.g0.y));
  ImGui::BeginGroup();
  colorbar(s.legend_title, s.cmap, s.vmin, s.vmax, ImVec2(s.legend_width, 10.0f));
  ImGui::EndGroup();
}

// Default tooltip: both axes' index and label, then the value.
void default_tooltip(const HeatmapSpec& s, int r, int c) {
  float v = s.values[static_cast<size_t>(r) * s.cols + c];
  const char* rl = s.row_labels && r < (int)s.row_labels->size() ? (*s.row_labels)[r].c_str() : "";
  const char* cl = s.col_labels && c < (int)s.col_labels->size() ? (*s.col_labels)[c].c_str() : "";
  ImGui::Text("%s %d %s", s.row_title ? s.row_title : "row", r, rl);
  ImGui::Text("%s %d %s", s.col_title ? s.col_title : "col", c, cl);
  char buf[32];
  std::snprintf(buf, sizeof buf, s.value_fmt, v);
  ImGui::Text("%s: %s", s.legend_title, buf);
}

// Interaction over the grid only: the hovered cell gets an outline and a
// tooltip; masked cells (above the diagonal) are not hoverable.
HeatmapResult hover_cells(ImDrawList* dl, const HeatmapSpec& s, const HeatmapLayout& L) {
  HeatmapResult res;
  const ImVec2 g0 = L.g0, g1 = L.g1;
  ImGui::SetCursorScreenPos(g0);
  ImGui::InvisibleButton("##cells", ImVec2(std::max(1.0f, g1.x - g0.x), std::max(1.0f, g1.y - g0.y)));
  if (!ImGui::IsItemHovered()) return res;
  ImVec2 m = ImGui::GetIO().MousePos;
  int c = static_cast<int>((m.x - g0.x) / L.cw), r = static_cast<int>((m.y - g0.y) / L.ch);
  if (!(r >= 0 && r < s.rows && c >= 0 && c < s.cols && !masked_cell(s, r, c))) return res;
  res.hovered_row = r;
  res.hovered_col = c;
  res.clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  ImVec2 a(g0.x + L.cw * c, g0.y + L.ch * r);
  dl->AddRect(a, ImVec2(a.x + L.cw, a.y + L.ch), IM_COL32(255, 255, 255, 200));
  ImGui::BeginTooltip();
  if (s.tooltip) s.tooltip(r, c);
  else default_tooltip(s, r, c);
  ImGui::EndTooltip();
  return res;
}

}  // namespace

HeatmapResult heatmap(const char* id, const HeatmapSpec& s, ImVec2 size) {
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = ImGui::GetContentRegionAvail().y;
  ImGui::BeginChild(id, size, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  if (s.rows <= 0 || s.cols <= 0 || !s.values) {
    ImGui::TextDisabled("no data");
    ImGui::EndChild();
    return {};
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const HeatmapLayout L = layout_heatmap(s);
  // For an SVG export: where the cells are and how values map to colours.
  static const char* const kCmapNames[] = {"viridis", "magma", "diverging"};
  if (svg_capturing())
    svg_mark("ss-heatmap", L.g0, L.g1,
           {{"rows", std::to_string(s.rows)}, {"cols", std::to_string(s.cols)},
            {"vmin", std::to_string(s.vmin)}, {"vmax", std::to_string(s.vmax)},
            {"cmap", kCmapNames[static_cast<int>(s.cmap)]}, {"causal", s.causal ? "1" : "0"},
            {"title", s.legend_title ? s.legend_title : ""}});
  // Drawn back to front: cells, then the overlays on them, then text around them.
  draw_cells(dl, s, L);
  if (svg_capturing()) svg_mark("ss-heatmap-cells-end", L.g0, L.g1, {});  // cells above this line, overlays below
  draw_highlight(dl, s, L);
  draw_spans(dl, s, L);
  draw_sink_markers(dl, s, L);
  draw_selected_cell(dl, s, L);
  const ImU32 tc = ImGui::GetColorU32(ImGuiCol_Text);
  draw_row_labels(dl, s, L, tc);
  draw_col_labels(dl, s, L, tc);
  draw_axis_titles(dl, s, L);
  draw_legend(s, L);
  HeatmapResult res = hover_cells(dl, s, L);
  ImGui::EndChild();
  return res;
}

}  // namespace ss::ui
