// Interventions summary: test a sink's role by editing the forward pass (Hooks
// are data, applied by the engine) and measuring what changes.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/analysis.h"
#include "engine/backend.h"

namespace ss {

// Ablate a sink: remove attention to its key (rows renormalised) or zero its value.
Hooks ablate_sink(const Sink& sink, bool zero_value = false);
// Remove the tag direction from the residual stream (after the sink's layer) of every caught token.
Hooks remove_tag(const Sink& sink);
// Knock out a head (z := 0).
Hooks knock_out_head(int layer, int head);

struct InterventionResult {
  float loss_before = 0, loss_after = 0, delta_loss = 0;  // next-token cross-entropy (nats)
  std::vector<float> kl;   // [T]  KL(before || after) of the next-token distribution at each position
  float kl_mean = 0, kl_last = 0;
  // For every (layer, head): mean over queries of the total variation between
  // the attention rows before and after (0.5 * sum |A - A'|), [L][H]; layers
  // before the edit stay 0 by causality.
  std::vector<float> attention_change;
  std::vector<float> sink0_before, sink0_after;  // [L][H]  sink_score(0)
};

Expected<InterventionResult> intervene(Backend& backend, const Model& model, std::span<const int32_t> ids,
                                       const Hooks& hooks);

}  // namespace ss
