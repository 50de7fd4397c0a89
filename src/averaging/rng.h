// Seedable RNG reproducible bit-for-bit across native and wasm: SplitMix64 for
// the bits, the Marsaglia polar method with det_log for normals (no <random>
// distributions, whose algorithms differ between standard libraries).
#pragma once
#include <cstdint>

namespace ss::avg {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}
  uint64_t next_u64();
  double uniform();   // [0, 1), 53 random bits
  double normal();    // N(0, 1)
  uint64_t state() const { return state_; }

 private:
  uint64_t state_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace ss::avg
