// Weights in one canonical layout for every family: linear maps stored as
// torch nn.Linear does, [out, in] row-major, so y = x W^T (+ b). GPT-2's Conv1D
// weights are transposed and fused QKV is split on load. Optional tensors
// (biases, LayerNorm beta, gate, extra norms) are empty Tensors when the family
// lacks them; an empty ln1_w / ln2_w means no norm there (OLMo 2, averaging).
// Gemma's RMSNorm scales by (1 + w): its norm weights are stored here with the
// 1 already added, so every norm is y = w * x / rms(x).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"

namespace ss {

struct LayerWeights {
  Tensor ln1_w, ln1_b;   // [d]
  Tensor wq, bq;         // [H*dh, d], [H*dh]
  Tensor wk, bk;         // [Hkv*dh, d], [Hkv*dh]
  Tensor wv, bv;         // [Hkv*dh, d], [Hkv*dh]
  Tensor wo, bo;         // [d, H*dh], [d]   (W_O^h = columns h*dh..(h+1)*dh)
  Tensor w_attn_gate;    // [H*dh, d]  gated attention only (config attn_gate)
  Tensor sink_logits;    // [H]        attention_sink_logit only: one logit per head
  Tensor q_norm, k_norm; // [dh] each (qwen3, per head) or [H*dh], [Hkv*dh] (olmo2, whole projection)
  Tensor post_attn_norm; // [d]  gemma2 / olmo2: RMSNorm of attn_out before the residual add
  Tensor post_mlp_norm;  // [d]  gemma2 / olmo2: RMSNorm of mlp_out before the residual add
  Tensor ln2_w, ln2_b;   // [d]
  Tensor w_gate;         // [dm, d]  (gated MLP only)
  Tensor w_up, b_up;     // [dm, d], [dm]
  Tensor w_down, b_down; // [d, dm], [d]
};

struct Weights {
  Tensor tok_emb;        // [V, d]  (averaging models: [d_input + 1, d], row d_input = [SEP] flag)
  Tensor pos_emb;        // [P, d]  (learned positions only)
  std::vector<LayerWeights> layers;
  Tensor lnf_w, lnf_b;   // [d]
  Tensor lm_head;        // [V, d]  (a copy of tok_emb when tied)
  uint64_t version = 0;  // bumped on every edit (compression, interventions): part of the cache key
};

struct Model {
  ModelConfig config;
  Weights weights;
  std::string name;      // folder name or "user checkpoint"
};

}  // namespace ss
