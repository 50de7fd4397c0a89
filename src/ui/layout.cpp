#include "ui/layout.h"

#include <algorithm>
#include <chrono>

#include "explorer/view.h"
#include "explorer/export.h"
#include "explorer/ui_state.h"
#include "explorer/url.h"
#include "explorer/session.h"
#include "imgui.h"
#include "ui/panels/averaging_train.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"
#include "ui/theme.h"
#include "ui/widgets/tooltip.h"

namespace ss::explorer {
namespace {

PixelRect g_panel_rect;

constexpr ImGuiWindowFlags kTile = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                   ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;

bool begin_tile(const char* title, float x, float y, float w, float h, ImGuiWindowFlags extra = 0) {
  ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(std::max(w, 1.0f), std::max(h, 1.0f)), ImGuiCond_Always);
  return ImGui::Begin(title, nullptr, kTile | extra);
}

void draw_panel(Panel p, AppState& s) {
  switch (p) {
    case Panel::Attention: ui::draw_attention_view(s); break;
    case Panel::Residual: ui::draw_residual_view(s); break;
    case Panel::Tag: ui::draw_tag_view(s); break;
    case Panel::Release: ui::draw_release_view(s); break;
    case Panel::Interventions: ui::draw_interventions(s); break;
    case Panel::Averaging:
      ui::draw_averaging_lab(s);
      if (ImGui::CollapsingHeader("Train it yourself (live)", ImGuiTreeNodeFlags_DefaultOpen)) ui::draw_averaging_train(s);
      break;
    case Panel::Guide: ui::draw_guide(s); break;
    case Panel::Settings: ui::draw_settings(s); break;
    default: break;
  }
}

void toast(const std::string& msg) {
  ExplorerUi& ui = explorer_ui();
  ui.toast = msg;
  ui.toast_until = ImGui::GetTime() + 3.0;
}

void toolbar(AppState& s) {
  ExplorerUi& ui = explorer_ui();
  if (ImGui::SmallButton("copy link")) {
    const CopiedLink c = copy_link(s);
    ImGui::SetClipboardText(c.link.c_str());
    toast(c.message);
  }
  ui::tooltip_for_last_item("Writes the prompt, head and panel into the page address (and the clipboard) so the link reopens this view.");
  ImGui::SameLine();
  if (ImGui::SmallButton("PNG")) request_png(std::string(panel_key(ui.panel)) + ".png");
  ui::tooltip_for_last_item("Saves the current panel as a PNG image.");
  ImGui::SameLine();
  if (ImGui::SmallButton("CSV")) request_save("sinkscope-sinks.csv", "text/csv", export_csv_now());
  ui::tooltip_for_last_item("Saves every sink of the current prompt (layer, head, key, kind, scores, spans, tag variance) as CSV.");
  ImGui::SameLine();
  if (ImGui::SmallButton("JSON")) request_save("sinkscope-analysis.json", "application/json", export_json_now());
  ui::tooltip_for_last_item("Saves the whole analysis of the current prompt as JSON.");
  ImGui::SameLine();
  if (ImGui::SmallButton("?")) ui.show_overlay = true;
  ui::tooltip_for_last_item("What am I looking at?");
  if (!ui.toast.empty() && ImGui::GetTime() < ui.toast_until) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", ui.toast.c_str());
  }
}

void tab_row() {
  ExplorerUi& ui = explorer_ui();
  for (int i = 0; i < kPanelCount; ++i) {
    if (i) ImGui::SameLine(0, 2);
    bool on = static_cast<int>(ui.panel) == i;
    ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(on ? ImGuiCol_TabActive : ImGuiCol_Tab));
    if (ImGui::Button(panel_title(static_cast<Panel>(i)))) ui.panel = static_cast<Panel>(i);
    ImGui::PopStyleColor();
    ui::tooltip_for_last_item(ui::guide::panel_blurb(i));
  }
}

}  // namespace

PixelRect current_panel_rect() { return g_panel_rect; }

