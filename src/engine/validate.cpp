#include "engine/validate.h"

#include <cmath>
#include <string>

namespace ss {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

Expected<void> validate_hook(const Hook& h, const ModelConfig& c, int64_t T, const Capabilities& caps,
                             const char* backend) {
  if (!caps.applies(h.kind))
    return make_error(std::string(backend) + " backend cannot apply the hook " + hook_kind_name(h.kind));
  if (h.layer < 0 || h.layer >= c.n_layers)
    return make_error("hook: layer " + str(h.layer) + " out of range (model has " + str(c.n_layers) + ")");
  if (h.head < -1 || h.head >= c.n_heads)
    return make_error("hook: head " + str(h.head) + " out of range (model has " + str(c.n_heads) + ")");
  if (h.position < -1 || h.position >= T)
    return make_error("hook: position " + str(h.position) + " out of range (input has " + str(T) + " rows)");
  switch (h.kind) {
    case HookKind::ZeroHead:
      if (h.head < 0) return make_error("hook zero_head needs a head");
      break;
    case HookKind::RemoveKey:
      if (h.position < 0) return make_error("hook remove_key needs a position");
      break;
    case HookKind::SubtractDirection:
      if (static_cast<int>(h.vec.size()) != c.d_model)
        return make_error("hook subtract_direction needs a vector of length d_model = " + str(c.d_model));
      break;
    case HookKind::ReplaceValue:
      if (static_cast<int>(h.vec.size()) != c.d_head || h.head < 0 || h.position < 0)
        return make_error("hook replace_value needs a head, a position and a vector of length d_head = " + str(c.d_head));
      break;
    case HookKind::ClampDim:
      if (h.dim < 0 || h.dim >= c.d_model)
        return make_error("hook clamp_dim: dim " + str(h.dim) + " out of range (d_model = " + str(c.d_model) + ")");
      if (static_cast<int>(h.vec.size()) != c.n_layers)
        return make_error("hook clamp_dim needs one value per layer (" + str(c.n_layers) + ")");
      for (float v : h.vec)
        if (!std::isfinite(v)) return make_error("hook clamp_dim: a value is not finite");
      break;
    case HookKind::ZeroValue: break;
  }
  return {};
}

Expected<void> validate_input(const ForwardInput& in, const ModelConfig& c) {
  const int64_t T = in.length();
  if (c.family == Family::Averaging) {
    if (!in.vectors || in.vectors->rank() != 2 || in.vectors->dim(1) != c.input_width)
      return make_error("forward: averaging models take inputs [T, input_width] = [T, " + str(c.input_width) + "]");
    return {};
  }
  if (in.vectors) return make_error("forward: language models take token ids, not input vectors");
  for (int64_t i = 0; i < T; ++i)
    if (in.ids[i] < 0 || in.ids[i] >= c.vocab_size)
      return make_error("forward: token id " + str(in.ids[i]) + " at position " + str(i) +
                        " is outside the vocabulary (" + str(c.vocab_size) + ")");
  return {};
}

}  // namespace

Expected<void> validate_pass(const Pass& pass, const Capabilities& caps, const char* backend) {
  if (!pass.model) return make_error("forward: no model");
  const Model& model = *pass.model;
  const ModelConfig& c = model.config;
  if (!caps.runs(c.family))
    return make_error(std::string(backend) + " backend cannot run " + family_name(c.family) + " models");
  if (c.attn_gate && !caps.attention_gate)
    return make_error(std::string(backend) + " backend cannot run gated attention (config attention_gate)");
  if (c.attn_sink_logit && !caps.sink_logit)
    return make_error(std::string(backend) + " backend cannot run sink logits (config attention_sink_logit)");
  const int64_t T = pass.input.length();
  if (T <= 0) return make_error("forward: empty input (no tokens)");
  if (pass.cache && pass.cache->length > 0 && !caps.incremental)
    return make_error(std::string(backend) + " backend has no incremental forward");
  if (pass.cache && pass.cache->length > T) return make_error("forward: cache holds more rows than the input");
  if (static_cast<int64_t>(model.weights.layers.size()) != c.n_layers)
    return make_error("forward: weights do not match the config");
  if (!c.rope_inv_freq.empty() && static_cast<int>(c.rope_inv_freq.size()) != c.rotary_dim / 2)
    return make_error("forward: rope_inv_freq must hold rotary_dim / 2 = " + str(c.rotary_dim / 2) + " values");
  if (c.learned_pos && T > c.max_positions)
    return make_error("forward: " + str(T) + " tokens exceed the model's " + str(c.max_positions) + " positions");
  if (auto e = validate_input(pass.input, c); !e) return e;
  for (const Hook& h : pass.hooks)
    if (auto e = validate_hook(h, c, T, caps, backend); !e) return e;
  return {};
}

}  // namespace ss
