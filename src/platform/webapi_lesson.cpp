// The lessons' part of the C API (webapi.h group "Lessons"): the page hands
// a lesson's text over (web/loader.js fetches ?lesson=NAME or URL), the
// lesson bar and the browser tests step through it. Every function is safe
// before a model or a lesson is loaded.
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <string>

#include "explorer/app_state.h"
#include "explorer/lesson_run.h"

using namespace ss::explorer;

namespace {
std::string g_text;  // returned strings live here until the next call
const char* keep(std::string s) {
  g_text = std::move(s);
  return g_text.c_str();
}
}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* ss_lesson_load(const char* text, const char* source) {
  auto r = lesson_start(state(), text ? text : "", source ? source : "");
  return keep(r ? std::string() : lesson_run().error);
}
EMSCRIPTEN_KEEPALIVE void ss_lesson_report(const char* message) {
  lesson_report_error(message && *message ? message : "the lesson could not be opened");
}
EMSCRIPTEN_KEEPALIVE const char* ss_lesson_error() { return keep(lesson_run().error); }
EMSCRIPTEN_KEEPALIVE int ss_lesson_active() { return lesson_run().active ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE int ss_lesson_step() { return lesson_run().active ? lesson_run().step : -1; }
EMSCRIPTEN_KEEPALIVE int ss_lesson_step_count() {
  return lesson_run().active ? static_cast<int>(lesson_run().lesson.steps.size()) : 0;
}
EMSCRIPTEN_KEEPALIVE int ss_lesson_next() { return lesson_next(state()) ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE int ss_lesson_back() { return lesson_back(state()) ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE void ss_lesson_reset() { lesson_reset_step(state()); }
EMSCRIPTEN_KEEPALIVE int ss_lesson_answer_head(int layer, int head) { return lesson_answer_head(state(), layer, head); }
EMSCRIPTEN_KEEPALIVE int ss_lesson_answer_token(int index) { return lesson_answer_token(state(), index); }
EMSCRIPTEN_KEEPALIVE const char* ss_lesson_model() { return keep(lesson_model()); }
EMSCRIPTEN_KEEPALIVE const char* ss_lesson_state() { return keep(lesson_state_json(state())); }
EMSCRIPTEN_KEEPALIVE void ss_lesson_close() { lesson_close(); }

}  // extern "C"
#endif
