// One frame function for both loops: main_native.cpp (GLFW + OpenGL 3) and
// main_web.cpp (Emscripten GLFW + WebGL2) call it between their backends'
// NewFrame and Render, so the app behaves the same in both.
#pragma once
#include "explorer/app_state.h"

namespace ss::explorer {

// Creates the ImGui context with our font and theme (no imgui.ini).
void init_ui(AppState& s, float dpr);

// Rebuilds the font atlas when the device pixel ratio changed; returns true
// when the renderer must re-upload the font texture (before NewFrame).
bool update_dpr(AppState& s, float dpr);

// Runs the session (prompt -> tokens -> forward) and draws every panel.
// width/height: framebuffer size in physical pixels.
void frame(AppState& s, float width, float height);

}  // namespace ss::explorer
