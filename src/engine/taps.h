// Taps: every intermediate of the forward pass kept as a named tensor, with
// TransformerLens-style names. Shapes (T = tokens, H = heads, Hkv = kv heads,
// dh = head dim, d = model dim, dm = mlp dim, V = vocab):
//   blocks.{l}.resid_pre    [T, d]
//   blocks.{l}.ln1          [T, d]
//   blocks.{l}.q            [T, H, dh]     (after RoPE)
//   blocks.{l}.k            [T, Hkv, dh]   (after RoPE)
//   blocks.{l}.v            [T, Hkv, dh]
//   blocks.{l}.attn_scores  [H, T, T]      (scaled, causal mask = -inf)
//   blocks.{l}.attn_pattern [H, T, T]      (rows = queries, sum to 1)
//   blocks.{l}.attn_lse     [T, H]         (each row's softmax log-sum-exp: pattern = exp(scores - lse);
//                                           with attn_pattern skipped, a pattern is recomputed from q, k
//                                           and this: analysis/pattern.h; CPU and WebGPU)
//   blocks.{l}.z            [T, H, dh]
//   blocks.{l}.head_out     [H, T, d]      (z_h W_O^h: where a tag lives; no bias)
//   blocks.{l}.attn_out     [T, d]         (sum of head_out + b_O)
//   blocks.{l}.resid_mid    [T, d]
//   blocks.{l}.ln2          [T, d]
//   blocks.{l}.mlp_pre      [T, dm]        (gated: the gate pre-activation)
//   blocks.{l}.mlp_post     [T, dm]        (act(gate) * up, or act(fc_in))
//   blocks.{l}.mlp_out      [T, d]
//   blocks.{l}.resid_post   [T, d]
//   ln_final                [T, d]
//   logits                  [T, V]
#pragma once
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/tensor.h"

namespace ss {

std::string tap_name(int layer, const char* what);  // "blocks.{layer}.{what}"

// The kinds in the table above, in forward order: per layer, then the model's own.
inline constexpr const char* kLayerTapKinds[] = {"resid_pre", "ln1",      "q",         "k",       "v",
                                                 "attn_scores", "attn_pattern", "attn_lse", "z", "head_out", "attn_out",
                                                 "resid_mid", "ln2",      "mlp_pre",   "mlp_post", "mlp_out",
                                                 "resid_post"};
inline constexpr const char* kModelTapKinds[] = {"ln_final", "logits"};
// "blocks.3.attn_pattern" -> "attn_pattern"; "logits" -> "logits".
std::string tap_kind(const std::string& name);

struct Taps {
  std::map<std::string, Tensor> named;
  const Tensor* get(const std::string& name) const {
    auto it = named.find(name);
    return it == named.end() ? nullptr : &it->second;
  }
  const Tensor* get(int layer, const char* what) const { return get(tap_name(layer, what)); }
};

// Which taps to keep. Empty `names` with all=true keeps everything; a backend
// may skip computing what nobody wants (ORT can only return what it exports).
struct TapFilter {
  bool all = true;
  // std::less<>: looked up by string_view, without building a string per tap.
  std::set<std::string, std::less<>> names;  // full names, or suffixes like "attn_pattern" meaning every layer
  std::set<std::string, std::less<>> skip;   // never kept, even with all (same naming); "logits" is always kept
  bool wants(const std::string& full_name) const;
};

// The compact taps of a long prompt: no [H, T, T] tensor (a pattern is
// recomputed from q, k and attn_lse when something reads it:
// analysis/pattern.h) and, of the [T, *] taps, only those the analysis and
// the panels read (q, k, v, z, resid_post, logits, and layer 0's resid_pre:
// a later layer's is the layer before's resid_post). At T = 2048 on
// a 12-layer, 12-head, 768-wide model: 0.39 GB plus the logits [T, V], where
// every tap (scores and patterns 4.8 GB of it) is 5.9 GB.
TapFilter compact_tap_filter();

// A filter from a comma-separated list of tap names ("" = every tap), as the
// C API's callers pass it: "logits,attn_pattern" keeps logits and every
// layer's pattern; a name after "-" is skipped, and a list of skips only
// keeps every other tap ("-attn_scores,-head_out": the app's live taps of a
// short prompt, explorer/session.cpp live_filter).
TapFilter tap_filter_from_list(std::string_view list);

}  // namespace ss
