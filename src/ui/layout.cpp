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
#include "ui/svg_export.h"
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
    case Panel::Probes: ui::draw_probes_view(s); break;
    case Panel::Sinks: ui::draw_sinks_view(s); break;
    case Panel::Keys: ui::draw_key_dims_view(s); break;
    case Panel::Compare: ui::draw_compare(s); break;
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
  if (ImGui::SmallButton("SVG")) request_svg(std::string(panel_key(ui.panel)) + ".svg", true);
  ui::tooltip_for_last_item("Saves the current panel as an SVG vector figure for a paper or slides: the same "
                            "shapes and colours as the screen, text kept as text (searchable, editable), "
                            "colour bar and axis labels included.");
  ImGui::SameLine();
  if (ImGui::SmallButton("CSV")) request_save("sinkscope-sinks.csv", "text/csv", export_csv_now());
  ui::tooltip_for_last_item("Saves every sink of the current prompt (layer, head, key, kind, scores, spans, tag variance) as CSV.");
  ImGui::SameLine();
  if (ImGui::SmallButton("JSON")) request_save("sinkscope-analysis.json", "application/json", export_json_now());
  ui::tooltip_for_last_item("Saves the whole analysis of the current prompt as JSON.");
  ImGui::SameLine();
  ui::draw_model_picker(s);
  ImGui::SameLine();
  ui::draw_compare_picker(s);
  ImGui::SameLine();
  ui::draw_open_model(s);
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
  const ImGuiStyle& style = ImGui::GetStyle();
  for (int i = 0; i < kPanelCount; ++i) {
    // Wrap to a new row when the next tab would not fit (the bar outgrew one row).
    const float w = ImGui::CalcTextSize(panel_title(static_cast<Panel>(i))).x + 2 * style.FramePadding.x;
    if (i && ImGui::GetItemRectMax().x + 2 + w <= ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x)
      ImGui::SameLine(0, 2);
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
  // Keyboard control mode: ImGui's own navigation reaches every button,
  // checkbox, slider and tab (arrows move, Space presses, Page Down/Up
  // changes tile). Enter turns it on, Escape back to the head keys below.
  // Tiles in the order Page Down visits them (browsers keep Ctrl+Tab, ImGui's
  // own window switch, for their tabs).
  static const char* const kTiles[] = {"##panels", "Prompt", "Next token", "Tokens", "##status"};
  constexpr int kTileCount = static_cast<int>(sizeof kTiles / sizeof kTiles[0]);
  static int tile = 0;
  if (!ui.keyboard_nav && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter))) {
    ui.keyboard_nav = true;
    io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    tile = 0;
    ImGui::SetWindowFocus(ui.embed ? "##embed" : kTiles[tile]);
    toast("keyboard control: arrows move, Space presses, Page Down/Up changes tile, Esc leaves");
    return;
  }
  if (ui.keyboard_nav) {
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
      ui.keyboard_nav = false;
      io.ConfigFlags &= ~ImGuiConfigFlags_NavEnableKeyboard;
      toast("arrow keys walk heads again");
    } else if (!ui.embed && (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageDown)) ||
                             ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageUp)))) {
      tile = (tile + (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageUp)) ? kTileCount - 1 : 1)) % kTileCount;
      ImGui::SetWindowFocus(kTiles[tile]);
    }
    return;
  }
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
  if (ui.contrast) ui::apply_contrast_colors();
  else ui::apply_colors(ui.dark);
  ui.highlight = ui.next_highlight;  // hovered last frame, drawn this frame
  ui.next_highlight = -1;

  if (ui.embed) {  // the chosen panel alone, sized to the iframe (and an open lesson beside it)
    const float lesson_w = ui::lesson_bar_visible() ? std::clamp(width * 0.3f, 180.0f * s.dpr, 360.0f * s.dpr) : 0.0f;
    if (lesson_w > 0) {
      if (begin_tile("Lesson", width - lesson_w, 0, lesson_w, height)) ui::draw_lesson_bar(s);
      ImGui::End();
      width = std::max(width - lesson_w, 10.0f);
    }
    ui::svg_panel_prepare();
    if (begin_tile("##embed", 0, 0, width, height, ImGuiWindowFlags_NoTitleBar)) {
      ui::svg_panel_begin();
      draw_panel(ui.panel, s);
    }
    g_panel_rect = {0, 0, static_cast<int>(width), static_cast<int>(height)};
    ImGui::End();
    ui::svg_panel_end();
    return;
  }
  const float gap = 2.0f * s.dpr;
  const float status_h = ImGui::GetFrameHeight() + ImGui::GetStyle().WindowPadding.y * 2;
  const float body_h = std::max(height - status_h - gap, 10.0f);
  const float left_w = std::clamp(width * 0.27f, 240.0f * s.dpr, 480.0f * s.dpr);
  // An open lesson (or its error) gets a column beside the panel.
  const float lesson_w = ui::lesson_bar_visible() ? std::clamp(width * 0.22f, 220.0f * s.dpr, 400.0f * s.dpr) : 0.0f;
  const float right_x = left_w + gap, right_w = std::max(width - right_x - (lesson_w > 0 ? lesson_w + gap : 0.0f), 10.0f);

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
    if (ui::timeline_strip_shown()) {  // a training timeline: its slider and plots above every panel
      const float th = std::min(body_h * 0.3f, 170.0f * s.dpr);
      ImGui::BeginChild("##timeline", ImVec2(0, th), false, ImGuiWindowFlags_NoScrollbar);
      ui::draw_timeline_strip(s, th);
      ImGui::EndChild();
    }
    ImGui::Separator();
    ImVec2 p = ImGui::GetCursorScreenPos();
    ui::svg_panel_prepare();  // an SVG export reads this window's draw lists
    ImGui::BeginChild("##panel", ImVec2(0, 0), false);
    ui::svg_panel_begin();
    draw_panel(ui.panel, s);
    ImGui::EndChild();
    ui::svg_panel_end();
    g_panel_rect = {static_cast<int>(p.x) - 4, static_cast<int>(p.y) - 4,
                    static_cast<int>(right_x + right_w - p.x) + 4, static_cast<int>(body_h - p.y) + 4};
  }
  ImGui::End();
  if (lesson_w > 0) {
    if (begin_tile("Lesson", width - lesson_w, 0, lesson_w, body_h)) ui::draw_lesson_bar(s);
    ImGui::End();
  }
  if (begin_tile("##status", 0, height - status_h, width, status_h,
                 ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar))
    ui::draw_status_bar(s);
  ImGui::End();
  ui::draw_overlay(s);
}

}  // namespace ss::explorer
