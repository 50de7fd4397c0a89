#include "ui/panels/common.h"

#include <cstdio>

#include "imgui.h"

namespace ss::ui {

const explorer::ExplorerView* view_or_reason(const explorer::AppState& s) {
  if (const explorer::ExplorerView* v = explorer::explorer_view()) return v;
  if (!s.loading.empty()) ImGui::TextDisabled("Loading %s ...", s.loading.c_str());
  else if (!s.last_error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", s.last_error.c_str());
  else if (!s.model) ImGui::TextDisabled("No model loaded yet.");
  else ImGui::TextDisabled("Waiting for the first forward pass of the prompt.");
  return nullptr;
}

void hover_token(int token) {
  if (token >= 0) explorer::explorer_ui().next_highlight = token;
}

const char* head_label(int layer, int head) {
  static char buf[32];
  std::snprintf(buf, sizeof buf, "L%d H%d", layer, head);
  return buf;
}

}  // namespace ss::ui
