// One frame of the app on GL, shared by the native and the browser loop
// (main_native.cpp / main_web.cpp): ImGui frame, our frame function,
// draw, then the explorer's framebuffer readback for PNG export. Include after
// GLFW and the ImGui GL backends.
#pragma once

#include "ui/draw_fingerprint.h"
#include "ui/frame.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "explorer/export.h"
#include "platform/export_files.h"

namespace ss::explorer {

// Returns false when the frame drew exactly what the last drawn one did: the
// GL draw is skipped then (draw_fingerprint.h) and the caller must not swap.
inline bool draw_gl_frame(AppState& s, GLFWwindow* win) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  // Lay out in framebuffer pixels (the same units in both builds).
  ImGuiIO& io = ImGui::GetIO();
  frame(s, io.DisplaySize.x, io.DisplaySize.y);
  ImGui::Render();
  int fw, fh;
  glfwGetFramebufferSize(win, &fw, &fh);
  const uint64_t fp = draw_fingerprint(ImGui::GetDrawData(), fw, fh);
  save_requested_files();
  const bool readback = png_pending();
  if (fp == s.drawn_fingerprint && s.frames_drawn > 0 && !readback) return false;
  s.drawn_fingerprint = fp;
  ++s.frames_drawn;
  glViewport(0, 0, fw, fh);
  glClearColor(0.08f, 0.08f, 0.10f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  explorer_after_render(fw, fh);
  return true;
}

}  // namespace ss::explorer
