// Lessons (explorer/lesson.h, lesson_run.h): the parser's messages for every
// kind of bad file, the shipped lessons checked against their models, and a
// lesson walked step by step on demo-lm (answers, Next, Back restoring a step).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "explorer/lesson.h"
#include "explorer/lesson_run.h"
#include "explorer/session.h"
#include "explorer/ui_state.h"
#include "explorer/view.h"

using namespace ss;
using namespace ss::explorer;

namespace {
std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream t;
  t << f.rdbuf();
  return t.str();
}
std::string error_of(const std::string& text, const LessonLimits& lim = {}) {
  auto l = load_lesson(text, lim);
  return l ? std::string("(ok)") : l.error().message;
}
LessonLimits demo_limits() {
  LessonLimits lim;
  lim.model = "demo-lm";
  lim.n_layers = 8, lim.n_heads = 6, lim.context = 20;
  lim.count_tokens = [](const std::string& p) { return static_cast<int>(p.size()) + 1; };  // one token a byte + BOS
  return lim;
}
const char* kGood = R"({"title": "t", "model": "demo-lm", "steps": [
  {"prompt": "a b c", "panel": "attention", "layer": 1, "head": 2, "sink": 2, "caption": "**Look** at `A`.\nThen *this*."},
  {"panel": "tag", "intervention": ["remove_tag"], "layer": 1, "head": 2, "caption": "same prompt",
   "question": {"text": "which head?", "answer": {"kind": "head", "layer": 3, "head": 1}, "hint": "layer 3"}}]})";
}  // namespace

TEST_CASE("lesson: a good file parses; prompt and model are inherited", "[explorer][lesson]") {
  auto l = load_lesson(kGood, demo_limits());
  REQUIRE(l);
  REQUIRE(l->steps.size() == 2);
  CHECK(l->steps[1].prompt == "a b c");
  CHECK(l->steps[1].has_prompt);
  CHECK(l->steps[1].model == "demo-lm");
  CHECK(l->steps[1].remove_tag);
  CHECK_FALSE(l->steps[1].ablate_sink);
  CHECK(l->steps[1].question.kind == AnswerKind::Head);
  CHECK(l->steps[1].question.layer == 3);
  CHECK(l->steps[0].sink == 2);
}

TEST_CASE("lesson: bad files get one clear sentence each", "[explorer][lesson][bad-input]") {
  const LessonLimits lim = demo_limits();
  struct Case { const char* text; const char* says; };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"{\"title\": \"t\", ", "not valid JSON"},
      {"[1, 2]", "one JSON object"},
      {R"({"model": "demo-lm", "steps": []})", "missing field 'title'"},
      {R"({"title": "t", "model": "demo-lm"})", "missing field 'steps'"},
      {R"({"title": "t", "model": "demo-lm", "steps": []})", "'steps' is empty"},
      {R"({"title": "t", "model": "demo-lm", "steps": {}})", "must be a list"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "attention"}]})", "step 1: missing field 'caption'"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"caption": "c"}]})", "step 1: missing field 'panel'"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "heatmap", "caption": "c"}]})", "step 1: unknown panel 'heatmap'"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "layers": 1}]})", "unknown field 'layers'"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "layer": 1}]})", "give both or neither"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "layer": -1, "head": 0}]})", "between 0 and"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "layer": "6", "head": 0}]})", "must be an integer"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "layer": 8, "head": 0}]})", "step 1: the step's layer 8 is out of range: demo-lm has layers 0 to 7"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c"}, {"panel": "tag", "caption": "c", "layer": 1, "head": 6}]})", "step 2: the step's head 6 is out of range: demo-lm has heads 0 to 5"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "prompt": "this prompt is far too long"}]})", "over demo-lm's context of 20 tokens"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "prompt": "abc", "token": 4}]})", "past the prompt's last token (3"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "intervention": "zap"}]})", "unknown intervention 'zap'"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "intervention": "ablate_sink"}]})", "acts on a head"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "question": {"text": "q", "hint": "h", "answer": {"kind": "head", "layer": 9, "head": 0}}}]})", "the answer's layer 9 is out of range"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "question": {"text": "q", "hint": "h", "answer": {"kind": "colour"}}}]})", "unknown answer kind 'colour'"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "question": {"text": "q", "answer": {"kind": "token", "index": 1}}}]})", "missing field 'hint'"},
      {R"({"title": "t", "model": "demo-lm", "steps": [{"panel": "tag", "caption": "c", "question": {"text": "q", "hint": "h", "answer": {"kind": "token"}}}]})", "needs 'index'"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const std::string e = error_of(c.text, lim);
    INFO(e);
    CHECK(e.find(c.says) != std::string::npos);
  }
  // Steps for another model are checked when that model is loaded, not against this one.
  CHECK(error_of(R"({"title": "t", "model": "big-lm", "steps": [{"panel": "tag", "caption": "c", "layer": 30, "head": 0}]})", lim) == "(ok)");
  // Huge and deep inputs: refused, not parsed for ever.
  CHECK(error_of(std::string(kMaxLessonBytes + 1, ' ')).find("at most") != std::string::npos);
  CHECK(error_of(std::string(5000, '[')).find("not valid JSON") != std::string::npos);
}

