// The first view (explorer/first_view.h): the head and sink the page opens on,
// computed from the analysis. Known answers on hand-made analyses, then the
// rule on demo-lm's default prompt through the explorer itself.
#include <catch2/catch.hpp>

#include "explorer/first_view.h"
#include "explorer/session.h"
#include "explorer/ui_state.h"
#include "explorer/view.h"
#include "support/explorer_fixtures.h"

using namespace ss;
using namespace ss::explorer;

namespace {
Sink make_sink(int layer, int head, int key, float score, int b, int e) {
  Sink s;
  s.layer = layer, s.head = head, s.key = key, s.score = score, s.span_begin = b, s.span_end = e;
  return s;
}
}  // namespace

TEST_CASE("first view: the longest catch after a sink at key > 0 wins", "[explorer][first-view]") {
  Analysis an;
  an.sinks = {make_sink(0, 0, 0, 0.9f, 0, 30),    // BOS: the longest span, but not prompt-dependent
              make_sink(1, 3, 5, 0.3f, 5, 12),    // caught after: [6, 12) = 6
              make_sink(2, 1, 7, 0.25f, 7, 20),   // [8, 20) = 12: the longest
              make_sink(3, 0, 9, 0.6f, 10, 14)};  // 4
  FirstView f = first_view(an);
  CHECK(f.layer == 2);
  CHECK(f.head == 1);
  CHECK(f.key == 7);
  CHECK(f.sink_index == 2);
  CHECK(f.prompt_dependent);
}

TEST_CASE("first view: ties go to the higher sink_score, then the first (layer, head, key)", "[explorer][first-view]") {
  Analysis an;
  an.sinks = {make_sink(1, 0, 4, 0.3f, 4, 10), make_sink(2, 2, 3, 0.5f, 4, 10), make_sink(3, 1, 2, 0.5f, 4, 10)};
  FirstView f = first_view(an);
  CHECK(f.sink_index == 1);  // length 6 each; 0.5 beats 0.3; of the two 0.5s the first
  an.sinks[2].score = 0.51f;
  CHECK(first_view(an).sink_index == 2);
}

TEST_CASE("first view: without a prompt-dependent catch, the strongest sink; without sinks, L0H0", "[explorer][first-view]") {
  Analysis an;
  an.sinks = {make_sink(0, 1, 0, 0.7f, 0, 20), make_sink(2, 3, 0, 0.95f, 0, 20),
              make_sink(1, 0, 6, 0.4f, 6, 7)};  // key > 0 but catches only itself
  FirstView f = first_view(an);
  CHECK(f.layer == 2);
  CHECK(f.head == 3);
  CHECK(f.key == 0);
  CHECK_FALSE(f.prompt_dependent);
  an.sinks.clear();
  f = first_view(an);
  CHECK(f.layer == 0);
  CHECK(f.head == 0);
  CHECK(f.key == -1);
}

TEST_CASE("first view: demo-lm's default prompt opens on the quote head, its sink selected", "[explorer][first-view]") {
  AppState& s = state();
  REQUIRE(ss::testing::open_demo_lm_default_prompt(s));
  explorer_ui().view_picked = false;
  s.sel = Selection{};
  const ExplorerView* v = explorer_step(s);
  REQUIRE(v);
  // The rule, recomputed here from the view's own analysis.
  const FirstView want = first_view(v->analysis);
  REQUIRE(want.prompt_dependent);
  CHECK(s.sel.layer == want.layer);
  CHECK(s.sel.head == want.head);
  REQUIRE(v->sink());
  CHECK(v->sink()->key == want.key);
  // What models/demo-lm/MODEL.md describes: the opening quote's catch, the quoted clause.
  CHECK(v->chips[want.key].find('"') != std::string::npos);
  INFO("first view L" << want.layer << "H" << want.head << " sink " << want.key << " span "
                      << v->sink()->span_begin << ".." << v->sink()->span_end);
  CHECK(v->sink()->span_end - v->sink()->span_begin >= 10);
  // A second step with the same model does not move the user's choice.
  s.sel.layer = 0, s.sel.head = 1;
  explorer_step(s);
  CHECK(s.sel.layer == 0);
  CHECK(s.sel.head == 1);
}
