#include "ui/widgets/line_plot.h"

#include <algorithm>
#include <cmath>

#include "ui/widgets/plot_frame.h"

namespace ss::ui {
namespace {

void dashed_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 c, float th) {
  float dx = b.x - a.x, dy = b.y - a.y, len = std::sqrt(dx * dx + dy * dy);
  if (len < 1) return;
  for (float t = 0; t < len; t += 8.0f) {
    float t1 = std::min(len, t + 4.0f);
    dl->AddLine(ImVec2(a.x + dx * t / len, a.y + dy * t / len), ImVec2(a.x + dx * t1 / len, a.y + dy * t1 / len), c, th);
  }
}

}  // namespace

LinePlotResult line_plot(const char* id, const LinePlotSpec& s, ImVec2 size) {
  LinePlotResult res;
  ImGui::PushID(id);
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = ImGui::GetContentRegionAvail().y;
  const float line = ImGui::GetTextLineHeight();
  if (s.legend && !s.series.empty()) {
    std::vector<LegendEntry> e;
    for (auto& ser : s.series) e.push_back({ser.name, ser.color});
    legend_row(e);
    size.y -= line + 6.0f;
  }
  float x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  auto xat = [](const LineSeries& ser, size_t i) { return ser.xs.empty() ? static_cast<float>(i) : ser.xs[i]; };
  for (auto& ser : s.series)
    for (size_t i = 0; i < ser.ys.size(); ++i) {
      float y = ser.ys[i];
      if (!std::isfinite(y) || (s.log_y && y <= 0)) continue;
      x0 = std::min(x0, xat(ser, i)); x1 = std::max(x1, xat(ser, i));
      y0 = std::min(y0, y); y1 = std::max(y1, y);
    }
  for (float h : s.hlines) if (std::isfinite(h) && (!s.log_y || h > 0)) { y0 = std::min(y0, h); y1 = std::max(y1, h); }
  if (!std::isfinite(x0)) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
  { float px = 0.03f * std::max(x1 - x0, 1.0f); x0 -= px; x1 += px; }  // end markers stay whole
  if (s.include_zero && !s.log_y) y0 = std::min(y0, 0.0f);
  if (s.log_y) { y0 *= 0.8f; y1 *= 1.25f; } else { float pad = 0.06f * (y1 - y0 + 1e-9f); y1 += pad; if (!s.include_zero || y0 < 0) y0 -= pad; }
  PlotFrame f = begin_plot_frame(size, x0, x1, y0, y1, s.x_title, s.y_title, s.integer_x, s.log_y);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(f.p0, f.p1, true);
  for (float h : s.hlines) {
    if (!std::isfinite(h)) continue;
    float py = f.y_of(h);
    dashed_line(dl, ImVec2(f.p0.x, py), ImVec2(f.p1.x, py), ImGui::GetColorU32(ImGuiCol_PlotLinesHovered), 1.0f);
  }
  if (std::isfinite(s.marker_x)) {
    float px = f.to_px(s.marker_x, y0).x;
    dl->AddLine(ImVec2(px, f.p0.y), ImVec2(px, f.p1.y), IM_COL32(255, 210, 80, 160), 2.0f);
  }
  ImVec2 m = ImGui::GetIO().MousePos;
  bool hov = f.contains(m) && ImGui::IsWindowHovered();
  float best = 12.0f * 12.0f;
  for (size_t si = 0; si < s.series.size(); ++si) {
    const auto& ser = s.series[si];
    bool have_prev = false;
    ImVec2 prev;
    for (size_t i = 0; i < ser.ys.size(); ++i) {
      float y = ser.ys[i];
      if (!std::isfinite(y) || (s.log_y && y <= 0)) { have_prev = false; continue; }
      ImVec2 p = f.to_px(xat(ser, i), y);
      if (have_prev) {
        if (ser.dashed) dashed_line(dl, prev, p, ser.color, ser.thickness);
        else dl->AddLine(prev, p, ser.color, ser.thickness);
      }
      if (ser.markers && ser.ys.size() <= 64) dl->AddCircleFilled(p, ser.thickness + 1.5f, ser.color, 10);
      if (hov) {
        float d = (p.x - m.x) * (p.x - m.x) + (p.y - m.y) * (p.y - m.y);
        if (d < best) { best = d; res.hovered_series = static_cast<int>(si); res.hovered_index = static_cast<int>(i); }
      }
      prev = p;
      have_prev = true;
    }
  }
  if (res.hovered_series >= 0) {
    const auto& ser = s.series[res.hovered_series];
    ImVec2 p = f.to_px(xat(ser, res.hovered_index), ser.ys[res.hovered_index]);
    dl->AddCircle(p, ser.thickness + 5.0f, IM_COL32(255, 210, 80, 255), 12, 2.0f);
  }
  dl->PopClipRect();
  ImGui::InvisibleButton("##plot", size);
  if (res.hovered_series >= 0) {
    const auto& ser = s.series[res.hovered_series];
    res.clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(ser.name.c_str());
    ImGui::Text("%s %g: %.4g", s.x_title ? s.x_title : "x", xat(ser, res.hovered_index), ser.ys[res.hovered_index]);
    ImGui::EndTooltip();
  }
  ImGui::PopID();
  return res;
}

}  // namespace ss::ui
