#include "ui/fonts.h"

#include "imgui.h"

extern const unsigned char sinkscope_font_ttf[];
extern const unsigned sinkscope_font_ttf_size;

namespace ss::ui {

bool build_fonts(float px) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  // Pairs of [first, last] code points, 0-terminated; must outlive the atlas.
  static const ImWchar ranges[] = {
      0x0020, 0x00FF,  // Basic Latin + Latin-1 Supplement
      0x0100, 0x024F,  // Latin Extended-A and -B
      0x0370, 0x03FF,  // Greek and Coptic
      0x0400, 0x052F,  // Cyrillic + Supplement
      0x2000, 0x206F,  // General Punctuation (dashes, quotes, ellipsis)
      0x2190, 0x21FF,  // Arrows
      0x2200, 0x22FF,  // Mathematical Operators
      0x2500, 0x257F,  // Box drawing (the token strip's separators)
      0x25A0, 0x25FF,  // Geometric shapes (sink markers)
      0xFFFD, 0xFFFD,  // Replacement character for broken UTF-8
      0,
  };
  ImFontConfig cfg;
  cfg.FontDataOwnedByAtlas = false;  // the bytes are a static array
  cfg.OversampleH = 2;
  cfg.OversampleV = 1;
  ImFont* f = io.Fonts->AddFontFromMemoryTTF(const_cast<unsigned char*>(sinkscope_font_ttf),
                                             static_cast<int>(sinkscope_font_ttf_size), px, &cfg,
                                             ranges);
  if (!f) {
    ImFontConfig fallback;
    fallback.SizePixels = px;
    io.Fonts->AddFontDefault(&fallback);
    return false;
  }
  return true;
}

void apply_theme(float scale) {
  ImGuiStyle style;  // fresh copy so repeated calls do not compound the scale
  ImGui::StyleColorsDark(&style);
  style.WindowRounding = 4.0f;
  style.FrameRounding = 3.0f;
  style.WindowBorderSize = 1.0f;
  style.WindowPadding = ImVec2(8, 6);
  style.ItemSpacing = ImVec2(6, 4);
  style.ScaleAllSizes(scale);
  ImGui::GetStyle() = style;
}

}  // namespace ss::ui
