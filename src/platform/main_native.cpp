// Native main loop: GLFW window + OpenGL 3.3 core, the model read from a
// folder on disk (explorer/model_paths.h: --model-dir, or NAME looked up under
// --models DIR, $SINKSCOPE_MODELS, next to the binary, then the source tree). Usage:
//   sinkscope-app [--model NAME | --model-dir DIR] [--models DIR] [--prompt TEXT] [--lesson FILE] [--threads N] [--quit-after SECONDS]
// --lesson opens a lesson file (docs/lessons.md) as ?lesson= does in the browser.
// --quit-after lets the Xvfb smoke test (tests/native/) run it unattended.
#include <GLFW/glfw3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "ui/frame.h"
#include "core/file.h"
#include "explorer/lesson_run.h"
#include "explorer/model_paths.h"
#include "explorer/session.h"
#include "core/parallel.h"
#include "explorer/url.h"  // ?model=&prompt=&layer=&head=&panel=&embed=
#include "platform/export_files.h"  // PNG export reads the finished frame
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "platform/gl_frame.h"

using namespace ss::explorer;

int main(int argc, char** argv) {
  AppState& s = state();
  std::string model_dir, models_root, lesson_file;
  double quit_after = -1;
  int threads = ss::default_threads();  // the machine's cores, at most 4
  for (int i = 1; i < argc; ++i) {
    auto arg = [&](const char* name) { return !std::strcmp(argv[i], name) && i + 1 < argc; };
    if (arg("--model")) s.model_name = argv[++i];
    else if (arg("--model-dir")) model_dir = argv[++i];
    else if (arg("--models")) models_root = argv[++i];
    else if (arg("--prompt")) s.set_prompt(argv[++i]);
    else if (arg("--quit-after")) quit_after = std::atof(argv[++i]);
    else if (arg("--lesson")) lesson_file = argv[++i];
    else if (arg("--threads")) threads = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr,
                   "usage: sinkscope-app [--model NAME | --model-dir DIR] [--models DIR] [--prompt TEXT] "
                   "[--lesson FILE] [--threads N] [--quit-after SECONDS]\n");
      return 2;
    }
  }
  load_url_params(s);  // browser: the page address; native: $SINKSCOPE_PARAMS
  if (model_dir.empty()) model_dir = find_model_dir(s.model_name, models_root);
  ss::set_threads(threads);

  if (!glfwInit()) {
    std::fprintf(stderr, "sinkscope-app: cannot initialise GLFW (no display?)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  GLFWwindow* win = glfwCreateWindow(1400, 860, "sinkscope", nullptr, nullptr);
  if (!win) {
    std::fprintf(stderr, "sinkscope-app: cannot create an OpenGL 3.3 window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(win);
  glfwSwapInterval(1);

  float sx = 1, sy = 1;
  glfwGetWindowContentScale(win, &sx, &sy);
  init_ui(s, sx);
  ImGui_ImplGlfw_InitForOpenGL(win, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  s.loading = s.model_name;
  // No folder found: the window opens and says where it looked (and so does stderr).
  install_model(s, model_dir.empty() ? ss::make_error(model_not_found_message(s.model_name, models_root))
                                     : load_model_dir(s.model_name, model_dir));
  if (!s.last_error.empty()) std::fprintf(stderr, "sinkscope-app: %s\n", s.last_error.c_str());
  if (!lesson_file.empty()) {  // a bad file: the message shows beside the panel (and on stderr)
    auto text = ss::read_text_file(lesson_file);
    if (!text) lesson_report_error("lesson " + lesson_file + ": " + text.error().message);
    else if (auto r = lesson_start(s, *text, lesson_file); !r)
      std::fprintf(stderr, "sinkscope-app: %s\n", lesson_run().error.c_str());
  }

  auto start = std::chrono::steady_clock::now();
  while (!glfwWindowShouldClose(win)) {
    glfwPollEvents();
    glfwGetWindowContentScale(win, &sx, &sy);
    if (update_dpr(s, sx)) {
      ImGui_ImplOpenGL3_DestroyFontsTexture();
      ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    // An unchanged frame is neither drawn nor swapped; without the swap's
    // vsync wait the loop then sleeps until input or one 60 Hz frame passes.
    if (draw_gl_frame(s, win))
      glfwSwapBuffers(win);
    else
      glfwWaitEventsTimeout(1.0 / 60.0);
    if (quit_after >= 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > quit_after)
      break;
  }
  std::printf("sinkscope-app: %d frames, %d tokens, ready=%d%s%s\n", s.frame, s.token_count,
              s.ready ? 1 : 0, s.last_error.empty() ? "" : ", error: ", s.last_error.c_str());
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(win);
  glfwTerminate();
  return 0;
}
