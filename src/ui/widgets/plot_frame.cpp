#include "ui/widgets/plot_frame.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/widgets/draw_util.h"

namespace ss::ui {

float PlotFrame::y_of(float y) const {
  float a = y0, b = y1, v = y;
  if (log_y) {
    a = std::log10(std::max(a, 1e-30f));
    b = std::log10(std::max(b, 1e-30f));
    v = std::log10(std::max(v, 1e-30f));
  }
  float t = (b - a) != 0 ? (v - a) / (b - a) : 0.5f;
  return p1.y - t * (p1.y - p0.y);
}

ImVec2 PlotFrame::to_px(float x, float y) const {
  float t = (x1 - x0) != 0 ? (x - x0) / (x1 - x0) : 0.5f;
  return ImVec2(p0.x + t * (p1.x - p0.x), y_of(y));
}

PlotFrame begin_plot_frame(ImVec2 size, float x0, float x1, float y0, float y1, const char* x_title,
                           const char* y_title, bool integer_x, bool log_y) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight();
  ImVec2 o = ImGui::GetCursorScreenPos();
  PlotFrame f;
  f.x0 = x0; f.x1 = x1; f.y0 = y0; f.y1 = y1; f.log_y = log_y;
  if (f.x1 == f.x0) { f.x0 -= 0.5f; f.x1 += 0.5f; }
  if (f.y1 == f.y0) { f.y0 -= 0.5f; f.y1 += 0.5f; }
  float left = line * 1.3f + ImGui::CalcTextSize("-0.000").x + 4.0f;
  f.p0 = ImVec2(o.x + left, o.y + 4.0f);
  f.p1 = ImVec2(o.x + size.x - 8.0f, o.y + size.y - line * 2.4f);
  if (f.p1.x - f.p0.x < 20) f.p1.x = f.p0.x + 20;
  if (f.p1.y - f.p0.y < 20) f.p1.y = f.p0.y + 20;

  ImU32 bg = ImGui::GetColorU32(ImGuiCol_FrameBg);
  ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.6f);
  ImU32 tc = ImGui::GetColorU32(ImGuiCol_Text);
  ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  dl->AddRectFilled(f.p0, f.p1, bg);

  char buf[32];
  // y ticks
  if (log_y) {
    int e0 = static_cast<int>(std::floor(std::log10(std::max(f.y0, 1e-30f))));
    int e1 = static_cast<int>(std::ceil(std::log10(std::max(f.y1, 1e-30f))));
    for (int e = e0; e <= e1; ++e) {
      float v = std::pow(10.0f, static_cast<float>(e));
      if (v < f.y0 * 0.999f || v > f.y1 * 1.001f) continue;
      float py = f.y_of(v);
      dl->AddLine(ImVec2(f.p0.x, py), ImVec2(f.p1.x, py), grid);
      std::snprintf(buf, sizeof buf, "1e%d", e);
      dl->AddText(ImVec2(f.p0.x - 4 - ImGui::CalcTextSize(buf).x, py - line * 0.5f), tc, buf);
    }
  } else {
    float step = nice_step(f.y1 - f.y0, std::max(2, static_cast<int>((f.p1.y - f.p0.y) / (line * 2.5f))));
    for (float v = std::ceil(f.y0 / step) * step; v <= f.y1 + step * 1e-3f; v += step) {
      float py = f.y_of(v);
      dl->AddLine(ImVec2(f.p0.x, py), ImVec2(f.p1.x, py), grid);
      std::snprintf(buf, sizeof buf, "%.3g", std::fabs(v) < step * 1e-3f ? 0.0f : v);
      dl->AddText(ImVec2(f.p0.x - 4 - ImGui::CalcTextSize(buf).x, py - line * 0.5f), tc, buf);
    }
  }
  // x ticks
  float xstep = nice_step(f.x1 - f.x0, std::max(2, static_cast<int>((f.p1.x - f.p0.x) / 60.0f)));
  if (integer_x) xstep = std::max(1.0f, std::round(xstep));
  for (float v = std::ceil(f.x0 / xstep) * xstep; v <= f.x1 + xstep * 1e-3f; v += xstep) {
    float px = f.to_px(v, f.y0).x;
    dl->AddLine(ImVec2(px, f.p0.y), ImVec2(px, f.p1.y), grid);
    std::snprintf(buf, sizeof buf, "%.3g", std::fabs(v) < xstep * 1e-3f ? 0.0f : v);
    dl->AddText(ImVec2(px - ImGui::CalcTextSize(buf).x * 0.5f, f.p1.y + 2), tc, buf);
  }
  dl->AddRect(f.p0, f.p1, ImGui::GetColorU32(ImGuiCol_Border));
  if (x_title) {
    float w = ImGui::CalcTextSize(x_title).x;
    dl->AddText(ImVec2(0.5f * (f.p0.x + f.p1.x) - 0.5f * w, f.p1.y + line * 1.2f), dim, x_title);
  }
  if (y_title) add_text_vertical(dl, ImVec2(o.x + line * 0.5f, 0.5f * (f.p0.y + f.p1.y)), dim, y_title);
  return f;
}

}  // namespace ss::ui
