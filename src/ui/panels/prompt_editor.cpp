#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "imgui.h"
#include "imgui_internal.h"  // GetActiveID: is the box being edited
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

// Word wrap for the prompt box. ImGui 1.86's multiline input has none, so the
// box edits `shown`: the prompt with the spaces where a line must break
// replaced by '\n' ("soft" breaks, marked in `soft`). The length is the
// prompt's, so cursor and selection offsets stay valid while the wrap moves;
// the prompt the model reads is `shown` with every soft break a space again.
struct WrapBox {
  std::string shown;        // what the box edits
  std::vector<char> soft;   // [shown.size()] 1 = a space shown as a line break
  std::string prompt;       // shown with soft breaks as spaces
  uint64_t version = 0;     // AppState::prompt_version it was made from
  float width = -1;         // text width it was wrapped to (pixels)
  bool replace = false;     // the prompt changed elsewhere (preset, lesson, C API) while the box is active
  bool typed = false;       // the callback saw the student's edit: `prompt` is new
  std::string edit;         // the box's own buffer (ImGui writes it; the callback must not)
};
WrapBox g_box;

size_t utf8_len(unsigned char c) { return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1; }

void wrap(WrapBox& b, const std::string& text, float width) {
  b.prompt = text;
  b.shown = text;
  b.soft.assign(text.size(), 0);
  size_t line = 0, space = std::string::npos;
  float w = 0;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\n') {
      line = i + 1, space = std::string::npos, w = 0, ++i;
      continue;
    }
    const size_t n = std::min(utf8_len(static_cast<unsigned char>(text[i])), text.size() - i);
    w += ImGui::CalcTextSize(text.data() + i, text.data() + i + n).x;
    if (w > width && space != std::string::npos) {  // break at the last space; a longer word overflows
      b.shown[space] = '\n', b.soft[space] = 1;
      line = space + 1, space = std::string::npos;
      w = ImGui::CalcTextSize(text.data() + line, text.data() + i + n).x;
    }
    if (text[i] == ' ') space = i;
    i += n;
  }
}

// While the box is active: an edit of `shown` becomes an edit of the prompt
// (soft breaks outside the edited range are kept), and the result is wrapped
// again in place.
int wrap_callback(ImGuiInputTextCallbackData* d) {
  WrapBox& b = g_box;
  if (b.replace) {  // the new prompt replaces what the box holds
    b.replace = false;
    wrap(b, static_cast<const explorer::AppState*>(d->UserData)->prompt, b.width);
    d->DeleteChars(0, d->BufTextLen);
    d->InsertChars(0, b.shown.data(), b.shown.data() + b.shown.size());
    return 0;
  }
  const std::string cur(d->Buf, static_cast<size_t>(d->BufTextLen));
  if (cur != b.shown) {
    const size_t old_n = b.shown.size(), n = cur.size();
    size_t pre = 0, suf = 0;
    while (pre < old_n && pre < n && b.shown[pre] == cur[pre]) ++pre;
    while (suf < old_n - pre && suf < n - pre && b.shown[old_n - 1 - suf] == cur[n - 1 - suf]) ++suf;
    std::string prompt = cur;
    for (size_t i = 0; i < pre; ++i)
      if (b.soft[i]) prompt[i] = ' ';
    for (size_t k = 0; k < suf; ++k)
      if (b.soft[old_n - 1 - k]) prompt[n - 1 - k] = ' ';
    wrap(b, prompt, b.width);
    b.typed = true;
  } else {
    wrap(b, b.prompt, b.width);  // the width may have changed
  }
  if (b.shown != cur && static_cast<int>(b.shown.size()) == d->BufTextLen) {
    std::memcpy(d->Buf, b.shown.data(), b.shown.size());
    d->BufDirty = true;
  }
  return 0;
}

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
  // Long lines wrap at spaces (WrapBox); edits go to AppState, whose version
  // bump tells the session to rerun.
  const ImGuiStyle& st = ImGui::GetStyle();
  const float width = ImGui::GetContentRegionAvail().x - st.FramePadding.x * 2 - st.ScrollbarSize - 2.0f;
  WrapBox& b = g_box;
  const ImGuiID id = ImGui::GetID("##prompt");
  const bool active = ImGui::GetActiveID() == id;
  const bool elsewhere = b.version != s.prompt_version && b.prompt != s.prompt;
  if (!active && (elsewhere || b.width != width || b.edit != b.shown)) {
    b.width = width;
    wrap(b, s.prompt, width);
    b.edit = b.shown;
  } else if (active && elsewhere) {
    b.replace = true;
  }
  b.version = s.prompt_version;
  b.width = width;
  b.typed = false;
  ImGui::InputTextMultiline("##prompt", &b.edit, ImVec2(-1.0f, h),
                            ImGuiInputTextFlags_CallbackEdit | ImGuiInputTextFlags_CallbackAlways, wrap_callback, &s);
  if (b.typed && b.prompt != s.prompt) {
    s.set_prompt(b.prompt);
    b.version = s.prompt_version;
  }
}

}  // namespace ss::ui
