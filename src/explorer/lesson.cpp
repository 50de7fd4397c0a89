#include "explorer/lesson.h"

#include <initializer_list>
#include <optional>

#include "core/json.h"
#include "explorer/ui_state.h"

namespace ss::explorer {
namespace {

using json::Json;

// "step 3: " (1-based, as the lesson bar counts), "" for the lesson itself.
std::string where(int step) { return step < 0 ? std::string("lesson: ") : "step " + std::to_string(step + 1) + ": "; }

Error err(int step, const std::string& msg) { return make_error(where(step) + msg); }

// Keys a lesson object may hold: a typo ("caption " or "heads") is an error,
// not a silently ignored field.
Expected<void> only_keys(const Json& j, std::initializer_list<const char*> keys, int step, const char* what) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* k : keys) known = known || it.key() == k;
    if (!known) {
      std::string list;
      for (const char* k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
      return err(step, "unknown field '" + it.key() + "' in " + what + " (fields: " + list + ")");
    }
  }
  return {};
}

// A string field: required ones must be present and non-empty.
Expected<void> read_string(const Json& j, const char* key, int step, bool required, std::string& out,
                           size_t max_bytes = kMaxLessonBytes) {
  auto v = json::get_string(j, {key});
  if (!v) return err(step, v.error().message);
  if (!v->has_value()) {
    if (required) return err(step, "missing field '" + std::string(key) + "'");
    return {};
  }
  if (required && (*v)->empty()) return err(step, "field '" + std::string(key) + "' is empty");
  if ((*v)->size() > max_bytes)
    return err(step, "field '" + std::string(key) + "' is longer than " + std::to_string(max_bytes) + " bytes");
  out = **v;
  return {};
}

// A non-negative index field (layer, head, token, ...); absent leaves `out`.
Expected<void> read_index(const Json& j, const char* key, int step, int& out) {
  auto v = json::get_int(j, {key});
  if (!v) return err(step, v.error().message);
  if (!v->has_value()) return {};
  if (**v < 0 || **v > 1000000)
    return err(step, "field '" + std::string(key) + "' must be between 0 and 1000000, got " + std::to_string(**v));
  out = static_cast<int>(**v);
  return {};
}

Expected<void> read_intervention(const Json& j, int step, LessonStep& s) {
  const Json* v = json::find(j, {"intervention"});
  if (!v) return {};
  std::vector<std::string> names;
  if (v->is_string()) names.push_back(v->get<std::string>());
  else if (v->is_array()) {
    for (const Json& e : *v) {
      if (!e.is_string()) return err(step, "'intervention' must be a name or a list of names, got " + v->dump());
      names.push_back(e.get<std::string>());
    }
  } else {
    return err(step, "'intervention' must be a name or a list of names, got " + v->dump());
  }
  for (const std::string& n : names) {
    if (n == "ablate_sink") s.ablate_sink = true;
    else if (n == "remove_tag") s.remove_tag = true;
    else if (n == "knock_out_head") s.knock_out_head = true;
    else if (n == "none") {}
    else return err(step, "unknown intervention '" + n + "' (ablate_sink, remove_tag, knock_out_head or none)");
  }
  return {};
}

Expected<void> read_question(const Json& j, int step, LessonQuestion& q) {
  if (!j.is_object()) return err(step, "'question' must be an object {text, answer, hint}");
  if (auto r = only_keys(j, {"text", "answer", "hint", "explain"}, step, "the question"); !r) return r;
  if (auto r = read_string(j, "text", step, true, q.text, kMaxCaptionBytes); !r) return r;
  if (auto r = read_string(j, "hint", step, true, q.hint, kMaxCaptionBytes); !r) return r;
  if (auto r = read_string(j, "explain", step, false, q.explain, kMaxCaptionBytes); !r) return r;
  const Json* a = json::find(j, {"answer"});
  if (!a) return err(step, "missing field 'answer' in the question");
  if (!a->is_object()) return err(step, "'answer' must be an object, e.g. {\"kind\": \"head\", \"layer\": 6, \"head\": 2}");
  std::string kind;
  if (auto r = read_string(*a, "kind", step, true, kind); !r) return r;
  if (kind == "head") {
    if (auto r = only_keys(*a, {"kind", "layer", "head"}, step, "a head answer"); !r) return r;
    q.kind = AnswerKind::Head;
    if (auto r = read_index(*a, "layer", step, q.layer); !r) return r;
    if (auto r = read_index(*a, "head", step, q.head); !r) return r;
    if (q.layer < 0 || q.head < 0) return err(step, "a head answer needs 'layer' and 'head'");
  } else if (kind == "token") {
    if (auto r = only_keys(*a, {"kind", "index"}, step, "a token answer"); !r) return r;
    q.kind = AnswerKind::Token;
    if (auto r = read_index(*a, "index", step, q.token); !r) return r;
    if (q.token < 0) return err(step, "a token answer needs 'index'");
  } else {
    return err(step, "unknown answer kind '" + kind + "' (head or token)");
  }
  return {};
}

