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
  // Draw unrotated where the text lies inside the clip rect (glyphs outside it
  // are culled before we could rotate them), then rotate each vertex by -90
  // degrees about the text's own centre and move it to `center`.
  const int start = dl->VtxBuffer.Size;
  ImVec2 ts = ImGui::CalcTextSize(text);
  ImVec2 pos(dl->GetClipRectMin().x + 1.0f, center.y - ts.y * 0.5f);
  dl->AddText(pos, col, text);
  ImVec2 c0(pos.x + ts.x * 0.5f, pos.y + ts.y * 0.5f);
  for (int i = start; i < dl->VtxBuffer.Size; ++i) {
    ImVec2& p = dl->VtxBuffer[i].pos;
    float dx = p.x - c0.x, dy = p.y - c0.y;
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
