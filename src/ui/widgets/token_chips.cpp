#include "ui/widgets/token_chips.h"

#include <algorithm>
#include <cstdio>

#include "ui/widgets/colormap.h"
#include "ui/widgets/draw_util.h"

namespace ss::ui {

ChipsResult token_chips(const char* id, const ChipsSpec& s) {
  ChipsResult res;
  if (!s.texts) return res;
  ImGui::PushID(id);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImGuiStyle& st = ImGui::GetStyle();
  const float line = ImGui::GetTextLineHeight();
  const float small = line * 0.75f;  // position labels use a smaller line (same font, less space)
  float x_start = ImGui::GetCursorScreenPos().x;
  float x_max = x_start + ImGui::GetContentRegionAvail().x;
  ImVec2 cur = ImGui::GetCursorScreenPos();
  float row_h = line + 8.0f + (s.show_positions ? small : 0.0f) + (s.badges.empty() ? 0.0f : small);
  ImU32 default_fill = ImGui::GetColorU32(ImGuiCol_FrameBg);
  ImU32 border = ImGui::GetColorU32(ImGuiCol_Border);
  ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const int n = static_cast<int>(s.texts->size());
  for (int i = 0; i < n; ++i) {
    std::string text = fit_text((*s.texts)[i], 140.0f);
    float w = std::max(ImGui::CalcTextSize(text.c_str()).x + 10.0f, 18.0f);
    if (cur.x + w > x_max && cur.x > x_start) {
      cur.x = x_start;
      cur.y += row_h + 4.0f;
    }
    float top = cur.y + (s.show_positions ? small : 0.0f);
    ImVec2 a(cur.x, top), b(cur.x + w, top + line + 6.0f);
    ImU32 fill = i < static_cast<int>(s.fills.size()) && s.fills[i] ? s.fills[i] : default_fill;
    dl->AddRectFilled(a, b, fill, st.FrameRounding + 2.0f);
    bool hl = i == s.highlight, sel = i == s.selected;
    dl->AddRect(a, b, hl ? IM_COL32(255, 210, 80, 255) : sel ? IM_COL32(255, 255, 255, 255) : border,
                st.FrameRounding + 2.0f, 0, hl || sel ? 2.0f : 1.0f);
    ImU32 tc = fill == default_fill ? ImGui::GetColorU32(ImGuiCol_Text) : contrast_text(fill);
    dl->AddText(ImVec2(a.x + 5.0f, a.y + 3.0f), tc, text.c_str());
    if (s.show_positions) {
      char pos[12];
      std::snprintf(pos, sizeof pos, "%d", i);
      ImGui::SetWindowFontScale(0.75f);
      dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(a.x + 2.0f, cur.y), dim, pos);
      ImGui::SetWindowFontScale(1.0f);
    }
    if (i < static_cast<int>(s.badges.size()) && !s.badges[i].empty()) {
      ImGui::SetWindowFontScale(0.75f);
      dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(a.x + 2.0f, b.y + 1.0f), fill == default_fill ? dim : fill,
                  s.badges[i].c_str());
      ImGui::SetWindowFontScale(1.0f);
    }
    ImGui::SetCursorScreenPos(a);
    ImGui::PushID(i);
    ImGui::InvisibleButton("##chip", ImVec2(w, line + 6.0f));
    if (ImGui::IsItemHovered()) {
      res.hovered = i;
      ImGui::BeginTooltip();
      ImGui::Text("position %d", i);
      if (s.ids && i < static_cast<int>(s.ids->size())) ImGui::Text("token id %d", (*s.ids)[i]);
      ImGui::Text("text \"%s\"", (*s.texts)[i].c_str());
      if (i < static_cast<int>(s.badges.size()) && !s.badges[i].empty()) ImGui::TextUnformatted(s.badges[i].c_str());
      ImGui::EndTooltip();
    }
    if (ImGui::IsItemClicked()) res.clicked = i;
    ImGui::PopID();
    cur.x += w + 4.0f;
  }
  ImGui::SetCursorScreenPos(ImVec2(x_start, cur.y + row_h + 4.0f));
  ImGui::Dummy(ImVec2(1, 1));
  ImGui::PopID();
  return res;
}

}  // namespace ss::ui
