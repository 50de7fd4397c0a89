// One frame of the app on GL, shared by the native and the browser loop
// (platform_native.cpp / platform_web.cpp): ImGui frame, our frame function,
// draw, then the explorer's framebuffer readback for PNG export. Include after
// GLFW and the ImGui GL backends.
#pragma once

#include "app/frame.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#if __has_include("app/explorer_export.h")
#include "app/explorer_export.h"
#endif

namespace ss::app {

inline void draw_gl_frame(AppState& s, GLFWwindow* win) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  // Lay out in framebuffer pixels (the same units in both builds).
  ImGuiIO& io = ImGui::GetIO();
  frame(s, io.DisplaySize.x, io.DisplaySize.y);
  ImGui::Render();
  int fw, fh;
  glfwGetFramebufferSize(win, &fw, &fh);
  glViewport(0, 0, fw, fh);
  glClearColor(0.08f, 0.08f, 0.10f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
#if __has_include("app/explorer_export.h")
  explorer_after_render(fw, fh);
#endif
}

}  // namespace ss::app
