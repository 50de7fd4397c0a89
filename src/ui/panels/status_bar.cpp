#include "explorer/ui_state.h"
#include "explorer/session.h"
#include "explorer/session.h"
#include "imgui.h"
#include "ui/panels/panels.h"

namespace ss::ui {

void draw_status_bar(explorer::AppState& s) {
  if (!s.loading.empty()) {
    ImGui::Text("Loading %s ...", s.loading.c_str());
  } else if (s.model) {
    ImGui::Text("%s", explorer::describe(*s.model).c_str());
  } else {
    ImGui::TextDisabled("no model");
  }
  ImGui::SameLine(0, ImGui::GetFontSize() * 2);
  ImGui::Text("backend %s | %d tokens", s.backend.c_str(), s.token_count);
  if (explorer::session_stats().in_flight) {
    ImGui::SameLine();
    ImGui::TextDisabled("(running...)");
  }
  if (!s.backend_notice.empty()) {  // the backend changed by itself: say why
    ImGui::SameLine(0, ImGui::GetFontSize() * 2);
    ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1.0f), "%s", s.backend_notice.c_str());
  }
  ImGui::SameLine(0, ImGui::GetFontSize() * 2);
  if (s.last_forward_ms >= 0) ImGui::Text("forward %.1f ms", s.last_forward_ms);
  else ImGui::TextDisabled("forward: no engine yet");
  const auto& ui = explorer::explorer_ui();
  if (ui.edit_to_frame_ms >= 0) {
    ImGui::SameLine(0, ImGui::GetFontSize() * 2);
    ImGui::Text("analysis + panels %.1f ms | edit-to-frame %.1f ms", ui.explorer_frame_ms, ui.edit_to_frame_ms);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("From a prompt edit to the frame that shows it: tokenize + forward (prefix-cached) + analysis + drawing.");
  }
  if (!s.notice.empty()) {  // e.g. a pasted text cut to the model's context
    ImGui::SameLine(0, ImGui::GetFontSize() * 2);
    ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.35f, 1.0f), "%s", s.notice.c_str());
  }
  if (!s.last_error.empty()) {
    ImGui::SameLine(0, ImGui::GetFontSize() * 2);
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", s.last_error.c_str());
  }
}

}  // namespace ss::ui
