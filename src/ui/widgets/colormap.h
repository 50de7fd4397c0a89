// Color scales for every plot: sequential scales for attention and magnitudes,
// a diverging one for signed projections, and a categorical palette that gives
// each sink its own color everywhere it appears (chips, heatmap, PCA scatter).
#pragma once
#include "imgui.h"

namespace ss::ui {

enum class ColorMap { Viridis, Magma, Diverging /*blue-white-red, 0.5 = white*/ };

// t in [0, 1] (clamped) -> packed color.
ImU32 colormap(ColorMap cm, float t, float alpha = 1.0f);
ImVec4 colormap_vec(ColorMap cm, float t, float alpha = 1.0f);

// The i-th categorical color (cycles after 10). Sink number i uses category(i).
ImU32 category(int i, float alpha = 1.0f);

// Black or white, whichever reads better on `bg`.
ImU32 contrast_text(ImU32 bg);

// A color bar with min/max/mid tick labels and a title: the legend every
// color-scaled plot draws next to itself. `size` is the bar alone.
void colorbar(const char* title, ColorMap cm, float vmin, float vmax, ImVec2 size,
              const char* fmt = "%.2g");

}  // namespace ss::ui
