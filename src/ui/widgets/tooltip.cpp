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

std::string display_token(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == '\n') out += "\xE2\x86\xB5";  // U+21B5, the newline arrow (in the UI font's ranges)
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c == ' ') out += "\xC2\xB7";  // U+00B7: spaces made visible
    else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "<%02X>", c);
      out += b;
    } else out += static_cast<char>(c);
  }
  if (out.empty()) out = "(empty)";
  return out;
}

}  // namespace ss::ui
