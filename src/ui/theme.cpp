#include "ui/theme.h"

#include "imgui.h"

namespace ss::ui {

void apply_colors(bool dark) {
  ImGuiStyle& st = ImGui::GetStyle();
  ImVec4* c = st.Colors;
  st.FrameBorderSize = 0.0f;  // the high-contrast theme outlines frames; these do not
  if (dark) {
    ImGui::StyleColorsDark(&st);
    c[ImGuiCol_WindowBg] = ImVec4(0.10f, 0.11f, 0.13f, 1.0f);
    c[ImGuiCol_ChildBg] = ImVec4(0.10f, 0.11f, 0.13f, 0.0f);
    c[ImGuiCol_FrameBg] = ImVec4(0.17f, 0.19f, 0.23f, 1.0f);
    c[ImGuiCol_TitleBgActive] = ImVec4(0.16f, 0.22f, 0.32f, 1.0f);
    c[ImGuiCol_Border] = ImVec4(0.30f, 0.32f, 0.38f, 0.6f);
    c[ImGuiCol_Button] = ImVec4(0.20f, 0.28f, 0.40f, 1.0f);
    c[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.38f, 0.56f, 1.0f);
    c[ImGuiCol_Tab] = ImVec4(0.15f, 0.18f, 0.24f, 1.0f);
    c[ImGuiCol_TabActive] = ImVec4(0.24f, 0.38f, 0.60f, 1.0f);
    c[ImGuiCol_TextDisabled] = ImVec4(0.60f, 0.63f, 0.68f, 1.0f);
  } else {
    ImGui::StyleColorsLight(&st);
    c[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.97f, 0.98f, 1.0f);
    c[ImGuiCol_ChildBg] = ImVec4(0.97f, 0.97f, 0.98f, 0.0f);
    c[ImGuiCol_FrameBg] = ImVec4(0.89f, 0.90f, 0.93f, 1.0f);
    c[ImGuiCol_Border] = ImVec4(0.65f, 0.67f, 0.72f, 0.7f);
    c[ImGuiCol_TextDisabled] = ImVec4(0.38f, 0.40f, 0.45f, 1.0f);
    c[ImGuiCol_Tab] = ImVec4(0.84f, 0.87f, 0.92f, 1.0f);
    c[ImGuiCol_TabActive] = ImVec4(0.55f, 0.70f, 0.92f, 1.0f);
  }
}

void apply_contrast_colors() {
  ImGuiStyle& st = ImGui::GetStyle();
  ImGui::StyleColorsDark(&st);
  ImVec4* c = st.Colors;
  const ImVec4 black(0, 0, 0, 1), white(1, 1, 1, 1), yellow(1.0f, 0.92f, 0.0f, 1), grey(0.72f, 0.72f, 0.72f, 1);
  const ImVec4 dark_blue(0.0f, 0.16f, 0.40f, 1), blue(0.0f, 0.30f, 0.70f, 1);
  c[ImGuiCol_Text] = white;
  c[ImGuiCol_TextDisabled] = grey;  // 10.5:1 on black
  c[ImGuiCol_WindowBg] = c[ImGuiCol_PopupBg] = black;
  c[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
  c[ImGuiCol_Border] = white;
  c[ImGuiCol_FrameBg] = ImVec4(0.10f, 0.10f, 0.10f, 1);
  c[ImGuiCol_FrameBgHovered] = c[ImGuiCol_FrameBgActive] = dark_blue;
  c[ImGuiCol_TitleBg] = c[ImGuiCol_TitleBgActive] = c[ImGuiCol_TitleBgCollapsed] = black;
  c[ImGuiCol_Button] = dark_blue;
  c[ImGuiCol_ButtonHovered] = c[ImGuiCol_ButtonActive] = blue;
  c[ImGuiCol_Header] = dark_blue;
  c[ImGuiCol_HeaderHovered] = c[ImGuiCol_HeaderActive] = blue;
  c[ImGuiCol_Tab] = ImVec4(0.12f, 0.12f, 0.12f, 1);
  c[ImGuiCol_TabActive] = c[ImGuiCol_TabHovered] = blue;
  c[ImGuiCol_CheckMark] = c[ImGuiCol_SliderGrabActive] = yellow;
  c[ImGuiCol_SliderGrab] = ImVec4(0.0f, 0.40f, 0.90f, 1);  // under the slider's white number: not yellow
  c[ImGuiCol_Separator] = white;
  c[ImGuiCol_NavHighlight] = yellow;
  c[ImGuiCol_TextSelectedBg] = ImVec4(0.0f, 0.30f, 0.70f, 1);
  st.FrameBorderSize = 1.0f;  // every control outlined, not told apart by shade alone
}

}  // namespace ss::ui
