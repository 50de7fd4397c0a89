// Dark and light color themes. fonts.cpp's apply_theme sets sizes (and resets
// colors), so the explorer re-applies its colors every frame: a copy of a few
// dozen colors, and the theme survives any size or DPI change.
#pragma once

namespace ss::ui {

void apply_colors(bool dark);
// High contrast: white on black, bright borders, yellow for hover and focus
// (WCAG AAA text contrast, 21:1 for text, at least 7:1 for disabled text).
void apply_contrast_colors();

}  // namespace ss::ui
