#include "averaging/live.h"

#include <algorithm>
#include <chrono>

namespace ss::avg {

LiveTraining& live_training() {
  static LiveTraining live;
  return live;
}

void LiveTraining::reset() {
  next.schedule_steps = target_steps;  // warm-up + cosine over the run
  trainer.reset(next);
  running = false;
  counted = false;
}

void LiveTraining::start(uint64_t seed, int steps) {
  next.seed = seed;
  target_steps = steps;
  reset();
  running = true;
}

void LiveTraining::finish_if_done() {
  if (trainer.step() < target_steps) return;
  running = false;
  if (!counted) {
    trainer.evaluate();
    ++runs;
    formed += trainer.formed_at() >= 0;
    counted = true;
  }
}

int LiveTraining::run_steps(int n) {
  n = std::max(0, std::min(n, target_steps - trainer.step()));
  auto t0 = std::chrono::steady_clock::now();
  trainer.train(n);
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (n > 0 && sec > 0) steps_per_second = n / sec;
  finish_if_done();
  return n;
}

int LiveTraining::tick() {
  if (!running) return 0;
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  int done = 0;
  // Small chunks, checking the clock between them, so a slow machine still
  // gets its frame back on time.
  while (running) {
    const int chunk = std::max(1, std::min(5, target_steps - trainer.step()));
    trainer.train(chunk);
    done += chunk;
    finish_if_done();
    if (std::chrono::duration<double, std::milli>(clock::now() - t0).count() >= slice_ms) break;
  }
  double sec = std::chrono::duration<double>(clock::now() - t0).count();
  if (done > 0 && sec > 0) steps_per_second = done / sec;
  return done;
}

}  // namespace ss::avg
