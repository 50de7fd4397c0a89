// The one live training run the averaging lab shows: the panel and the C API
// (src/platform/webapi_trainer.cpp) share it. tick() trains for a slice of a frame
// so the UI stays responsive; a run ends at `target_steps` and then counts in
// the tally of runs (formed or not).
#pragma once
#include "averaging/trainer.h"

namespace ss::avg {

struct LiveTraining {
  Trainer trainer;
  TrainConfig next;          // settings the next reset uses (the panel edits these)
  bool running = false;
  int target_steps = 3000;   // a run stops (and joins the tally) here
  double slice_ms = 8.0;     // wall time tick() may spend per frame
  int runs = 0, formed = 0;  // tally over finished runs
  bool counted = false;      // this run already joined the tally
  double steps_per_second = 0;  // measured over the last tick()

  void reset();              // trainer.reset(next); running = false
  void start(uint64_t seed, int steps);  // reset with this seed and run to `steps`
  // Trains until the slice is spent or target_steps is reached; returns steps done.
  int tick();
  // Trains n steps now (ignores the slice; tests and the C API use it).
  int run_steps(int n);

 private:
  void finish_if_done();
};

LiveTraining& live_training();

}  // namespace ss::avg