Expected<void> read_step(const Json& j, int step, const LessonStep* prev, const std::string& lesson_model,
                         LessonStep& s) {
  if (!j.is_object()) return err(step, "a step must be an object");
  if (auto r = only_keys(j, {"title", "prompt", "model", "panel", "layer", "head", "sink", "token", "intervention",
                             "caption", "question"},
                         step, "a step");
      !r)
    return r;
  // Inherited from the step before: model, prompt (the lesson bar's "same
  // prompt, another head" steps stay short).
  s.model = prev ? prev->model : lesson_model;
  if (prev) s.prompt = prev->prompt, s.has_prompt = prev->has_prompt;
  if (auto r = read_string(j, "title", step, false, s.title, 200); !r) return r;
  if (auto r = read_string(j, "model", step, false, s.model, 200); !r) return r;
  if (s.model.empty()) return err(step, "field 'model' is empty");
  if (json::find(j, {"prompt"})) {
    if (auto r = read_string(j, "prompt", step, false, s.prompt, 65536); !r) return r;
    s.has_prompt = true;
  }
  if (auto r = read_string(j, "panel", step, true, s.panel, 64); !r) return r;
  if (!panel_from_key(s.panel)) {
    std::string list;
    for (int p = 0; p < kPanelCount; ++p) list += (p ? ", " : "") + std::string(panel_key(static_cast<Panel>(p)));
    return err(step, "unknown panel '" + s.panel + "' (" + list + ")");
  }
  for (const char* k : {"layer", "head", "sink", "token"}) {
    int* dst = k[0] == 'l' ? &s.layer : k[0] == 'h' ? &s.head : k[1] == 'i' ? &s.sink : &s.token;
    if (auto r = read_index(j, k, step, *dst); !r) return r;
  }
  if ((s.layer < 0) != (s.head < 0)) return err(step, "'layer' and 'head' go together: give both or neither");
  if (s.sink >= 0 && s.layer < 0) return err(step, "'sink' selects a sink of a head: give 'layer' and 'head' too");
  if (auto r = read_intervention(j, step, s); !r) return r;
  if ((s.ablate_sink || s.remove_tag || s.knock_out_head) && s.layer < 0)
    return err(step, "an intervention acts on a head: give 'layer' and 'head'");
  if (auto r = read_string(j, "caption", step, true, s.caption, kMaxCaptionBytes); !r) return r;
  if (const Json* q = json::find(j, {"question"})) {
    s.has_question = true;
    if (auto r = read_question(*q, step, s.question); !r) return r;
  }
  return {};
}

}  // namespace

Expected<Lesson> parse_lesson(std::string_view text) {
  if (text.size() > kMaxLessonBytes)
    return make_error("lesson: the file is " + std::to_string(text.size()) + " bytes; a lesson is at most " +
                      std::to_string(kMaxLessonBytes) + " bytes");
  auto parsed = json::parse(text, "the lesson file");
  if (!parsed) return parsed.error();
  const Json& j = *parsed;
  if (!j.is_object()) return make_error("lesson: the file must hold one JSON object {title, model, steps}");
  if (auto r = only_keys(j, {"title", "model", "steps", "about"}, -1, "the lesson"); !r) return r.error();
  Lesson lesson;
  if (auto r = read_string(j, "title", -1, true, lesson.title, 200); !r) return r.error();
  if (auto r = read_string(j, "model", -1, true, lesson.model, 200); !r) return r.error();
  std::string about;  // a note for instructors; not shown
  if (auto r = read_string(j, "about", -1, false, about, kMaxCaptionBytes); !r) return r.error();
  const Json* steps = json::find(j, {"steps"});
  if (!steps) return make_error("lesson: missing field 'steps'");
  if (!steps->is_array()) return make_error("lesson: 'steps' must be a list of steps");
  if (steps->empty()) return make_error("lesson: 'steps' is empty; a lesson needs at least one step");
  if (steps->size() > static_cast<size_t>(kMaxLessonSteps))
    return make_error("lesson: " + std::to_string(steps->size()) + " steps; a lesson has at most " +
                      std::to_string(kMaxLessonSteps));
  for (size_t i = 0; i < steps->size(); ++i) {
    LessonStep s;
    const LessonStep* prev = lesson.steps.empty() ? nullptr : &lesson.steps.back();
    if (auto r = read_step((*steps)[i], static_cast<int>(i), prev, lesson.model, s); !r) return r.error();
    lesson.steps.push_back(std::move(s));
  }
  return lesson;
}

