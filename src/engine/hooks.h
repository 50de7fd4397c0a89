// Interventions are data: a list of edits the engine applies to a tap before
// the rest of the forward pass uses it. Every backend applies the same list.
#pragma once
#include <vector>

namespace ss {

enum class HookKind {
  ZeroHead,           // head `head` of layer `layer`: its z (and so head_out) := 0
  RemoveKey,          // attention of head `head` (-1 = all heads) to key `position` := 0, rows renormalised
  ZeroValue,          // v at `position` for kv head of `head` (-1 = all) := 0 (ablate what a sink writes)
  SubtractDirection,  // resid_post of `layer` at `position` (-1 = all) -= (x . u) u, u = normalised `vec`
  ReplaceValue,       // v at `position` for head `head` := `vec` (length dh)
  ClampDim,           // resid_pre of every layer l >= `layer`, dim `dim` at `position` (-1 = all) := vec[l]
                      // (vec [n_layers]: each layer's median of that dim, docs/metrics.md "clamp_outlier")
};

inline constexpr HookKind kHookKinds[] = {HookKind::ZeroHead, HookKind::RemoveKey, HookKind::ZeroValue,
                                          HookKind::SubtractDirection, HookKind::ReplaceValue, HookKind::ClampDim};
// "zero_head", "remove_key", "zero_value", "subtract_direction", "replace_value", "clamp_dim"
inline const char* hook_kind_name(HookKind k) {
  switch (k) {
    case HookKind::ZeroHead: return "zero_head";
    case HookKind::RemoveKey: return "remove_key";
    case HookKind::ZeroValue: return "zero_value";
    case HookKind::SubtractDirection: return "subtract_direction";
    case HookKind::ReplaceValue: return "replace_value";
    case HookKind::ClampDim: return "clamp_dim";
  }
  return "?";
}

struct Hook {
  HookKind kind = HookKind::ZeroHead;
  int layer = 0;
  int head = -1;
  int position = -1;
  std::vector<float> vec;
  int dim = -1;  // ClampDim: the residual dimension
};

using Hooks = std::vector<Hook>;

}  // namespace ss
