// Backend: the one small interface every way of running the forward pass
// implements (cpu now; webgpu and ort in the browser). The parity suite runs
// every backend on every model and compares taps.
#pragma once
#include <cstdint>
#include <memory>
#include <span>

#include "core/status.h"
#include "engine/hooks.h"
#include "engine/taps.h"
#include "model/weights.h"

namespace ss {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  // Runs the whole forward pass on `ids` (used exactly as given) and fills
  // `out` with the taps `filter` wants (always "logits").
  virtual Expected<void> forward(const Model& model, std::span<const int32_t> ids,
                                 const Hooks& hooks, const TapFilter& filter, Taps& out) = 0;
};

std::unique_ptr<Backend> make_cpu_backend();

}  // namespace ss
