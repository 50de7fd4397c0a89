// The second half in the explorer (explorer/second_half.h) on demo-lm's
// default prompt: what the panels and the C API read equals the analysis
// functions called directly on the same taps (key_dimensions, the label
// probe, the clamp's "after" pass), and pinning keeps the old analysis while
// the prompt changes.
#include <catch2/catch.hpp>

#include "analysis/clamp.h"
#include "analysis/key_dims.h"
#include "analysis/probes.h"
#include "engine/backend.h"
#include "explorer/second_half.h"
#include "explorer/session.h"
#include "explorer/ui_state.h"
#include "explorer/view.h"
#include "support/explorer_fixtures.h"

using namespace ss;
using namespace ss::explorer;

TEST_CASE("second half: key dims, labels, clamp and pin through the explorer", "[explorer][second-half]") {
  AppState& s = state();
  REQUIRE(ss::testing::open_demo_lm_default_prompt(s));
  explorer_ui().view_picked = true;
  s.sel.layer = 6, s.sel.head = 2;
  explorer_ui().panel = Panel::Keys;
  const ExplorerView* v = explorer_step(s);
  REQUIRE(v);
  REQUIRE(v->sink());
  const SecondHalfView* sv = second_half_view();
  REQUIRE(sv);
  const AnalysisSettings st = analysis_settings(s);
  // key_dimensions of the selected sink, as key_dims.h computes them on the live taps.
  const KeyDimensions want = key_dimensions(*v->in.model, *v->in.taps, *v->sink(), st);
  bool found = false;
  for (const KeyDimensions& kd : sv->sh.key_dimensions)
    if (kd.layer == 6 && kd.head == 2 && kd.key == v->sink()->key) {
      found = true;
      CHECK(kd.score == Approx(want.score));
      REQUIRE(kd.top.size() == want.top.size());
      CHECK(kd.top[0].dim == want.top[0].dim);
    }
  CHECK(found);

  // Your own labels: the probe equals probe_labels on the same taps.
  const int T = v->T;
  fit_labels(T);
  for (int i = 1; i < T; ++i) second_half_ui().labels[i] = i < T / 2 ? 0 : 1;
  sv = second_half_ensure(s, true);
  REQUIRE(sv->has_labels);
  const ProbeResult p = probe_labels(*v->in.model, *v->in.taps, 6, 2, second_half_ui().labels, ProbeSettings{});
  CHECK(sv->label_probe.n_tokens == T - 1);
  for (int k = 0; k < kProbeSpaces; ++k) CHECK(sv->label_probe.accuracy[k] == p.accuracy[k]);
  CHECK_FALSE(sv->has_catch);  // the probe set runs only on request
  std::fill(second_half_ui().labels.begin(), second_half_ui().labels.end(), -1);

  // The clamp: the Interventions panel's "after" is the CPU pass with clamp_hooks.
  second_half_ui().clamp = true, second_half_ui().clamp_dim = 292, second_half_ui().clamp_layer = 0;
  second_half_ui().clamp_token = 0;
  explorer_ensure(s, Panel::Interventions);
  v = explorer_view();
  REQUIRE(v->has_after);
  ClampSpec spec;
  spec.dim = 292, spec.from_layer = 0, spec.tokens = {0};
  Taps after;
  REQUIRE(make_cpu_backend()->forward(*v->in.model, *v->in.ids,
                                      clamp_hooks(spec, clamp_medians(*v->in.taps, v->L, 292)), {}, after).ok());
  const Analysis an = analyze(*v->in.model, after, st);
  for (int l = 0; l < v->L; ++l)
    for (int h = 0; h < v->H; ++h) CHECK(v->after_analysis.score(l, h, 0) == Approx(an.score(l, h, 0)).margin(1e-6));
  second_half_ui().clamp = false;

  // Pin, then another prompt: the pinned analysis stays, the live one moves.
  REQUIRE(pin(*v, s));
  const std::vector<SinkMapCell> before = pinned().cells;
  s.set_prompt(s.prompt + " And then?");
  v = explorer_step(s);
  REQUIRE(v);
  CHECK(pinned().valid);
  CHECK(pinned().analysis.T == T);
  CHECK(v->T > T);
  CHECK(pinned().cells.size() == before.size());
  unpin();
  CHECK_FALSE(pinned().valid);
  CHECK_FALSE(second_half_ui().pinned);
  explorer_ui().panel = Panel::Attention;
}
