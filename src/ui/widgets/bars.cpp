#include "ui/widgets/bars.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/widgets/draw_util.h"

namespace ss::ui {

int hbars(const char* id, const std::vector<Bar>& bars, float vmax, float width, const char* fmt) {
  ImGui::PushID(id);
  int hovered = -1;
  const float line = ImGui::GetTextLineHeight();
  float label_w = 0;
  for (auto& b : bars) label_w = std::max(label_w, ImGui::CalcTextSize(b.label.c_str()).x);
  label_w = std::min(label_w, width * 0.35f) + 8.0f;
  float value_w = ImGui::CalcTextSize("0.000").x + 8.0f;
  float bar_w = std::max(20.0f, width - label_w - value_w);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImU32 tc = ImGui::GetColorU32(ImGuiCol_Text);
  if (!(vmax > 0)) vmax = 1.0f;
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    ImVec2 p = ImGui::GetCursorScreenPos();
    std::string l = fit_text(b.label, label_w - 8.0f);
    dl->AddText(ImVec2(p.x + label_w - 8.0f - ImGui::CalcTextSize(l.c_str()).x, p.y), tc, l.c_str());
    float x0 = p.x + label_w;
    dl->AddRectFilled(ImVec2(x0, p.y + 2), ImVec2(x0 + bar_w, p.y + line - 1), ImGui::GetColorU32(ImGuiCol_FrameBg), 2.0f);
    float w = bar_w * std::clamp(b.value / vmax, 0.0f, 1.0f);
    dl->AddRectFilled(ImVec2(x0, p.y + 2), ImVec2(x0 + w, p.y + line - 1), b.color, 2.0f);
    if (std::isfinite(b.ghost)) {
      float gw = bar_w * std::clamp(b.ghost / vmax, 0.0f, 1.0f);
      dl->AddRect(ImVec2(x0, p.y + 1), ImVec2(x0 + gw, p.y + line), ImGui::GetColorU32(ImGuiCol_Text, 0.7f), 2.0f);
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt, b.value);
    dl->AddText(ImVec2(x0 + bar_w + 6.0f, p.y), tc, buf);
    ImGui::PushID(static_cast<int>(i));
    ImGui::InvisibleButton("##bar", ImVec2(width, line + 2.0f));
    if (ImGui::IsItemHovered()) hovered = static_cast<int>(i);
    ImGui::PopID();
  }
  ImGui::PopID();
  return hovered;
}

}  // namespace ss::ui