Expected<void> check_lesson(const Lesson& lesson, const LessonLimits& lim) {
  for (size_t i = 0; i < lesson.steps.size(); ++i) {
    const LessonStep& s = lesson.steps[i];
    const int step = static_cast<int>(i);
    if (!lim.model.empty() && s.model != lim.model) continue;  // checked when its model is loaded
    auto head_ok = [&](int layer, int head, const char* what) -> Expected<void> {
      if (lim.n_layers > 0 && layer >= lim.n_layers)
        return err(step, std::string(what) + " layer " + std::to_string(layer) + " is out of range: " + s.model +
                             " has layers 0 to " + std::to_string(lim.n_layers - 1));
      if (lim.n_heads > 0 && head >= lim.n_heads)
        return err(step, std::string(what) + " head " + std::to_string(head) + " is out of range: " + s.model +
                             " has heads 0 to " + std::to_string(lim.n_heads - 1));
      return {};
    };
    if (s.layer >= 0)
      if (auto r = head_ok(s.layer, s.head, "the step's"); !r) return r;
    if (s.has_question && s.question.kind == AnswerKind::Head)
      if (auto r = head_ok(s.question.layer, s.question.head, "the answer's"); !r) return r;
    int T = -1;
    if (s.has_prompt && lim.count_tokens) {
      T = lim.count_tokens(s.prompt);
      if (lim.context > 0 && T > lim.context)
        return err(step, "the prompt is " + std::to_string(T) + " tokens, over " + s.model + "'s context of " +
                             std::to_string(lim.context) + " tokens");
    }
    auto token_ok = [&](int token, const char* what) -> Expected<void> {
      if (T >= 0 && token >= T)
        return err(step, std::string(what) + " " + std::to_string(token) + " is past the prompt's last token (" +
                             std::to_string(T - 1) + ", BOS = 0)");
      return {};
    };
    if (s.sink >= 0)
      if (auto r = token_ok(s.sink, "the sink at token"); !r) return r;
    if (s.token >= 0)
      if (auto r = token_ok(s.token, "the selected token"); !r) return r;
    if (s.has_question && s.question.kind == AnswerKind::Token)
      if (auto r = token_ok(s.question.token, "the answer token"); !r) return r;
  }
  return {};
}

Expected<Lesson> load_lesson(std::string_view text, const LessonLimits& limits) {
  auto l = parse_lesson(text);
  if (!l) return l;
  if (auto r = check_lesson(*l, limits); !r) return r.error();
  return l;
}

std::vector<CaptionRun> caption_runs(std::string_view c) {
  std::vector<CaptionRun> runs;
  CaptionRun cur;
  bool pending_break = false;
  auto flush = [&]() {
    if (cur.text.empty()) return;
    cur.line_break = pending_break;
    pending_break = false;
    runs.push_back(cur);
    cur.text.clear();
  };
  for (size_t i = 0; i < c.size(); ++i) {
    const char ch = c[i];
    if (ch == '\n') {
      flush();
      if (pending_break) runs.push_back(CaptionRun{"", false, false, false, true});  // an empty line
      pending_break = true;
    } else if (ch == '`') {
      flush();
      cur.code = !cur.code;
    } else if (!cur.code && ch == '*' && i + 1 < c.size() && c[i + 1] == '*') {
      flush();
      cur.bold = !cur.bold;
      ++i;
    } else if (!cur.code && ch == '*') {
      flush();
      cur.italic = !cur.italic;
    } else {
      cur.text += ch;
    }
  }
  flush();
  return runs;
}

}  // namespace ss::explorer
