#include "ui/theme.h"

#include "imgui.h"

namespace ss::ui {

void apply_colors(bool dark) {
  ImGuiStyle& st = ImGui::GetStyle();
  ImVec4* c = st.Colors;
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

}  // namespace ss::ui
