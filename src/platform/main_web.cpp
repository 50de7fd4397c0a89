// Browser main loop: Emscripten's GLFW on a WebGL2 canvas that fills the
// window. The canvas's backing store follows the CSS size times
// devicePixelRatio every frame, and ImGui works in those physical pixels (the
// browser reports mouse positions in them too), with the font rasterised at
// font_px * dpr. The model arrives later: web/index.html fetches its files and
// calls ss_load_model (webapi.cpp); until then the panels say "no model".
#include <GLFW/glfw3.h>
#include <emscripten/emscripten.h>
#include <emscripten/html5.h>

#include <cmath>
#include <cstdio>

#include "core/parallel.h"
#include "ui/frame.h"
#include "explorer/session.h"
#include "explorer/url.h"  // ?model=&prompt=&layer=&head=&panel=&embed=
#include "platform/export_files.h"  // PNG export reads the finished frame
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "platform/gl_frame.h"
#include "platform/live_description.h"  // the page's ARIA live region

using namespace ss::explorer;

namespace {

GLFWwindow* g_window = nullptr;

// Reports a start-up failure to the page's error overlay (web/index.html).
EM_JS(void, report_fatal, (const char* msg), {
  if (Module.sinkscopeFatal) Module.sinkscopeFatal(UTF8ToString(msg));
});

void resize_to_window(AppState& s) {
  double css_w = 0, css_h = 0;
  emscripten_get_element_css_size("#canvas", &css_w, &css_h);
  float dpr = static_cast<float>(emscripten_get_device_pixel_ratio());
  int w = std::max(1, static_cast<int>(std::lround(css_w * dpr)));
  int h = std::max(1, static_cast<int>(std::lround(css_h * dpr)));
  int cw = 0, ch = 0;
  glfwGetWindowSize(g_window, &cw, &ch);
  if (cw != w || ch != h) glfwSetWindowSize(g_window, w, h);
  if (update_dpr(s, dpr)) {
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
  }
}

void main_loop(void* arg) {
  AppState& s = *static_cast<AppState*>(arg);
  resize_to_window(s);
  glfwPollEvents();
  // An unchanged frame is not drawn: the canvas keeps showing the last one
  // (WebGL presents only frames that drew), and the core stays free for the
  // next edit's forward pass.
  draw_gl_frame(s, g_window);
  publish_description(s);
}

}  // namespace

int main() {
  AppState& s = state();
  if (!glfwInit()) {
    report_fatal("GLFW could not start in this browser.");
    return 1;
  }
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  double css_w = 0, css_h = 0;
  emscripten_get_element_css_size("#canvas", &css_w, &css_h);
  float dpr = static_cast<float>(emscripten_get_device_pixel_ratio());
  g_window = glfwCreateWindow(std::max(1, static_cast<int>(css_w * dpr)),
                              std::max(1, static_cast<int>(css_h * dpr)), "sinkscope", nullptr, nullptr);
  if (!g_window) {
    report_fatal(
        "This browser could not create a WebGL2 context. sinkscope needs WebGL2 "
        "(enable hardware acceleration, or try a current Chrome, Firefox or Safari).");
    return 1;
  }
  glfwMakeContextCurrent(g_window);
  init_ui(s, dpr);
  ImGui_ImplGlfw_InitForOpenGL(g_window, true);
  ImGui_ImplOpenGL3_Init("#version 300 es");
  load_url_params(s);  // browser: the page address; native: $SINKSCOPE_PARAMS
  // The threaded module (sinkscope-mt, loaded only when the page is
  // cross-origin isolated): the CPU backend splits its products over the
  // machine's cores, at most 4. The plain module stays at 1.
  ss::set_threads(ss::default_threads());
  s.loading = s.model_name;
  // 0 fps = requestAnimationFrame; simulate_infinite_loop=false so main returns
  // and the page can call into the module (ss_load_model) right away.
  emscripten_set_main_loop_arg(main_loop, &s, 0, false);
  return 0;
}
