// A lesson in progress: which step shows, whether its question is answered,
// what the student is told. Applying a step writes the app's state (prompt,
// panel, head, sink, token, intervention toggles) exactly as the step says, so
// whatever the student changed in between, Back and "reset step" bring the
// step back. The lesson bar (src/ui/panels/lesson_bar.cpp) and the C API
// (src/platform/webapi_lesson.cpp) drive it; no ImGui here.
#pragma once
#include <string>
#include <string_view>

#include "explorer/app_state.h"
#include "explorer/lesson.h"

namespace ss::explorer {

enum class LessonFeedback { None, Wrong, Right };

struct LessonRun {
  bool active = false;
  Lesson lesson;
  std::string source;              // built-in name or URL, for messages
  int step = 0;                    // 0-based index of the step shown
  bool answered = false;           // the step's question was answered right (true when it has none)
  int attempts = 0;                // wrong answers on this step
  LessonFeedback feedback = LessonFeedback::None;
  std::string error;               // why the last lesson could not open ("" = none); shown on screen
  // What the step set, to tell the student's answers from the step itself.
  int seen_layer = -1, seen_head = -1, seen_token = -1;
  int pending_sink = -1;           // sink key to select once the step's view is analysed (-1 = none)
  bool checked_for_model = false;  // the model-dependent checks ran on the loaded model
  std::string model_asked;         // the step's model, asked for once per step (a failed load is not retried)
  bool model_pending = false;      // asked and not in yet: the step is applied again when it arrives
};

LessonRun& lesson_run();

// The loaded model's limits (layers, heads, context, token count of a prompt
// as the app runs it); empty limits when no model is in.
LessonLimits lesson_limits(const AppState& s);

// Parses `text`, checks it against the loaded model (or, when none is loaded
// yet, on the first frame that has one) and shows step 1. On an error the
// previous lesson (or none) stays, and the error is kept for the screen.
Expected<void> lesson_start(AppState& s, std::string_view text, const std::string& source);
// A failure before the text arrived (a download that failed): shown the same way.
void lesson_report_error(const std::string& message);
void lesson_close();

// Next: only when the step's question is answered (or it has none) and a
// step follows; returns whether it moved. Back: to the previous step, its
// state restored. Reset: the current step's state again.
bool lesson_next(AppState& s);
bool lesson_back(AppState& s);
void lesson_reset_step(AppState& s);

// An answer to the current step's question: 1 right (Next opens), 0 wrong
// (the hint shows), -1 no open question of that kind.
int lesson_answer_head(AppState& s, int layer, int head);
int lesson_answer_token(AppState& s, int token);

// Once a frame after the view is up to date (explorer_step): selects the
// step's sink when its view is ready, and treats a head or token the student
// picked (head picker, sink grid, arrow keys, token strip) as an answer.
void lesson_frame(AppState& s);

// The model the current step needs ("" = no lesson); the page loads it when
// it is not the one shown.
std::string lesson_model();

// The current step and the app's live state as one JSON object (C API).
std::string lesson_state_json(const AppState& s);

}  // namespace ss::explorer
