#include "ui/widgets/colormap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ss::ui {
namespace {

// Nine anchors per scale (matplotlib's viridis/magma and ColorBrewer RdBu),
// linearly interpolated: exact at the anchors, within a few levels between.
struct Rgb { float r, g, b; };
constexpr Rgb kViridis[9] = {{0x44, 0x01, 0x54}, {0x48, 0x28, 0x78}, {0x3e, 0x49, 0x89},
                             {0x31, 0x68, 0x8e}, {0x26, 0x82, 0x8e}, {0x1f, 0x9e, 0x89},
                             {0x35, 0xb7, 0x79}, {0x6e, 0xce, 0x58}, {0xfd, 0xe7, 0x25}};
constexpr Rgb kMagma[9] = {{0x00, 0x00, 0x04}, {0x1c, 0x10, 0x44}, {0x4f, 0x12, 0x7b},
                           {0x81, 0x25, 0x81}, {0xb5, 0x36, 0x7a}, {0xe5, 0x50, 0x64},
                           {0xfb, 0x87, 0x61}, {0xfe, 0xc2, 0x87}, {0xfc, 0xfd, 0xbf}};
constexpr Rgb kDiverging[9] = {{0x21, 0x66, 0xac}, {0x43, 0x93, 0xc3}, {0x92, 0xc5, 0xde},
                               {0xd1, 0xe5, 0xf0}, {0xf7, 0xf7, 0xf7}, {0xfd, 0xdb, 0xc7},
                               {0xf4, 0xa5, 0x82}, {0xd6, 0x60, 0x4d}, {0xb2, 0x18, 0x2b}};
// Tableau 10: distinguishable on dark and light backgrounds, in an order
// chosen for colour-blind readers: in Tableau's own order the 3rd and 5th
// (red, green) look the same under deuteranopia (CIELAB distance 0.9 in
// Machado et al.'s simulation); in this one the first five sinks of a head
// stay at least 14 apart under protanopia, deuteranopia and tritanopia
// (docs/accessibility.md).
constexpr Rgb kCategory[10] = {{0x4e, 0x79, 0xa7}, {0xf2, 0x8e, 0x2b}, {0x9c, 0x75, 0x5f},
                               {0xba, 0xb0, 0xac}, {0x59, 0xa1, 0x4f}, {0xed, 0xc9, 0x48},
                               {0xe1, 0x57, 0x59}, {0x76, 0xb7, 0xb2}, {0xb0, 0x7a, 0xa1},
                               {0xff, 0x9d, 0xa7}};

const Rgb* anchors(ColorMap cm) {
  switch (cm) {
    case ColorMap::Magma: return kMagma;
    case ColorMap::Diverging: return kDiverging;
    default: return kViridis;
  }
}

}  // namespace

ImVec4 colormap_vec(ColorMap cm, float t, float alpha) {
  if (!std::isfinite(t)) t = 0.0f;
  t = std::clamp(t, 0.0f, 1.0f) * 8.0f;
  int i = std::min(7, static_cast<int>(t));
  float f = t - static_cast<float>(i);
  const Rgb* a = anchors(cm);
  auto mix = [f](float x, float y) { return (x + (y - x) * f) / 255.0f; };
  return ImVec4(mix(a[i].r, a[i + 1].r), mix(a[i].g, a[i + 1].g), mix(a[i].b, a[i + 1].b), alpha);
}

ImU32 colormap(ColorMap cm, float t, float alpha) {
  return ImGui::ColorConvertFloat4ToU32(colormap_vec(cm, t, alpha));
}

ImU32 category(int i, float alpha) {
  const Rgb& c = kCategory[((i % 10) + 10) % 10];
  return ImGui::ColorConvertFloat4ToU32(ImVec4(c.r / 255.0f, c.g / 255.0f, c.b / 255.0f, alpha));
}

ImU32 contrast_text(ImU32 bg) {
  ImVec4 c = ImGui::ColorConvertU32ToFloat4(bg);
  float luma = 0.299f * c.x + 0.587f * c.y + 0.114f * c.z;
  return luma > 0.55f ? IM_COL32(20, 20, 20, 255) : IM_COL32(250, 250, 250, 255);
}

void colorbar(const char* title, ColorMap cm, float vmin, float vmax, ImVec2 size, const char* fmt) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImGui::TextUnformatted(title);
  ImVec2 p = ImGui::GetCursorScreenPos();
  constexpr int kSteps = 32;  // a smooth ramp with few vertices
  for (int s = 0; s < kSteps; ++s) {
    float x0 = p.x + size.x * s / kSteps, x1 = p.x + size.x * (s + 1) / kSteps;
    dl->AddRectFilled(ImVec2(x0, p.y), ImVec2(x1 + 0.5f, p.y + size.y),
                      colormap(cm, (s + 0.5f) / kSteps));
  }
  dl->AddRect(p, ImVec2(p.x + size.x, p.y + size.y), ImGui::GetColorU32(ImGuiCol_Border));
  char lo[32], mid[32], hi[32];
  std::snprintf(lo, sizeof lo, fmt, vmin);
  std::snprintf(mid, sizeof mid, fmt, 0.5f * (vmin + vmax));
  std::snprintf(hi, sizeof hi, fmt, vmax);
  float ty = p.y + size.y + 2.0f;
  ImU32 tc = ImGui::GetColorU32(ImGuiCol_Text);
  dl->AddText(ImVec2(p.x, ty), tc, lo);
  float wm = ImGui::CalcTextSize(mid).x, wh = ImGui::CalcTextSize(hi).x;
  dl->AddText(ImVec2(p.x + 0.5f * (size.x - wm), ty), tc, mid);
  dl->AddText(ImVec2(p.x + size.x - wh, ty), tc, hi);
  ImGui::Dummy(ImVec2(size.x, size.y + ImGui::GetTextLineHeight() + 4.0f));
}

}  // namespace ss::ui