TEST_CASE("lesson: captions in Markdown-light", "[explorer][lesson]") {
  auto runs = caption_runs("A **bold** and *it* with `x*y`.\nNext line");
  REQUIRE(runs.size() == 8);
  CHECK(runs[0].text == "A ");
  CHECK((runs[1].text == "bold" && runs[1].bold && !runs[1].italic));
  CHECK((runs[3].text == "it" && runs[3].italic));
  CHECK((runs[5].text == "x*y" && runs[5].code));
  CHECK(runs[6].text == ".");
  CHECK((runs[7].text == "Next line" && runs[7].line_break));
}

TEST_CASE("lesson: every shipped lesson loads and checks against demo-lm", "[explorer][lesson]") {
  AppState s;
  install_model(s, load_model_dir("demo-lm", std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm"));
  REQUIRE(s.model);
  const LessonLimits lim = lesson_limits(s);
  CHECK(lim.n_layers == model_layers(*s.model));
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(SINKSCOPE_SOURCE_DIR) + "/web/lessons")) {
    if (e.path().extension() != ".json") continue;
    INFO(e.path().string());
    auto l = load_lesson(read(e.path().string()), lim);
    if (!l) FAIL(l.error().message);
    CHECK(l->model == "demo-lm");
    ++n;
  }
  CHECK(n >= 3);
}

TEST_CASE("lesson: a run answers, advances, and Back restores the step", "[explorer][lesson]") {
  AppState& s = state();
  install_model(s, load_model_dir("demo-lm", std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm"));
  REQUIRE(s.model);
  const std::string text = R"({"title": "t", "model": "demo-lm", "steps": [
    {"prompt": "The sky is blue. Grass is green. Snow is white.", "panel": "attention", "layer": 1, "head": 2, "caption": "one"},
    {"panel": "interventions", "layer": 0, "head": 1, "intervention": "knock_out_head", "caption": "two",
     "question": {"text": "pick L2H3", "answer": {"kind": "head", "layer": 2, "head": 3}, "hint": "layer 2"}},
    {"prompt": "A, B; C.", "panel": "tag", "token": 1, "caption": "three",
     "question": {"text": "click the comma", "answer": {"kind": "token", "index": 2}, "hint": "the comma"}}]})";
  REQUIRE(lesson_start(s, text, "test"));
  explorer_step(s);
  LessonRun& r = lesson_run();
  CHECK(r.step == 0);
  CHECK(s.prompt == "The sky is blue. Grass is green. Snow is white.");
  CHECK((s.sel.layer == 1 && s.sel.head == 2));
  CHECK(explorer_ui().panel == Panel::Attention);
  REQUIRE(lesson_next(s));
  explorer_step(s);
  CHECK(explorer_ui().panel == Panel::Interventions);
  CHECK(explorer_ui().knock_out_head);
  CHECK(s.prompt == "The sky is blue. Grass is green. Snow is white.");  // inherited
  CHECK_FALSE(lesson_next(s));  // the question is open
  // The student picks a wrong head in the picker: the hint; then the right one.
  s.sel.layer = 1, s.sel.head = 1;
  explorer_step(s);
  CHECK(r.feedback == LessonFeedback::Wrong);
  CHECK(r.attempts == 1);
  CHECK_FALSE(r.answered);
  s.sel.layer = 2, s.sel.head = 3;
  explorer_step(s);
  CHECK(r.feedback == LessonFeedback::Right);
  CHECK(r.answered);
  // The student's own edit, then Back and Next: the step comes back as written.
  s.set_prompt("something else entirely");
  explorer_ui().knock_out_head = false;
  REQUIRE(lesson_back(s));
  explorer_step(s);
  CHECK((s.sel.layer == 1 && s.sel.head == 2));
  CHECK(s.prompt == "The sky is blue. Grass is green. Snow is white.");
  REQUIRE(lesson_next(s));
  explorer_step(s);
  CHECK(explorer_ui().knock_out_head);
  CHECK((s.sel.layer == 0 && s.sel.head == 1));
  CHECK_FALSE(r.answered);  // a restored step asks again
  CHECK(lesson_answer_head(s, 2, 3) == 1);
  REQUIRE(lesson_next(s));
  explorer_step(s);
  CHECK(s.sel.token == 1);
  CHECK(lesson_answer_token(s, 1) == 0);
  CHECK(lesson_answer_token(s, 2) == 1);
  CHECK_FALSE(lesson_next(s));  // the last step
  CHECK(lesson_state_json(s).find("\"can_next\":false") != std::string::npos);
  // A bad lesson keeps this one and says why.
  CHECK_FALSE(lesson_start(s, "{", "broken"));
  CHECK(r.active);
  CHECK(r.error.find("lesson \"broken\"") != std::string::npos);
  lesson_close();
  explorer_ui().knock_out_head = false;
}
