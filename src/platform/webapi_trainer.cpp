// The averaging lab's live trainer in the C API (EMSCRIPTEN_KEEPALIVE, called
// with ccall): the browser test trains a fixed seed and reads the loss and the
// mechanism metrics, to compare with the native run (tests/unit and
// `sinkscope-cli train-averaging` print the same numbers).
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <cstring>

#include "explorer/averaging.h"
#include "averaging/live.h"

using ss::avg::live_training;

extern "C" {

// Resets the live run with this seed (default size: d 16, 2 heads of 8, T 32,
// batch 16, AdamW lr 1e-2 with warm-up and cosine) and sets it to stop at `steps`; the panel then trains it
// a slice per frame unless `run_in_frames` is 0 (the test steps it itself).
EMSCRIPTEN_KEEPALIVE void ss_trainer_start(int seed, int steps, int run_in_frames) {
  auto& live = live_training();
  live.start(static_cast<uint64_t>(seed), steps);
  live.running = run_in_frames != 0;
}

// Trains n steps now (bounded by the run's target); returns the steps done.
EMSCRIPTEN_KEEPALIVE int ss_trainer_run(int n) { return live_training().run_steps(n); }

EMSCRIPTEN_KEEPALIVE int ss_trainer_step() { return live_training().trainer.step(); }
EMSCRIPTEN_KEEPALIVE int ss_trainer_running() { return live_training().running ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE double ss_trainer_loss() { return live_training().trainer.last_loss(); }
EMSCRIPTEN_KEEPALIVE double ss_trainer_steps_per_second() { return live_training().steps_per_second; }

// Loss of step i (0-based), NaN when out of range.
EMSCRIPTEN_KEEPALIVE double ss_trainer_loss_at(int i) {
  const auto& l = live_training().trainer.losses();
  return i >= 0 && i < static_cast<int>(l.size()) ? l[i] : __builtin_nan("");
}

// Latest evaluation's metric by name: loss, sep_head, sep_attention,
// sink_score0, catch_share, catch_rate, catch_span, tag_alignment, release_head,
// release_mass, formed, formed_at. NaN for an unknown name.
EMSCRIPTEN_KEEPALIVE double ss_trainer_metric(const char* name) {
  auto& live = live_training();
  const auto& m = live.trainer.metrics();
  if (!std::strcmp(name, "loss")) return m.loss;
  if (!std::strcmp(name, "sep_head")) return m.sep_head;
  if (!std::strcmp(name, "sep_attention")) return m.sep_attention;
  if (!std::strcmp(name, "sink_score0")) return m.sink_score0;
  if (!std::strcmp(name, "catch_share")) return m.catch_share;
  if (!std::strcmp(name, "catch_rate")) return m.catch_rate;
  if (!std::strcmp(name, "catch_span")) return m.catch_span;
  if (!std::strcmp(name, "tag_alignment")) return m.tag_alignment;
  if (!std::strcmp(name, "release_head")) return m.release_head;
  if (!std::strcmp(name, "release_mass")) return m.release_mass;
  if (!std::strcmp(name, "formed")) return m.formed ? 1 : 0;
  if (!std::strcmp(name, "formed_at")) return live.trainer.formed_at();
  return __builtin_nan("");
}

// Re-evaluates now (metrics otherwise refresh every eval_every steps).
EMSCRIPTEN_KEEPALIVE void ss_trainer_evaluate() { live_training().trainer.evaluate(); }

// Tally over finished runs: which 0 = runs, 1 = formed.
EMSCRIPTEN_KEEPALIVE int ss_trainer_tally(int which) { return which == 0 ? live_training().runs : live_training().formed; }

// The shipped seeds of the lab (filled while the averaging panel is drawn):
// number of models (-1 before the panel was first drawn), the [SEP]'s position,
// and per model i: state (1 = ran on the sequence, 0 = loading, -1 = error),
// the layer-0 catch of the [SEP] (which 0 = span begin, 1 = end, 2 = head,
// 3 = 1 when the span is the whole segment [sep, T)), -1 when there is none.
EMSCRIPTEN_KEEPALIVE int ss_avg_lab_models() {
  const auto* lab = ss::explorer::averaging_lab_if_started();
  return lab ? static_cast<int>(lab->runs.size()) : -1;
}
EMSCRIPTEN_KEEPALIVE int ss_avg_lab_sep() {
  const auto* lab = ss::explorer::averaging_lab_if_started();
  return lab ? lab->sep : -1;
}
EMSCRIPTEN_KEEPALIVE int ss_avg_lab_state(int i) {
  const auto* lab = ss::explorer::averaging_lab_if_started();
  if (!lab || i < 0 || i >= static_cast<int>(lab->runs.size())) return -1;
  const auto& r = lab->runs[static_cast<size_t>(i)];
  if (r.status.rfind("loading", 0) == 0) return 0;
  return r.status.empty() && r.ran ? 1 : (r.status.empty() ? 0 : -1);
}
EMSCRIPTEN_KEEPALIVE int ss_avg_lab_catch(int i, int which) {
  const auto* lab = ss::explorer::averaging_lab_if_started();
  if (!lab || i < 0 || i >= static_cast<int>(lab->runs.size())) return -1;
  const auto& r = lab->runs[static_cast<size_t>(i)];
  if (r.sep_sink < 0 || !r.status.empty()) return -1;
  const auto& sk = r.analysis.sinks[static_cast<size_t>(r.sep_sink)];
  switch (which) {
    case 0: return sk.span_begin;
    case 1: return sk.span_end;
    case 2: return sk.head;
    case 3: return r.caught_segment ? 1 : 0;
  }
  return -1;
}

}  // extern "C"
#endif
