#include <algorithm>

#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"

namespace ss::ui {
namespace {

void entry(const char* title, const char* text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered));
  ImGui::TextUnformatted(title);
  ImGui::PopStyleColor();
  ImGui::TextWrapped("%s", text);
  ImGui::Spacing();
}

}  // namespace

void draw_guide(explorer::AppState& s) {
  (void)s;
  ImGui::TextWrapped("sinkscope shows attention sinks and the 'catch, tag, release' mechanism of Zhang, Khan "
                     "and Papyan (arXiv 2502.00919) on a small language model, live, as you edit the prompt.");
  ImGui::Spacing();
  entry("Attention sink", guide::kSink);
  entry("Outlier features", guide::kOutlier);
  entry("1. Catch", guide::kCatch);
  entry("2. Tag", guide::kTag);
  entry("3. Release", guide::kRelease);
  entry("Averaging after [SEP]", guide::kAveraging);
  entry("Compression", guide::kCompression);
  ImGui::Separator();
  ImGui::TextUnformatted("Metrics");
  for (const char* m : {guide::kSinkScore, guide::kCatchTau, guide::kCatchSpan, guide::kTagAlignment,
                        guide::kTagVariance, guide::kTagProjection, guide::kLift, guide::kRatioToMedian})
    ImGui::BulletText("%s", m);
  ImGui::Separator();
  ImGui::TextUnformatted("Keys");
  ImGui::BulletText("arrow keys: move the selected head (up/down = layer, left/right = head)");
  ImGui::BulletText("Tab: next panel (Shift+Tab: previous); everything also works with the mouse");
  ImGui::BulletText("Enter: keyboard control of every button, box and slider (arrows move, Space presses, "
                    "Page Down/Up changes tile, Escape returns to the keys above)");
}

void draw_overlay(explorer::AppState& s) {
  auto& ui = explorer::explorer_ui();
  if (!ui.show_overlay || ui.embed) return;
  ImGuiIO& io = ImGui::GetIO();
  ImVec2 size(std::min(io.DisplaySize.x * 0.7f, 760.0f * s.dpr), 0);
  ImGui::SetNextWindowPos(ImVec2(io.DisplaySize.x * 0.5f, io.DisplaySize.y * 0.45f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(size);
  ImGui::SetNextWindowBgAlpha(0.97f);
  if (ImGui::Begin("What am I looking at?", &ui.show_overlay,
                   ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoResize |
                       ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextWrapped("A small transformer reads your prompt. Many of its heads send most of their attention to "
                       "one token that carries no meaning: an attention sink (the first token, or a comma, a "
                       "period, a newline).");
    ImGui::Spacing();
    ImGui::BulletText("Catch: the sink takes the attention of a whole span (a bright column in the heatmap).");
    ImGui::BulletText("Tag: every caught token gets the same vector added: the sink's tag.");
    ImGui::BulletText("Release: later heads find the tagged tokens by that tag.");
    ImGui::Spacing();
    ImGui::TextWrapped("Edit the prompt on the left, pick a head in the sink map (or with the arrow keys), and step "
                       "through the panels with the tabs (or Tab). Hover any number for what it means.");
    ImGui::Spacing();
    if (ImGui::Button("Got it")) ui.show_overlay = false;
  }
  ImGui::End();
}

}  // namespace ss::ui
