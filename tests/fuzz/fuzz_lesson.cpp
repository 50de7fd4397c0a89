// libFuzzer: lesson files (explorer/lesson.cpp), what ?lesson=URL hands the
// app from any host. Any bytes must parse to a Lesson or an Error, never a
// crash or a hang; what parses must hold what the format promises (at least
// one step, at most kMaxLessonSteps, known panels, a head answer with both
// indices), and the range checks and the caption splitter must run on it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "explorer/lesson.h"
#include "explorer/ui_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto lesson = ss::explorer::parse_lesson(text);
  if (!lesson) {
    if (lesson.error().message.empty()) __builtin_trap();  // every refusal says why
    return 0;
  }
  const auto& steps = lesson->steps;
  if (steps.empty() || steps.size() > static_cast<size_t>(ss::explorer::kMaxLessonSteps)) __builtin_trap();
  for (const auto& s : steps) {
    if (!ss::explorer::panel_from_key(s.panel)) __builtin_trap();
    if ((s.layer < 0) != (s.head < 0)) __builtin_trap();
    if (s.has_question && s.question.kind == ss::explorer::AnswerKind::Head && (s.question.layer < 0 || s.question.head < 0))
      __builtin_trap();
    size_t runs_bytes = 0;
    for (const auto& r : ss::explorer::caption_runs(s.caption)) runs_bytes += r.text.size();
    if (runs_bytes > s.caption.size()) __builtin_trap();  // markup is only ever removed
  }
  // The range checks against a small model; a token count of one per byte.
  ss::explorer::LessonLimits lim;
  lim.model = lesson->model;
  lim.n_layers = 8, lim.n_heads = 6, lim.context = 64;
  lim.count_tokens = [](const std::string& p) { return static_cast<int>(p.size()) + 1; };
  auto checked = ss::explorer::check_lesson(*lesson, lim);
  if (!checked && checked.error().message.empty()) __builtin_trap();
  return 0;
}
