#include <cstring>

#include "imgui.h"
#include "misc/cpp/imgui_stdlib.h"
#include "ui/panels/common.h"
#include "ui/panels/panels.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {
namespace {

struct Preset { const char* name; const char* why; const char* text; };
// Prompts that show the phenomena well on a small model.
constexpr Preset kPresets[] = {
    {"a quote caught by its opening mark", "Head L6H2 of demo-lm puts the whole quoted clause on the opening quote.",
     "She opened the door.\n\"I have been waiting for you in this cold room for more than an hour,\" said her "
     "mother.\nShe sat down by the fire and said nothing.\n"},  // = models/demo-lm/default_prompt.txt
    {"BOS sink", "Plain text: most heads park their attention on the first token.",
     "The old house at the end of the street had been empty for many years"},
    {"punctuation catches a clause", "A comma and a semicolon start new spans; watch their columns light up.",
     "When the rain stopped, the children ran outside; the dog followed them, barking at every puddle."},
    {"sentence list (teaser)", "Short statements separated by periods, like the paper's teaser figure.",
     "The sky is blue. Grass is green. Snow is white. Coal is black. Fire is hot. Ice is cold."},
    {"lines", "Newlines as separators: each line may get its own sink.",
     "apples and pears\nbread and butter\nsalt and pepper\nnight and day"},
};

}  // namespace

void draw_prompt_editor(explorer::AppState& s) {
  ImGui::TextUnformatted("Prompt");
  ImGui::SameLine();
  help_marker("Edit the text; every change re-runs the model and the analysis. Punctuation and newlines often become sinks.");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##preset", "presets...")) {
    for (const Preset& p : kPresets) {
      if (ImGui::Selectable(p.name)) s.set_prompt(p.text);
      tooltip_for_last_item(p.why);
    }
    ImGui::EndCombo();
  }
  float h = std::max(ImGui::GetTextLineHeight() * 3.5f, ImGui::GetContentRegionAvail().y);
  // Edits go straight into AppState; the version bump tells the session to rerun.
  if (ImGui::InputTextMultiline("##prompt", &s.prompt, ImVec2(-1.0f, h)))
    ++s.prompt_version;
}

}  // namespace ss::ui
