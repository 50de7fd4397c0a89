// Lessons: a small JSON file that walks a student through a sequence of views
// (prompt, panel, head, selected sink or token, intervention), each with a
// caption and an optional question the app checks. The format, field by
// field: docs/lessons.md.
//
// This file is the parser only: text in, a Lesson or an Error out, never an
// exception and never a crash (tests/fuzz/fuzz_lesson.cpp). It needs only
// core/json, so the fuzz build links it without the rest of the explorer.
// Range checks against the model (layer, head, prompt length) take a
// LessonLimits; lesson_run.h applies a parsed lesson to the app's state.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ss::explorer {

// What a question's answer is: a head picked (head picker, sink grid, arrow
// keys) or a token clicked (token strip).
enum class AnswerKind { None, Head, Token };

struct LessonQuestion {
  std::string text;                 // what the student is asked
  AnswerKind kind = AnswerKind::None;
  int layer = -1, head = -1;        // kind Head: the head that answers it
  int token = -1;                   // kind Token: the token index (BOS = 0) that answers it
  std::string hint;                 // shown after a wrong answer
  std::string explain;              // shown after the right answer ("" = just "Right.")
};

struct LessonStep {
  std::string title;                // optional short heading ("" = none)
  std::string model;                // the model folder this step shows (inherited)
  std::string prompt;               // the prompt (inherited from the previous step)
  bool has_prompt = false;          // the first step may leave it out: the app's current prompt
  std::string panel = "attention";  // URL panel key (ui_state.h panel_from_key)
  int layer = -1, head = -1;        // -1 = leave the selection as it is
  int sink = -1;                    // key position of the sink to select in (layer, head); -1 = the first
  int token = -1;                   // token to select (token strip); -1 = none
  bool ablate_sink = false;         // the Interventions panel's toggles, by their
  bool remove_tag = false;          //   names in the "intervention" list
  bool knock_out_head = false;
  std::string caption;              // Markdown-light: **bold**, *italic*, `code`, line breaks
  bool has_question = false;
  LessonQuestion question;
};

struct Lesson {
  std::string title;
  std::string model;                // the model the lesson is written for
  std::vector<LessonStep> steps;    // [n], 1 <= n <= kMaxLessonSteps
};

inline constexpr int kMaxLessonSteps = 64;
inline constexpr size_t kMaxLessonBytes = 1 << 20;  // 1 MiB: a lesson is text, not data
inline constexpr size_t kMaxCaptionBytes = 4096;

// Parses and checks the lesson's own structure (types, required fields,
// known panels and interventions, non-negative indices). Errors name the
// step (1-based, as the lesson bar counts) and the field.
Expected<Lesson> parse_lesson(std::string_view text);

// What the loaded model allows; a check is skipped when its field is 0 / empty.
struct LessonLimits {
  std::string model;                // the loaded model's name (steps for another model are checked by name only)
  int n_layers = 0, n_heads = 0;
  int context = 0;                  // tokens the model runs at most
  // Tokens of a prompt as the app would run it (BOS included); null = unknown.
  std::function<int(const std::string&)> count_tokens;
};

// Range checks of every step written for `limits.model`: layer, head and a
// head answer inside the model, the prompt within its context, selected and
// answer tokens inside the prompt. The first problem, as one sentence.
Expected<void> check_lesson(const Lesson& lesson, const LessonLimits& limits);

// Both: what the C API and the unit tests call.
Expected<Lesson> load_lesson(std::string_view text, const LessonLimits& limits);

// The caption as runs of styled text (the lesson bar draws them in order).
struct CaptionRun {
  std::string text;
  bool bold = false, italic = false, code = false;
  bool line_break = false;          // a break before this run
};
std::vector<CaptionRun> caption_runs(std::string_view caption);

}  // namespace ss::explorer
