#include "ui/widgets/draw_util.h"

#include <cmath>

namespace ss::ui {

std::string fit_text(const std::string& s, float max_w) {
  if (ImGui::CalcTextSize(s.c_str()).x <= max_w) return s;
  std::string t = s;
  while (!t.empty() && ImGui::CalcTextSize((t + "..").c_str()).x > max_w) {
    t.pop_back();
    while (!t.empty() && (static_cast<unsigned char>(t.back()) & 0xC0) == 0x80) t.pop_back();  // keep UTF-8 whole
    if (!t.empty() && static_cast<unsigned char>(t.back()) >= 0xC0) t.pop_back();
  }
  return t + "..";
}

void add_text_vertical(ImDrawList* dl, ImVec2 center, ImU32 col, const char* text) {
  const int start = dl->VtxBuffer.Size;
  ImVec2 ts = ImGui::CalcTextSize(text);
  // A huge fine clip rect: the glyphs are culled against the clip rect before
  // rotation, which would drop the ones that lie outside only while unrotated.
  const ImVec4 no_clip(-1e6f, -1e6f, 1e6f, 1e6f);
  dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(center.x - ts.x * 0.5f, center.y - ts.y * 0.5f), col,
              text, nullptr, 0.0f, &no_clip);
  for (int i = start; i < dl->VtxBuffer.Size; ++i) {  // rotate the glyph quads by -90 degrees
    ImVec2& p = dl->VtxBuffer[i].pos;
    float dx = p.x - center.x, dy = p.y - center.y;
    p = ImVec2(center.x + dy, center.y - dx);
  }
}

float nice_step(float range, int target) {
  if (!(range > 0) || target < 1) return 1.0f;
  float raw = range / static_cast<float>(target);
  float mag = std::pow(10.0f, std::floor(std::log10(raw)));
  float f = raw / mag;
  float nf = f < 1.5f ? 1.0f : f < 3.5f ? 2.0f : f < 7.5f ? 5.0f : 10.0f;
  return nf * mag;
}

}  // namespace ss::ui
