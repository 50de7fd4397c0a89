// The tokenization shown as chips: each token's text, and on hover its id and
// position. Hovering a chip sets the shared "highlighted token" so every plot
// lights up that token; clicking selects it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "imgui.h"

namespace ss::ui {

struct ChipsSpec {
  const std::vector<std::string>* texts = nullptr;  // [T] display text
  const std::vector<int32_t>* ids = nullptr;         // [T]
  std::vector<ImU32> fills;        // [T] optional background (0 = default): sink / caught-by color
  std::vector<std::string> badges; // [T] optional small tag under the text ("sink", "S1")
  int highlight = -1;
  int selected = -1;
  bool show_positions = true;      // tiny position number above each chip
};

struct ChipsResult {
  int hovered = -1;
  int clicked = -1;
};

ChipsResult token_chips(const char* id, const ChipsSpec& spec);

}  // namespace ss::ui
