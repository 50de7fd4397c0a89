#include "ui/widgets/tooltip.h"

#include <cstdio>

#include "imgui.h"

namespace ss::ui {

void tooltip_for_last_item(const char* text) {
  if (!ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) return;
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32.0f);
  ImGui::TextUnformatted(text);
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

void help_marker(const char* text) {
  ImGui::TextDisabled("(?)");
  tooltip_for_last_item(text);
}

void metric_value(const char* label, const char* value, const char* help) {
  ImGui::TextDisabled("%s", label);
  tooltip_for_last_item(help);
  ImGui::SameLine();
  ImGui::TextUnformatted(value);
  tooltip_for_last_item(help);
}

void metric_float(const char* label, float v, const char* fmt, const char* help) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  metric_value(label, buf, help);
}

}  // namespace ss::ui
