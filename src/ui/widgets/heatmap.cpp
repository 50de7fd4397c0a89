#include "ui/widgets/heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/widgets/draw_util.h"

namespace ss::ui {

HeatmapResult heatmap(const char* id, const HeatmapSpec& s, ImVec2 size) {
  HeatmapResult res;
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = ImGui::GetContentRegionAvail().y;
  ImGui::BeginChild(id, size, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  if (s.rows <= 0 || s.cols <= 0 || !s.values) {
    ImGui::TextDisabled("no data");
    ImGui::EndChild();
    return res;
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight();
  ImVec2 origin = ImGui::GetCursorScreenPos();
  ImVec2 avail = ImGui::GetContentRegionAvail();

  // Layout: [row title][row labels][cells][legend]; column labels under the cells.
  float row_label_w = 0.0f;
  if (s.row_labels) {
    for (auto& l : *s.row_labels) row_label_w = std::max(row_label_w, ImGui::CalcTextSize(l.c_str()).x);
    row_label_w = std::min(row_label_w, 90.0f) + 6.0f;
  }
  float row_title_w = s.row_title ? line + 4.0f : 0.0f;
  float legend_w = s.legend_width > 0 ? s.legend_width + 16.0f : 0.0f;
  float top_pad = s.marked_cols.empty() ? 2.0f : line * 0.8f;  // room for sink markers
  float bottom_pad = (s.col_labels ? line * 1.2f : 0.0f) + (s.col_title ? line * 1.2f : 0.0f);

  float grid_w = std::max(10.0f, avail.x - row_title_w - row_label_w - legend_w);
  float grid_h = std::max(10.0f, avail.y - top_pad - bottom_pad - 2.0f);
  float cw = grid_w / s.cols, ch = grid_h / s.rows;
  if (s.square) cw = ch = std::min(cw, ch);
  cw = std::min(cw, s.max_cell);
  ch = std::min(ch, s.max_cell);
  ImVec2 g0(origin.x + row_title_w + row_label_w, origin.y + top_pad);
  ImVec2 g1(g0.x + cw * s.cols, g0.y + ch * s.rows);

  // Background = the colormap's low end; only cells above ~1/255 of the range
  // are drawn, which keeps a mostly-empty attention map to a few thousand quads.
  const float range = s.vmax - s.vmin > 1e-12f ? s.vmax - s.vmin : 1.0f;
  const ImU32 bg = colormap(s.cmap, s.cmap == ColorMap::Diverging ? 0.5f : 0.0f);
  const ImU32 masked = ImGui::GetColorU32(ImGuiCol_FrameBg);
  dl->AddRectFilled(g0, g1, bg);
  for (int r = 0; r < s.rows; ++r) {
    if (s.causal && r + 1 < s.cols)  // the masked upper triangle of this row
      dl->AddRectFilled(ImVec2(g0.x + cw * (r + 1), g0.y + ch * r),
                        ImVec2(g1.x, g0.y + ch * (r + 1)), masked);
    int cend = s.causal ? std::min(s.cols, r + 1) : s.cols;
    const float* row = s.values + static_cast<size_t>(r) * s.cols;
    // Neighbouring cells of one colour are drawn as one rectangle (the same
    // pixels): most of an attention row is a few shades near zero, and every
    // quad is work for each frame's draw lists.
    const bool values = s.show_values && cw >= 34.0f && ch >= line;
    int run = -1;  // first column of the pending run of `run_color`
    ImU32 run_color = 0;
    auto flush = [&](int end) {
      if (run >= 0)
        dl->AddRectFilled(ImVec2(g0.x + cw * run, g0.y + ch * r), ImVec2(g0.x + cw * end, g0.y + ch * (r + 1)), run_color);
      run = -1;
    };
    for (int c = 0; c < cend; ++c) {
      float t = (row[c] - s.vmin) / range;
      const bool skip = s.cmap == ColorMap::Diverging ? std::fabs(t - 0.5f) < 0.004f : !(t > 0.004f);
      if (skip) {
        flush(c);
        continue;
      }
      const ImU32 color = colormap(s.cmap, t);
      if (run >= 0 && color != run_color) flush(c);
      if (run < 0) run = c, run_color = color;
      if (values) {  // the cell's value goes on top of its own rectangle
        flush(c + 1);
        ImVec2 a(g0.x + cw * c, g0.y + ch * r);
        char buf[16];
        std::snprintf(buf, sizeof buf, s.value_fmt, row[c]);
        ImVec2 ts = ImGui::CalcTextSize(buf);
        if (ts.x < cw - 2)
          dl->AddText(ImVec2(a.x + 0.5f * (cw - ts.x), a.y + 0.5f * (ch - ts.y)),
                      contrast_text(color), buf);
      }
    }
    flush(cend);
  }
  if (s.show_values && cw >= 34.0f && ch >= line) {  // zero cells still get a value
    // (they were skipped above); print only their text, cheaply
    for (int r = 0; r < s.rows; ++r)
      for (int c = 0; c < (s.causal ? std::min(s.cols, r + 1) : s.cols); ++c) {
        float t = (s.values[static_cast<size_t>(r) * s.cols + c] - s.vmin) / range;
        bool drawn = s.cmap == ColorMap::Diverging ? std::fabs(t - 0.5f) >= 0.004f : t > 0.004f;
        if (drawn) continue;  // printed with its cell above
        char buf[16];
        std::snprintf(buf, sizeof buf, s.value_fmt, s.values[static_cast<size_t>(r) * s.cols + c]);
        ImVec2 ts = ImGui::CalcTextSize(buf);
        ImVec2 a(g0.x + cw * c, g0.y + ch * r);
        dl->AddText(ImVec2(a.x + 0.5f * (cw - ts.x), a.y + 0.5f * (ch - ts.y)), contrast_text(bg), buf);
      }
  }
  dl->AddRect(ImVec2(g0.x - 1, g0.y - 1), ImVec2(g1.x + 1, g1.y + 1), ImGui::GetColorU32(ImGuiCol_Border));

  // Highlighted token (hovered in the chips or another plot): its row and column.
  if (s.highlight >= 0) {
    ImU32 hc = IM_COL32(255, 255, 255, 60);
    if (s.highlight < s.rows)
      dl->AddRectFilled(ImVec2(g0.x, g0.y + ch * s.highlight), ImVec2(g1.x, g0.y + ch * (s.highlight + 1)), hc);
    if (s.highlight < s.cols)
      dl->AddRectFilled(ImVec2(g0.x + cw * s.highlight, g0.y), ImVec2(g0.x + cw * (s.highlight + 1), g1.y), hc);
  }

  // Caught spans: a rectangle around rows [begin, end] of the sink's column,
  // so a "catch" reads as one solid bar in the column.
  for (const auto& sp : s.spans) {
    if (sp.col < 0 || sp.col >= s.cols || sp.row_begin > sp.row_end) continue;
    ImU32 col = sp.color ? sp.color : category(sp.group);
    float th = std::clamp(cw * 0.25f, 1.5f, 3.0f);
    dl->AddRect(ImVec2(g0.x + cw * sp.col - 1, g0.y + ch * sp.row_begin - 1),
                ImVec2(g0.x + cw * (sp.col + 1) + 1, g0.y + ch * (sp.row_end + 1) + 1), col, 0.0f, 0, th);
  }

  // Sink markers: a triangle above the sink's column pointing down.
  for (size_t i = 0; i < s.marked_cols.size(); ++i) {
    int c = s.marked_cols[i];
    if (c < 0 || c >= s.cols) continue;
    ImU32 col = i < s.marked_colors.size() ? s.marked_colors[i] : category(static_cast<int>(i));
    float cx = g0.x + cw * (c + 0.5f), hw = std::clamp(cw * 0.5f, 3.0f, 7.0f);
    dl->AddTriangleFilled(ImVec2(cx - hw, g0.y - top_pad + 1), ImVec2(cx + hw, g0.y - top_pad + 1),
                          ImVec2(cx, g0.y - 2), col);
  }

  if (s.selected_row >= 0 && s.selected_col >= 0 && s.selected_row < s.rows && s.selected_col < s.cols) {
    ImVec2 a(g0.x + cw * s.selected_col, g0.y + ch * s.selected_row);
    dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(a.x + cw + 1, a.y + ch + 1), IM_COL32(255, 255, 255, 255), 0, 0, 2.5f);
    dl->AddRect(ImVec2(a.x - 2.5f, a.y - 2.5f), ImVec2(a.x + cw + 2.5f, a.y + ch + 2.5f), IM_COL32(0, 0, 0, 200), 0, 0, 1.0f);
  }

  // Labels: every k-th one so they never overlap.
  ImU32 tc = ImGui::GetColorU32(ImGuiCol_Text);
  if (s.row_labels) {
    int step = std::max(1, static_cast<int>(std::ceil(line / ch)));
    for (int r = 0; r < s.rows && r < static_cast<int>(s.row_labels->size()); r += step) {
      std::string l = fit_text((*s.row_labels)[r], row_label_w - 6.0f);
      float w = ImGui::CalcTextSize(l.c_str()).x;
      dl->AddText(ImVec2(g0.x - 4.0f - w, g0.y + ch * (r + 0.5f) - line * 0.5f), r == s.highlight ? IM_COL32(255, 210, 80, 255) : tc, l.c_str());
    }
  }
  if (s.col_labels) {
    float slot_w = std::max(cw, 1.0f);
    // Column labels are horizontal; show as many as fit, each centred under its column.
    float longest = 0.0f;
    for (auto& l : *s.col_labels) longest = std::max(longest, std::min(60.0f, ImGui::CalcTextSize(l.c_str()).x));
    int step = std::max(1, static_cast<int>(std::ceil((longest + 6.0f) / slot_w)));
    for (int c = 0; c < s.cols && c < static_cast<int>(s.col_labels->size()); c += step) {
      std::string l = fit_text((*s.col_labels)[c], std::max(slot_w * step - 4.0f, 12.0f));
      float w = ImGui::CalcTextSize(l.c_str()).x;
      dl->AddText(ImVec2(g0.x + cw * (c + 0.5f) - w * 0.5f, g1.y + 3.0f), c == s.highlight ? IM_COL32(255, 210, 80, 255) : tc, l.c_str());
    }
  }
  ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  if (s.col_title) {
    float w = ImGui::CalcTextSize(s.col_title).x;
    dl->AddText(ImVec2(0.5f * (g0.x + g1.x) - 0.5f * w, g1.y + 3.0f + (s.col_labels ? line * 1.2f : 0.0f)), dim, s.col_title);
  }
  if (s.row_title)
    add_text_vertical(dl, ImVec2(origin.x + line * 0.5f, 0.5f * (g0.y + g1.y)), dim, s.row_title);

  // Legend.
  if (s.legend_width > 0) {
    ImGui::SetCursorScreenPos(ImVec2(g1.x + 14.0f, g0.y));
    ImGui::BeginGroup();
    colorbar(s.legend_title, s.cmap, s.vmin, s.vmax, ImVec2(s.legend_width, 10.0f));
    ImGui::EndGroup();
  }

  // Interaction over the grid only.
  ImGui::SetCursorScreenPos(g0);
  ImGui::InvisibleButton("##cells", ImVec2(std::max(1.0f, g1.x - g0.x), std::max(1.0f, g1.y - g0.y)));
  if (ImGui::IsItemHovered()) {
    ImVec2 m = ImGui::GetIO().MousePos;
    int c = static_cast<int>((m.x - g0.x) / cw), r = static_cast<int>((m.y - g0.y) / ch);
    if (r >= 0 && r < s.rows && c >= 0 && c < s.cols && !(s.causal && c > r)) {
      res.hovered_row = r;
      res.hovered_col = c;
      res.clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
      ImVec2 a(g0.x + cw * c, g0.y + ch * r);
      dl->AddRect(a, ImVec2(a.x + cw, a.y + ch), IM_COL32(255, 255, 255, 200));
      ImGui::BeginTooltip();
      if (s.tooltip) {
        s.tooltip(r, c);
      } else {
        float v = s.values[static_cast<size_t>(r) * s.cols + c];
        const char* rl = s.row_labels && r < (int)s.row_labels->size() ? (*s.row_labels)[r].c_str() : "";
        const char* cl = s.col_labels && c < (int)s.col_labels->size() ? (*s.col_labels)[c].c_str() : "";
        ImGui::Text("%s %d %s", s.row_title ? s.row_title : "row", r, rl);
        ImGui::Text("%s %d %s", s.col_title ? s.col_title : "col", c, cl);
        char buf[32];
        std::snprintf(buf, sizeof buf, s.value_fmt, v);
        ImGui::Text("%s: %s", s.legend_title, buf);
      }
      ImGui::EndTooltip();
    }
  }
  ImGui::EndChild();
  return res;
}

}  // namespace ss::ui
