#include "explorer/lesson_run.h"

#include <nlohmann/json.hpp>

#include "explorer/context_limit.h"
#include "explorer/model_fetch.h"
#include "explorer/session.h"
#include "explorer/ui_state.h"
#include "explorer/view.h"

namespace ss::explorer {

LessonRun& lesson_run() {
  static LessonRun r;
  return r;
}

LessonLimits lesson_limits(const AppState& s) {
  LessonLimits lim;
  if (!s.model) return lim;
  const LoadedModel& m = *s.model;
  lim.model = m.name;
  lim.n_layers = model_layers(m);
  lim.n_heads = model_heads(m);
  lim.context = context_limit(m.model.config);
  const bool bos = s.settings.add_bos;
  lim.count_tokens = [&m, bos](const std::string& p) { return static_cast<int>(m.tokenizer.encode(p, bos).ids.size()); };
  return lim;
}

namespace {

const LessonStep* current() {
  const LessonRun& r = lesson_run();
  return r.active && r.step >= 0 && r.step < static_cast<int>(r.lesson.steps.size()) ? &r.lesson.steps[r.step] : nullptr;
}

// Writes the step's view into the state: what Back and "reset step" restore.
void apply_step(AppState& s) {
  LessonRun& r = lesson_run();
  const LessonStep* st = current();
  if (!st) return;
  ExplorerUi& ui = explorer_ui();
  if (st->has_prompt) s.set_prompt(st->prompt);
  if (auto p = panel_from_key(st->panel)) ui.panel = *p;
  if (st->layer >= 0) {
    s.sel.layer = st->layer, s.sel.head = st->head;
    // Kept across a model load, which resets the selection (url.cpp does the same).
    ui.pending_layer = st->layer, ui.pending_head = st->head;
  }
  s.sel.token = st->token;
  ui.ablate_sink = st->ablate_sink;
  ui.remove_tag = st->remove_tag;
  ui.knock_out_head = st->knock_out_head;
  ui.selected_sink = 0;
  ui.show_overlay = false;
  ui.view_picked = true;  // no computed first view over a lesson's
  r.pending_sink = st->sink;
  r.answered = !st->has_question;
  r.attempts = 0;
  r.feedback = LessonFeedback::None;
  r.seen_layer = s.sel.layer, r.seen_head = s.sel.head, r.seen_token = s.sel.token;
  r.model_asked.clear();
  r.model_pending = false;
}

// A step written for another model than the one shown: load it (once), and
// apply the step again when it is in (a load resets the selection).
// Returns true while the step waits for its model.
bool step_model(AppState& s) {
  LessonRun& r = lesson_run();
  const LessonStep* st = current();
  if (!st) return false;
  if (s.model && s.model->name == st->model) {
    if (r.model_pending) {  // it arrived: the step again, on it
      r.model_pending = false;
      const std::string asked = r.model_asked;
      apply_step(s);
      r.model_asked = asked;
    }
    return false;
  }
  if (!s.loading.empty()) return true;  // a load in flight (ours or the page's first)
  if (r.model_asked == st->model) return false;  // asked once and it failed: the status bar says why
  r.model_asked = st->model;
  r.model_pending = true;
  s.loading = st->model;
  fetch_model(st->model, "model.safetensors", [&s](auto m) { install_model(s, std::move(m)); });
  return true;
}

int answer(AppState& s, bool right) {
  LessonRun& r = lesson_run();
  (void)s;
  if (right) {
    r.answered = true;
    r.feedback = LessonFeedback::Right;
    return 1;
  }
  ++r.attempts;
  r.feedback = LessonFeedback::Wrong;
  return 0;
}

bool open_question(AnswerKind k) {
  const LessonStep* st = current();
  return st && st->has_question && st->question.kind == k && !lesson_run().answered;
}

}  // namespace

Expected<void> lesson_start(AppState& s, std::string_view text, const std::string& source) {
  LessonRun& r = lesson_run();
  auto l = load_lesson(text, lesson_limits(s));
  if (!l) {
    r.error = (source.empty() ? std::string("lesson") : "lesson \"" + source + "\"") + ": " + l.error().message;
    return l.error();
  }
  r = LessonRun{};
  r.active = true;
  r.lesson = std::move(l.value());
  r.source = source;
  r.checked_for_model = s.model != nullptr;
  apply_step(s);
  return {};
}

void lesson_report_error(const std::string& message) { lesson_run().error = message; }

void lesson_close() {
  LessonRun& r = lesson_run();
  r.active = false;
  r.pending_sink = -1;
}

bool lesson_next(AppState& s) {
  LessonRun& r = lesson_run();
  if (!r.active || !r.answered || r.step + 1 >= static_cast<int>(r.lesson.steps.size())) return false;
  ++r.step;
  apply_step(s);
  return true;
}

bool lesson_back(AppState& s) {
  LessonRun& r = lesson_run();
  if (!r.active || r.step <= 0) return false;
  --r.step;
  apply_step(s);
  return true;
}

void lesson_reset_step(AppState& s) {
  if (lesson_run().active) apply_step(s);
}

int lesson_answer_head(AppState& s, int layer, int head) {
  if (!open_question(AnswerKind::Head)) return -1;
  const LessonQuestion& q = current()->question;
  return answer(s, layer == q.layer && head == q.head);
}

int lesson_answer_token(AppState& s, int token) {
  if (!open_question(AnswerKind::Token)) return -1;
  return answer(s, token == current()->question.token);
}

void lesson_frame(AppState& s) {
  LessonRun& r = lesson_run();
  if (!r.active) return;
  // A lesson that arrived before its model: the range checks run now.
  if (!r.checked_for_model && s.model) {
    r.checked_for_model = true;
    if (auto ok = check_lesson(r.lesson, lesson_limits(s)); !ok) {
      r.error = "lesson \"" + r.source + "\": " + ok.error().message;
      r.active = false;
      return;
    }
  }
  if (step_model(s)) return;
  const ExplorerView* v = explorer_view();
  if (!v || v->in.prompt_version != s.prompt_version) return;  // the step's prompt has not run yet
  ExplorerUi& ui = explorer_ui();
  if (r.pending_sink >= 0 && v->layer == s.sel.layer && v->head == s.sel.head) {
    for (size_t i = 0; i < v->head_sinks.size(); ++i)
      if (v->analysis.sinks[v->head_sinks[i]].key == r.pending_sink) ui.selected_sink = static_cast<int>(i);
    r.pending_sink = -1;
  }
  // The student's picks since the step (or the last pick) are answers.
  if (s.sel.layer != r.seen_layer || s.sel.head != r.seen_head) {
    r.seen_layer = s.sel.layer, r.seen_head = s.sel.head;
    lesson_answer_head(s, s.sel.layer, s.sel.head);
  }
  if (s.sel.token != r.seen_token) {
    r.seen_token = s.sel.token;
    if (s.sel.token >= 0) lesson_answer_token(s, s.sel.token);
  }
}

std::string lesson_model() {
  const LessonStep* st = current();
  return st ? st->model : std::string();
}

std::string lesson_state_json(const AppState& s) {
  const LessonRun& r = lesson_run();
  nlohmann::json j;
  j["active"] = r.active;
  j["error"] = r.error;
  if (const LessonStep* st = current()) {
    j["title"] = r.lesson.title;
    j["step"] = r.step;
    j["count"] = r.lesson.steps.size();
    nlohmann::json step;
    step["title"] = st->title;
    step["model"] = st->model;
    step["prompt"] = st->has_prompt ? nlohmann::json(st->prompt) : nlohmann::json();
    step["panel"] = st->panel;
    step["layer"] = st->layer;
    step["head"] = st->head;
    step["sink"] = st->sink;
    step["token"] = st->token;
    nlohmann::json iv = nlohmann::json::array();
    if (st->ablate_sink) iv.push_back("ablate_sink");
    if (st->remove_tag) iv.push_back("remove_tag");
    if (st->knock_out_head) iv.push_back("knock_out_head");
    step["intervention"] = iv;
    step["caption"] = st->caption;
    if (st->has_question) {
      nlohmann::json q;
      q["text"] = st->question.text;
      q["kind"] = st->question.kind == AnswerKind::Head ? "head" : "token";
      q["hint"] = st->question.hint;
      j["question"] = q;
    }
    j["current"] = step;
    j["answered"] = r.answered;
    j["attempts"] = r.attempts;
    j["feedback"] = r.feedback == LessonFeedback::Right ? "right" : r.feedback == LessonFeedback::Wrong ? "wrong" : "none";
    j["can_next"] = r.answered && r.step + 1 < static_cast<int>(r.lesson.steps.size());
    j["prompt_is_step"] = !st->has_prompt || s.prompt == st->prompt;
  }
  {
    // What the app shows now (the tests compare it with the step, and with
    // the computed first view when no lesson is open).
    const ExplorerUi& ui = explorer_ui();
    nlohmann::json app;
    app["model"] = s.model ? s.model->name : std::string();
    app["panel"] = panel_key(ui.panel);
    app["layer"] = s.sel.layer;
    app["head"] = s.sel.head;
    app["token"] = s.sel.token;
    const ExplorerView* v = explorer_view();
    const Sink* sk = v ? v->sink() : nullptr;
    app["sink"] = sk ? sk->key : -1;
    if (sk) {
      const auto [b, e] = caught_after(*sk);
      app["catch"] = {b, e};
    }
    nlohmann::json aiv = nlohmann::json::array();
    if (ui.ablate_sink) aiv.push_back("ablate_sink");
    if (ui.remove_tag) aiv.push_back("remove_tag");
    if (ui.knock_out_head) aiv.push_back("knock_out_head");
    app["intervention"] = aiv;
    j["app"] = app;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ss::explorer
