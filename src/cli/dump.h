// analyze --dump: the taps the metrics read and the weights they use, as one
// F32 safetensors file, so that an implementation written independently of
// this code (training/independent_metrics.py) can recompute every metric of
// docs/metrics.md. Layout:
//   blocks.{l}.{attn_pattern, q, k, v, head_out, resid_pre, resid_post}, logits
//       (tap names and shapes of engine/taps.h; head_out computed from z and
//       W_O when the pass did not keep it)
//   weights.{l}.wo [d, H*dh], weights.{l}.wk [Hkv*dh, d], weights.{l}.ln1_w [d]
//       (absent when the layer has no input norm)
//   rope_inv_freq [rotary_dim / 2] (absent without RoPE)
//   __metadata__: "config" (n_layers, n_heads, n_kv_heads, d_model, d_head,
//       norm: rmsnorm | layernorm | none, norm_eps, rope, rotary_dim),
//       "settings", "ids", "tokens" (JSON texts, from the analysis JSON)
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "engine/taps.h"
#include "model/weights.h"

namespace ss::cli {

// Any tensors as one F32 safetensors file, with string-valued metadata.
Expected<void> write_safetensors(const std::string& path, const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                                 const nlohmann::json& metadata);

Expected<void> write_dump(const std::string& path, const Model& model, const Taps& taps, const nlohmann::json& analysis);

}  // namespace ss::cli
