// The lesson bar: the open lesson's title, "step k of n", Back / reset step /
// Next, the step's caption (Markdown-light) and its question with what the
// app says about the student's answer. Drawn beside the panel (ui/layout.cpp)
// while a lesson is open, or with the reason a lesson could not open.
#include <algorithm>
#include <string>

#include "explorer/lesson_run.h"
#include "imgui.h"
#include "ui/panels/panels.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {
namespace {

// Styled runs flowed word by word inside the window's width (ImGui's own
// wrapping works on one style at a time).
void draw_caption(const std::string& caption) {
  const float right = ImGui::GetWindowContentRegionMax().x + ImGui::GetWindowPos().x;
  const ImVec4 text = ImGui::GetStyleColorVec4(ImGuiCol_Text);
  const ImVec4 strong = ImGui::GetStyleColorVec4(ImGuiCol_PlotHistogram);
  const ImVec4 soft = ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
  const ImVec4 code = ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered);
  const float space = ImGui::CalcTextSize(" ").x;
  bool line_start = true;
  for (const explorer::CaptionRun& r : explorer::caption_runs(caption)) {
    if (r.line_break) line_start = true;
    const ImVec4 col = r.code ? code : r.bold ? strong : r.italic ? soft : text;
    size_t i = 0;
    while (i <= r.text.size()) {
      size_t j = r.text.find(' ', i);
      if (j == std::string::npos) j = r.text.size();
      const std::string word = r.text.substr(i, j - i);
      const bool space_after = j < r.text.size();
      if (!word.empty()) {
        const float w = ImGui::CalcTextSize(word.c_str()).x;
        if (!line_start) {
          ImGui::SameLine(0, 0);
          if (ImGui::GetCursorScreenPos().x + w > right) ImGui::NewLine();
        }
        ImGui::PushStyleColor(ImGuiCol_Text, col);
        ImGui::TextUnformatted(word.c_str());
        ImGui::PopStyleColor();
        line_start = false;
      }
      if (space_after && !line_start) {
        ImGui::SameLine(0, 0);
        ImGui::Dummy(ImVec2(space, ImGui::GetTextLineHeight()));
      }
      i = j + 1;
    }
  }
}

// The text of Markdown-light without its markup (for one-colour lines).
std::string plain(const std::string& text) {
  std::string out;
  for (const explorer::CaptionRun& r : explorer::caption_runs(text)) out += (r.line_break ? "\n" : "") + r.text;
  return out;
}

}  // namespace

bool lesson_bar_visible() {
  const explorer::LessonRun& r = explorer::lesson_run();
  return r.active || !r.error.empty();
}

void draw_lesson_bar(explorer::AppState& s) {
  explorer::LessonRun& r = explorer::lesson_run();
  if (!r.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.35f, 1.0f));
    ImGui::TextWrapped("The lesson could not be opened.");
    ImGui::PopStyleColor();
    ImGui::TextWrapped("%s", r.error.c_str());
    if (!r.active) ImGui::TextWrapped("The explorer works as usual; check the lesson file (docs/lessons.md) or the address.");
    if (ImGui::SmallButton("dismiss")) r.error.clear();
    tooltip_for_last_item("Hides this message.");
    ImGui::Separator();
  }
  if (!r.active) return;
  const explorer::LessonStep& st = r.lesson.steps[r.step];
  const int n = static_cast<int>(r.lesson.steps.size());
  ImGui::TextWrapped("%s", r.lesson.title.c_str());
  ImGui::ProgressBar(static_cast<float>(r.step + 1) / n, ImVec2(-1, 0),
                     ("step " + std::to_string(r.step + 1) + " of " + std::to_string(n)).c_str());
  tooltip_for_last_item("Where you are in the lesson. Each step sets the prompt, the panel and the head for you.");
  ImGui::BeginDisabled(r.step == 0);
  if (ImGui::Button("< Back")) explorer::lesson_back(s);
  ImGui::EndDisabled();
  tooltip_for_last_item("The previous step, as the lesson set it up.");
  ImGui::SameLine();
  if (ImGui::Button("reset step")) explorer::lesson_reset_step(s);
  tooltip_for_last_item("Puts this step's prompt, panel, head and sink back (undoes your own changes).");
  ImGui::SameLine();
  const bool last = r.step + 1 >= n;
  ImGui::BeginDisabled(!r.answered || last);
  if (ImGui::Button("Next >")) explorer::lesson_next(s);
  ImGui::EndDisabled();
  tooltip_for_last_item(last ? "This is the last step." : r.answered ? "The next step." : "Answer the question below first.");
  ImGui::SameLine();
  if (ImGui::SmallButton("close")) explorer::lesson_close();
  tooltip_for_last_item("Leaves the lesson; the explorer stays on this view.");
  ImGui::Separator();
  if (!st.title.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotHistogram));
    ImGui::TextWrapped("%s", st.title.c_str());
    ImGui::PopStyleColor();
  }
  draw_caption(st.caption);
  if (!st.has_question) return;
  ImGui::Spacing();
  ImGui::Separator();
  ImGui::TextUnformatted("Question");
  ImGui::SameLine();
  help_marker(st.question.kind == explorer::AnswerKind::Head
                  ? "Answer by picking the head: the layer/head sliders, a cell of the sink grid, or the arrow keys."
                  : "Answer by clicking the token in the Tokens strip.");
  draw_caption(st.question.text);
  if (r.feedback == explorer::LessonFeedback::Wrong) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.7f, 0.3f, 1.0f));
    ImGui::TextWrapped("Not that one (%d %s). Hint: %s", r.attempts, r.attempts == 1 ? "try" : "tries",
                       plain(st.question.hint).c_str());
    ImGui::PopStyleColor();
  } else if (r.feedback == explorer::LessonFeedback::Right) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.45f, 0.9f, 0.45f, 1.0f));
    ImGui::TextWrapped("Right.%s%s", st.question.explain.empty() ? "" : " ", plain(st.question.explain).c_str());
    ImGui::PopStyleColor();
    if (!last) ImGui::TextDisabled("Next is open.");
  }
}

}  // namespace ss::ui
