// The UI font: DejaVu Sans embedded at build time (cmake/embed.cmake), with the
// glyph ranges a prompt needs (Latin, Greek, Cyrillic, punctuation, arrows),
// rasterised at font_px * device pixel ratio so text stays sharp on HiDPI.
#pragma once

namespace ss::ui {

// (Re)builds the font atlas for `px` physical pixels. Returns false when the
// embedded font could not be added (ImGui's ProggyClean is used then).
// The caller re-uploads the atlas texture (the renderer backend owns it).
bool build_fonts(float px);

// Style sizes (padding, rounding, scrollbars) scaled to the device pixel ratio.
void apply_theme(float scale);

}  // namespace ss::ui
