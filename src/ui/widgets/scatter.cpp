#include "ui/widgets/scatter.h"

#include <algorithm>
#include <cmath>

#include "ui/widgets/plot_frame.h"

namespace ss::ui {

void legend_row(const std::vector<LegendEntry>& entries) {
  const float sq = ImGui::GetTextLineHeight() * 0.7f;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) ImGui::SameLine(0, 12.0f);
    ImVec2 p = ImGui::GetCursorScreenPos();
    float pad = (ImGui::GetTextLineHeight() - sq) * 0.5f;
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + pad), ImVec2(p.x + sq, p.y + pad + sq),
                                              entries[i].color, 2.0f);
    ImGui::Dummy(ImVec2(sq, sq));
    ImGui::SameLine(0, 4.0f);
    ImGui::TextUnformatted(entries[i].label.c_str());
  }
}

ScatterResult scatter(const char* id, const ScatterSpec& s, ImVec2 size) {
  ScatterResult res;
  ImGui::PushID(id);
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = ImGui::GetContentRegionAvail().y;
  const float line = ImGui::GetTextLineHeight();
  float legend_h = s.legend.empty() ? 0.0f : line + 6.0f;
  if (!s.legend.empty()) legend_row(s.legend);
  ImVec2 plot_size(size.x, size.y - legend_h);

  const size_t n = std::min(s.xs.size(), s.ys.size());
  float x0 = 0, x1 = 0, y0 = 0, y1 = 0;  // range includes 0 and the arrow tips
  auto grow = [&](float x, float y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    x0 = std::min(x0, x); x1 = std::max(x1, x); y0 = std::min(y0, y); y1 = std::max(y1, y);
  };
  for (size_t i = 0; i < n; ++i) grow(s.xs[i], s.ys[i]);
  for (auto& a : s.arrows) { grow(a.x0, a.y0); grow(a.x1, a.y1); }
  float mx = 0.08f * std::max(x1 - x0, 1e-6f), my = 0.08f * std::max(y1 - y0, 1e-6f);
  x0 -= mx; x1 += mx; y0 -= my; y1 += my;
  if (s.equal_aspect) {  // widen the tighter axis so one unit is the same length on both
    float wpx = plot_size.x - 60.0f, hpx = plot_size.y - 2.4f * line;
    if (wpx > 10 && hpx > 10) {
      float ux = (x1 - x0) / wpx, uy = (y1 - y0) / hpx, u = std::max(ux, uy);
      float cx = 0.5f * (x0 + x1), cy = 0.5f * (y0 + y1);
      x0 = cx - 0.5f * u * wpx; x1 = cx + 0.5f * u * wpx;
      y0 = cy - 0.5f * u * hpx; y1 = cy + 0.5f * u * hpx;
    }
  }
  PlotFrame f = begin_plot_frame(plot_size, x0, x1, y0, y1, s.x_title, s.y_title);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(f.p0, f.p1, true);
  ImU32 axis = ImGui::GetColorU32(ImGuiCol_TextDisabled, 0.5f);
  dl->AddLine(f.to_px(x0, 0), f.to_px(x1, 0), axis);
  dl->AddLine(f.to_px(0, y0), f.to_px(0, y1), axis);

  ImVec2 m = ImGui::GetIO().MousePos;
  float best = (s.radius + 4.0f) * (s.radius + 4.0f);
  bool hover_frame = f.contains(m) && ImGui::IsWindowHovered();
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(s.xs[i]) || !std::isfinite(s.ys[i])) continue;
    ImVec2 p = f.to_px(s.xs[i], s.ys[i]);
    ImU32 c = i < s.colors.size() ? s.colors[i] : IM_COL32(200, 200, 200, 255);
    dl->AddCircleFilled(p, s.radius, c, 12);
    dl->AddCircle(p, s.radius, IM_COL32(0, 0, 0, 120), 12);
    if (hover_frame) {
      float d = (p.x - m.x) * (p.x - m.x) + (p.y - m.y) * (p.y - m.y);
      if (d < best) { best = d; res.hovered = static_cast<int>(i); }
    }
  }
  for (auto& a : s.arrows) {
    ImVec2 p0 = f.to_px(a.x0, a.y0), p1 = f.to_px(a.x1, a.y1);
    float dx = p1.x - p0.x, dy = p1.y - p0.y, len = std::sqrt(dx * dx + dy * dy);
    dl->AddLine(p0, p1, a.color, 2.5f);
    if (len > 1) {
      float ux = dx / len, uy = dy / len, h = 10.0f;
      dl->AddTriangleFilled(p1, ImVec2(p1.x - h * ux + 0.5f * h * uy, p1.y - h * uy - 0.5f * h * ux),
                            ImVec2(p1.x - h * ux - 0.5f * h * uy, p1.y - h * uy + 0.5f * h * ux), a.color);
    }
    if (!a.label.empty()) dl->AddText(ImVec2(p1.x + 4, p1.y - line), a.color, a.label.c_str());
  }
  int ring = res.hovered >= 0 ? res.hovered : s.highlight;
  if (ring >= 0 && ring < static_cast<int>(n))
    dl->AddCircle(f.to_px(s.xs[ring], s.ys[ring]), s.radius + 4.0f, IM_COL32(255, 210, 80, 255), 16, 2.0f);
  dl->PopClipRect();

  ImGui::InvisibleButton("##plot", plot_size);
  if (res.hovered >= 0) {
    res.clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
    ImGui::BeginTooltip();
    ImGui::Text("token %d  %s", res.hovered,
                res.hovered < static_cast<int>(s.labels.size()) ? s.labels[res.hovered].c_str() : "");
    ImGui::Text("%s %.3g, %s %.3g", s.x_title, s.xs[res.hovered], s.y_title, s.ys[res.hovered]);
    ImGui::EndTooltip();
  }
  ImGui::PopID();
  return res;
}

}  // namespace ss::ui