void explorer_keys(AppState& s) {
  ImGuiIO& io = ImGui::GetIO();
  ExplorerUi& ui = explorer_ui();
  if (ui.show_overlay && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ui.show_overlay = false;
  if (io.WantTextInput) return;  // typing in the prompt: keys belong to the text
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Tab))) {
    int step = io.KeyShift ? kPanelCount - 1 : 1;
    ui.panel = static_cast<Panel>((static_cast<int>(ui.panel) + step) % kPanelCount);
  }
  const ExplorerView* v = explorer_view();
  if (!v) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) s.sel.head = std::max(0, s.sel.head - 1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) s.sel.head = std::min(v->H - 1, s.sel.head + 1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow))) s.sel.layer = std::max(0, s.sel.layer - 1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) s.sel.layer = std::min(v->L - 1, s.sel.layer + 1);
}

void draw_explorer_body(AppState& s, float width, float height);

void draw_explorer(AppState& s, float width, float height) {
  auto t0 = std::chrono::steady_clock::now();
  draw_explorer_body(s, width, height);
  ExplorerUi& ui = explorer_ui();
  const ExplorerView* v = explorer_view();
  if (v && v->in.prompt_version != ui.timed_version && s.results &&
      s.results->prompt_version == v->in.prompt_version) {
    ui.timed_version = v->in.prompt_version;
    // From the session starting on the edit (Results::started) to this frame's
    // panels drawn; without a start time, this frame plus tokenize + forward.
    const auto now = std::chrono::steady_clock::now();
    const double session = std::max(0.0, s.last_tokenize_ms) + std::max(0.0, s.last_forward_ms);
    const bool started = s.results->started != std::chrono::steady_clock::time_point{};
    ui.edit_to_frame_ms = started ? std::chrono::duration<double, std::milli>(now - s.results->started).count()
                                  : std::chrono::duration<double, std::milli>(now - t0).count() + session;
    ui.explorer_frame_ms = std::max(0.0, ui.edit_to_frame_ms - session);
  }
}

void draw_explorer_body(AppState& s, float width, float height) {
  ExplorerUi& ui = explorer_ui();
  ui::apply_colors(ui.dark);
  ui.highlight = ui.next_highlight;  // hovered last frame, drawn this frame
  ui.next_highlight = -1;

  if (ui.embed) {  // the chosen panel alone, sized to the iframe
    if (begin_tile("##embed", 0, 0, width, height, ImGuiWindowFlags_NoTitleBar)) draw_panel(ui.panel, s);
    g_panel_rect = {0, 0, static_cast<int>(width), static_cast<int>(height)};
    ImGui::End();
    return;
  }
  const float gap = 2.0f * s.dpr;
  const float status_h = ImGui::GetFrameHeight() + ImGui::GetStyle().WindowPadding.y * 2;
  const float body_h = std::max(height - status_h - gap, 10.0f);
  const float left_w = std::clamp(width * 0.27f, 240.0f * s.dpr, 480.0f * s.dpr);
  const float right_x = left_w + gap, right_w = std::max(width - right_x, 10.0f);

  float y = 0;
  const float prompt_h = body_h * 0.24f, next_h = body_h * 0.26f;
  if (begin_tile("Prompt", 0, y, left_w, prompt_h)) ui::draw_prompt_editor(s);
  ImGui::End();
  // A key typed this frame is analysed and drawn in this frame, not the next.
  if (s.results && s.results->prompt_version != s.prompt_version) explorer_step(s);
  y += prompt_h + gap;
  if (begin_tile("Next token", 0, y, left_w, next_h)) ui::draw_next_token(s);
  ImGui::End();
  y += next_h + gap;
  if (begin_tile("Tokens", 0, y, left_w, body_h - y)) ui::draw_token_strip(s);
  ImGui::End();

  if (begin_tile("##panels", right_x, 0, right_w, body_h, ImGuiWindowFlags_NoTitleBar)) {
    tab_row();
    toolbar(s);
    explorer_step(s);  // a tab clicked this frame: what that panel needs
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("%s", ui::guide::panel_blurb(static_cast<int>(ui.panel)));
    ImGui::PopStyleColor();
    ImGui::Separator();
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::BeginChild("##panel", ImVec2(0, 0), false);
    draw_panel(ui.panel, s);
    ImGui::EndChild();
    g_panel_rect = {static_cast<int>(p.x) - 4, static_cast<int>(p.y) - 4,
                    static_cast<int>(right_x + right_w - p.x) + 4, static_cast<int>(body_h - p.y) + 4};
  }
  ImGui::End();
  if (begin_tile("##status", 0, height - status_h, width, status_h,
                 ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar))
    ui::draw_status_bar(s);
  ImGui::End();
  ui::draw_overlay(s);
}

}  // namespace ss::explorer
