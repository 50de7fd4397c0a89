// Each family's Hugging Face tensor names -> canonical Weights ([out, in]).
// GPT-2 stores Conv1D weights [in, out] with q, k, v fused in c_attn; NeoX
// fuses q, k, v per head ([H, 3, dh] rows); Llama is already canonical.
#include <algorithm>
#include <string>

#include "core/tensor_storage.h"
#include "model/loader.h"
#include "model/tensor_source.h"

namespace ss {

namespace {

// Assigns `dst` from an Expected or returns its error from the enclosing function.
#define SS_TRY_ASSIGN(dst, expr)          \
  do {                                    \
    auto ss_tmp_ = (expr);                \
    if (!ss_tmp_) return ss_tmp_.error(); \
    (dst) = std::move(*ss_tmp_);          \
  } while (0)

std::string L(const char* prefix, int l, const char* rest) { return std::string(prefix) + std::to_string(l) + "." + rest; }

// The big matrices stay 16-bit where the checkpoint's values allow it without
// loss (core/tensor_storage.h): an f16 or bf16 checkpoint takes half the
// memory of float32 and every result is unchanged. Done per layer as it is
// mapped, so the float32 copy of the whole model never exists at once.
// In wasm, f16 stays 16-bit only for a model whose float32 weights would pass
// kF16KeepBytes: SIMD128 has no half-to-float instruction, so widening costs
// ~13 operations per 4 weights and a one-token pass over f16 ran 3.5x slower
// than over float32 (demo-lm); bf16 widens with one shift and always stays.
#if defined(__EMSCRIPTEN__)
constexpr int64_t kF16KeepBytes = int64_t{256} << 20;
#else
constexpr int64_t kF16KeepBytes = 0;
#endif

Compact16 policy_for(const ModelConfig& c) {
  // The float32 bytes of the matrices: embeddings (and an untied head) plus per layer
  // attention (q, o: H*dh x d; k, v: Hkv*dh x d) and the MLP (up to three dm x d).
  const int64_t d = c.d_model, attn = 2 * int64_t(c.n_heads) * c.d_head * d + 2 * int64_t(c.n_kv_heads) * c.d_head * d;
  const int64_t f32_bytes = 4 * (int64_t(c.vocab_size) * d * 2 + int64_t(c.n_layers) * (attn + 3 * int64_t(c.d_mlp) * d));
  Compact16 p;
  p.f16 = f32_bytes > kF16KeepBytes;
  return p;
}

void compact_layer(LayerWeights& lw, Compact16 p) {
  for (Tensor* t : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_attn_gate, &lw.w_gate, &lw.w_up, &lw.w_down}) compact_16bit(*t, p);
}

// The final norm and the unembedding; lnf_b may be null (RMSNorm), and tied
// embeddings reuse tok_emb.
Expected<void> map_final(const ModelConfig& c, const TensorSource& src, const char* lnf_w, const char* lnf_b,
                         const char* lm_head, Weights& w) {
  const int64_t d = c.d_model, V = c.vocab_size;
  SS_TRY_ASSIGN(w.lnf_w, src.get(lnf_w, {d}));
  if (lnf_b) SS_TRY_ASSIGN(w.lnf_b, src.get(lnf_b, {d}));
  compact_16bit(w.tok_emb, policy_for(c));
  if (c.tied_embeddings)
    w.lm_head = w.tok_emb;
  else
    SS_TRY_ASSIGN(w.lm_head, src.get(lm_head, {V, d}));
  compact_16bit(w.lm_head, policy_for(c));
  return {};
}

Expected<Weights> map_gpt2(const ModelConfig& c, const TensorSource& src) {
  const int64_t d = c.d_model, V = c.vocab_size, dm = c.d_mlp;
  Weights w;
  SS_TRY_ASSIGN(w.tok_emb, src.get("transformer.wte.weight", {V, d}));
  SS_TRY_ASSIGN(w.pos_emb, src.get("transformer.wpe.weight", {c.max_positions, d}));
  for (int l = 0; l < c.n_layers; ++l) {
    LayerWeights lw;
    const char* p = "transformer.h.";
    SS_TRY_ASSIGN(lw.ln1_w, src.get(L(p, l, "ln_1.weight"), {d}));
    SS_TRY_ASSIGN(lw.ln1_b, src.get(L(p, l, "ln_1.bias"), {d}));
    Tensor qkv, qkv_b;
    SS_TRY_ASSIGN(qkv, src.get(L(p, l, "attn.c_attn.weight"), {d, 3 * d}));
    SS_TRY_ASSIGN(qkv_b, src.get(L(p, l, "attn.c_attn.bias"), {3 * d}));
    qkv = transpose2d(qkv);  // [3d, d]
    lw.wq = slice_rows(qkv, 0, d), lw.wk = slice_rows(qkv, d, d), lw.wv = slice_rows(qkv, 2 * d, d);
    lw.bq = slice_rows(qkv_b, 0, d), lw.bk = slice_rows(qkv_b, d, d), lw.bv = slice_rows(qkv_b, 2 * d, d);
    SS_TRY_ASSIGN(lw.wo, src.get(L(p, l, "attn.c_proj.weight"), {d, d}));
    lw.wo = transpose2d(lw.wo);
    SS_TRY_ASSIGN(lw.bo, src.get(L(p, l, "attn.c_proj.bias"), {d}));
    SS_TRY_ASSIGN(lw.ln2_w, src.get(L(p, l, "ln_2.weight"), {d}));
    SS_TRY_ASSIGN(lw.ln2_b, src.get(L(p, l, "ln_2.bias"), {d}));
    SS_TRY_ASSIGN(lw.w_up, src.get(L(p, l, "mlp.c_fc.weight"), {d, dm}));
    lw.w_up = transpose2d(lw.w_up);
    SS_TRY_ASSIGN(lw.b_up, src.get(L(p, l, "mlp.c_fc.bias"), {dm}));
    SS_TRY_ASSIGN(lw.w_down, src.get(L(p, l, "mlp.c_proj.weight"), {dm, d}));
    lw.w_down = transpose2d(lw.w_down);
    SS_TRY_ASSIGN(lw.b_down, src.get(L(p, l, "mlp.c_proj.bias"), {d}));
    compact_layer(lw, policy_for(c));
    w.layers.push_back(std::move(lw));
  }
  if (auto e = map_final(c, src, "transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight", w); !e) return e.error();
  return w;
}

// Gemma's RMSNorm computes x / rms(x) * (1 + w) in float32: adding the 1 on
// load gives the same float and lets every family share one norm.
void add_one(Tensor& w) {
  for (float& x : w.data) x += 1.0f;
}

// The Llama-shaped families share Llama's tensor names under model.layers.N.
// with these differences: Phi-3 fuses q/k/v (qkv_proj, rows [q; k; v]) and
// gate/up (gate_up_proj, rows [gate; up]); Qwen2 has q/k/v biases; Qwen3 and
// OLMo 2 add q_norm / k_norm; Gemma 2 norms before and after both attention
// and MLP (input_, post_attention_, pre_feedforward_, post_feedforward_
// layernorm); OLMo 2 only after (post_attention_, post_feedforward_layernorm).
Expected<Weights> map_llama(const ModelConfig& c, const TensorSource& src) {
  const int64_t d = c.d_model, V = c.vocab_size, dm = c.d_mlp, dh = c.d_head;
  const int64_t qd = int64_t{c.n_heads} * c.d_head, kvd = int64_t{c.n_kv_heads} * c.d_head;
  const Family f = c.family;
  const bool gemma = f == Family::Gemma || f == Family::Gemma2;
  Weights w;
  SS_TRY_ASSIGN(w.tok_emb, src.get("model.embed_tokens.weight", {V, d}));
  for (int l = 0; l < c.n_layers; ++l) {
    LayerWeights lw;
    const char* p = "model.layers.";
    if (f != Family::Olmo2) SS_TRY_ASSIGN(lw.ln1_w, src.get(L(p, l, "input_layernorm.weight"), {d}));
    if (f == Family::Phi3) {
      Tensor qkv;
      SS_TRY_ASSIGN(qkv, src.get(L(p, l, "self_attn.qkv_proj.weight"), {qd + 2 * kvd, d}));
      lw.wq = slice_rows(qkv, 0, qd), lw.wk = slice_rows(qkv, qd, kvd), lw.wv = slice_rows(qkv, qd + kvd, kvd);
    } else {
      SS_TRY_ASSIGN(lw.wq, src.get(L(p, l, "self_attn.q_proj.weight"), {qd, d}));
      SS_TRY_ASSIGN(lw.wk, src.get(L(p, l, "self_attn.k_proj.weight"), {kvd, d}));
      SS_TRY_ASSIGN(lw.wv, src.get(L(p, l, "self_attn.v_proj.weight"), {kvd, d}));
    }
    SS_TRY_ASSIGN(lw.wo, src.get(L(p, l, "self_attn.o_proj.weight"), {d, qd}));
    if (c.attn_bias) {
      SS_TRY_ASSIGN(lw.bq, src.get(L(p, l, "self_attn.q_proj.bias"), {qd}));
      SS_TRY_ASSIGN(lw.bk, src.get(L(p, l, "self_attn.k_proj.bias"), {kvd}));
      SS_TRY_ASSIGN(lw.bv, src.get(L(p, l, "self_attn.v_proj.bias"), {kvd}));
      if (f != Family::Qwen2) SS_TRY_ASSIGN(lw.bo, src.get(L(p, l, "self_attn.o_proj.bias"), {d}));
    }
    if (c.qk_norm != QkNorm::None) {
      const bool whole = c.qk_norm == QkNorm::Whole;
      SS_TRY_ASSIGN(lw.q_norm, src.get(L(p, l, "self_attn.q_norm.weight"), {whole ? qd : dh}));
      SS_TRY_ASSIGN(lw.k_norm, src.get(L(p, l, "self_attn.k_norm.weight"), {whole ? kvd : dh}));
    }
    if (c.attn_gate) SS_TRY_ASSIGN(lw.w_attn_gate, src.get(L(p, l, "self_attn.gate_proj.weight"), {qd, d}));
    if (c.attn_sink_logit) SS_TRY_ASSIGN(lw.sink_logits, src.get(L(p, l, "self_attn.sinks"), {int64_t{c.n_heads}}));
    if (f == Family::Gemma2) {
      SS_TRY_ASSIGN(lw.post_attn_norm, src.get(L(p, l, "post_attention_layernorm.weight"), {d}));
      SS_TRY_ASSIGN(lw.ln2_w, src.get(L(p, l, "pre_feedforward_layernorm.weight"), {d}));
      SS_TRY_ASSIGN(lw.post_mlp_norm, src.get(L(p, l, "post_feedforward_layernorm.weight"), {d}));
    } else if (f == Family::Olmo2) {
      SS_TRY_ASSIGN(lw.post_attn_norm, src.get(L(p, l, "post_attention_layernorm.weight"), {d}));
      SS_TRY_ASSIGN(lw.post_mlp_norm, src.get(L(p, l, "post_feedforward_layernorm.weight"), {d}));
    } else {
      SS_TRY_ASSIGN(lw.ln2_w, src.get(L(p, l, "post_attention_layernorm.weight"), {d}));
    }
    if (f == Family::Phi3) {
      Tensor gate_up;
      SS_TRY_ASSIGN(gate_up, src.get(L(p, l, "mlp.gate_up_proj.weight"), {2 * dm, d}));
      lw.w_gate = slice_rows(gate_up, 0, dm), lw.w_up = slice_rows(gate_up, dm, dm);
    } else {
      SS_TRY_ASSIGN(lw.w_gate, src.get(L(p, l, "mlp.gate_proj.weight"), {dm, d}));
      SS_TRY_ASSIGN(lw.w_up, src.get(L(p, l, "mlp.up_proj.weight"), {dm, d}));
    }
    SS_TRY_ASSIGN(lw.w_down, src.get(L(p, l, "mlp.down_proj.weight"), {d, dm}));
    if (c.mlp_bias) {
      // gate bias has no canonical slot: refuse rather than run a wrong model
      if (src.has(L(p, l, "mlp.gate_proj.bias"))) return make_error("tensor '" + L(p, l, "mlp.gate_proj.bias") + "': MLP gate biases are not supported");
      SS_TRY_ASSIGN(lw.b_up, src.get(L(p, l, "mlp.up_proj.bias"), {dm}));
      SS_TRY_ASSIGN(lw.b_down, src.get(L(p, l, "mlp.down_proj.bias"), {d}));
    }
    if (gemma)
      for (Tensor* t : {&lw.ln1_w, &lw.ln2_w, &lw.post_attn_norm, &lw.post_mlp_norm}) add_one(*t);
    compact_layer(lw, policy_for(c));
    w.layers.push_back(std::move(lw));
  }
  if (auto e = map_final(c, src, "model.norm.weight", nullptr, "lm_head.weight", w); !e) return e.error();
  if (gemma) add_one(w.lnf_w);
  return w;
}

// OPT: model.decoder.*, learned positions with two extra rows, LayerNorms with
// biases (self_attn_layer_norm before attention, final_layer_norm before the
// MLP), fc1 / fc2, lm_head tied to the token embeddings.
Expected<Weights> map_opt(const ModelConfig& c, const TensorSource& src) {
  const int64_t d = c.d_model, V = c.vocab_size, dm = c.d_mlp;
  Weights w;
  SS_TRY_ASSIGN(w.tok_emb, src.get("model.decoder.embed_tokens.weight", {V, d}));
  SS_TRY_ASSIGN(w.pos_emb, src.get("model.decoder.embed_positions.weight", {int64_t{c.max_positions} + c.pos_offset, d}));
  auto bias = [&](const std::string& name, int64_t n, Tensor& dst) -> Expected<void> {
    if (!c.attn_bias) return {};
    SS_TRY_ASSIGN(dst, src.get(name, {n}));
    return {};
  };
  for (int l = 0; l < c.n_layers; ++l) {
    LayerWeights lw;
    const char* p = "model.decoder.layers.";
    SS_TRY_ASSIGN(lw.ln1_w, src.get(L(p, l, "self_attn_layer_norm.weight"), {d}));
    SS_TRY_ASSIGN(lw.ln1_b, src.get(L(p, l, "self_attn_layer_norm.bias"), {d}));
    struct Proj { const char* name; Tensor* w; Tensor* b; int64_t out, in; };
    for (const Proj& pr : {Proj{"self_attn.q_proj", &lw.wq, &lw.bq, d, d}, Proj{"self_attn.k_proj", &lw.wk, &lw.bk, d, d},
                           Proj{"self_attn.v_proj", &lw.wv, &lw.bv, d, d}, Proj{"self_attn.out_proj", &lw.wo, &lw.bo, d, d},
                           Proj{"fc1", &lw.w_up, &lw.b_up, dm, d}, Proj{"fc2", &lw.w_down, &lw.b_down, d, dm}}) {
      SS_TRY_ASSIGN(*pr.w, src.get(L(p, l, pr.name) + ".weight", {pr.out, pr.in}));
      if (auto e = bias(L(p, l, pr.name) + ".bias", pr.out, *pr.b); !e) return e.error();
    }
    SS_TRY_ASSIGN(lw.ln2_w, src.get(L(p, l, "final_layer_norm.weight"), {d}));
    SS_TRY_ASSIGN(lw.ln2_b, src.get(L(p, l, "final_layer_norm.bias"), {d}));
    compact_layer(lw, policy_for(c));
    w.layers.push_back(std::move(lw));
  }
  if (auto e = map_final(c, src, "model.decoder.final_layer_norm.weight", "model.decoder.final_layer_norm.bias", "lm_head.weight", w); !e)
    return e.error();
  return w;
}

Expected<Weights> map_neox(const ModelConfig& c, const TensorSource& src) {
  const int64_t d = c.d_model, V = c.vocab_size, dm = c.d_mlp, H = c.n_heads, dh = c.d_head;
  Weights w;
  SS_TRY_ASSIGN(w.tok_emb, src.get("gpt_neox.embed_in.weight", {V, d}));
  for (int l = 0; l < c.n_layers; ++l) {
    LayerWeights lw;
    const char* p = "gpt_neox.layers.";
    SS_TRY_ASSIGN(lw.ln1_w, src.get(L(p, l, "input_layernorm.weight"), {d}));
    SS_TRY_ASSIGN(lw.ln1_b, src.get(L(p, l, "input_layernorm.bias"), {d}));
    Tensor qkv, qkv_b;
    SS_TRY_ASSIGN(qkv, src.get(L(p, l, "attention.query_key_value.weight"), {3 * H * dh, d}));
    if (c.attn_bias) SS_TRY_ASSIGN(qkv_b, src.get(L(p, l, "attention.query_key_value.bias"), {3 * H * dh}));
    // Fused rows are [H, 3, dh]: head h's q, k, v are consecutive blocks.
    lw.wq = Tensor({H * dh, d}), lw.wk = Tensor({H * dh, d}), lw.wv = Tensor({H * dh, d});
    if (c.attn_bias) lw.bq = Tensor({H * dh}), lw.bk = Tensor({H * dh}), lw.bv = Tensor({H * dh});
    Tensor* dst[3] = {&lw.wq, &lw.wk, &lw.wv};
    Tensor* dstb[3] = {&lw.bq, &lw.bk, &lw.bv};
    for (int64_t h = 0; h < H; ++h)
      for (int part = 0; part < 3; ++part)
        for (int64_t r = 0; r < dh; ++r) {
          const int64_t from = (h * 3 + part) * dh + r, to = h * dh + r;
          std::copy_n(qkv.ptr() + from * d, d, dst[part]->ptr() + to * d);
          if (c.attn_bias) dstb[part]->data[to] = qkv_b.data[from];
        }
    SS_TRY_ASSIGN(lw.wo, src.get(L(p, l, "attention.dense.weight"), {d, H * dh}));
    if (c.attn_bias) SS_TRY_ASSIGN(lw.bo, src.get(L(p, l, "attention.dense.bias"), {d}));
    SS_TRY_ASSIGN(lw.ln2_w, src.get(L(p, l, "post_attention_layernorm.weight"), {d}));
    SS_TRY_ASSIGN(lw.ln2_b, src.get(L(p, l, "post_attention_layernorm.bias"), {d}));
    SS_TRY_ASSIGN(lw.w_up, src.get(L(p, l, "mlp.dense_h_to_4h.weight"), {dm, d}));
    SS_TRY_ASSIGN(lw.b_up, src.get(L(p, l, "mlp.dense_h_to_4h.bias"), {dm}));
    SS_TRY_ASSIGN(lw.w_down, src.get(L(p, l, "mlp.dense_4h_to_h.weight"), {d, dm}));
    SS_TRY_ASSIGN(lw.b_down, src.get(L(p, l, "mlp.dense_4h_to_h.bias"), {d}));
    compact_layer(lw, policy_for(c));
    w.layers.push_back(std::move(lw));
  }
  if (auto e = map_final(c, src, "gpt_neox.final_layer_norm.weight", "gpt_neox.final_layer_norm.bias", "embed_out.weight", w); !e)
    return e.error();
  return w;
}

Expected<Weights> map_averaging(const ModelConfig& c, const TensorSource& src) {
  const int64_t d = c.d_model, din = c.d_input, hd = int64_t{c.n_heads} * c.d_head;
  Weights w;
  SS_TRY_ASSIGN(w.tok_emb, src.get("embed_in.weight", {d, int64_t{c.input_width}}));
  w.tok_emb = transpose2d(w.tok_emb);  // [input_width, d] so that e = x @ tok_emb
  if (c.learned_pos) SS_TRY_ASSIGN(w.pos_emb, src.get("pos_embed.weight", {c.max_positions, d}));  // [P, d]
  for (int l = 0; l < c.n_layers; ++l) {
    LayerWeights lw;
    const char* p = "layers.";
    SS_TRY_ASSIGN(lw.wq, src.get(L(p, l, "self_attn.q_proj.weight"), {hd, d}));
    SS_TRY_ASSIGN(lw.wk, src.get(L(p, l, "self_attn.k_proj.weight"), {hd, d}));
    SS_TRY_ASSIGN(lw.wv, src.get(L(p, l, "self_attn.v_proj.weight"), {hd, d}));
    SS_TRY_ASSIGN(lw.wo, src.get(L(p, l, "self_attn.o_proj.weight"), {d, hd}));
    w.layers.push_back(std::move(lw));
  }
  SS_TRY_ASSIGN(w.lm_head, src.get("readout.weight", {din, d}));
  return w;
}

}  // namespace

void widen_weights(Weights& w) {
  auto widen = [](Tensor& t) {
    if (!t.is_f32()) t = to_f32(t);
  };
  for (LayerWeights& lw : w.layers)
    for (Tensor* t : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_attn_gate, &lw.w_gate, &lw.w_up, &lw.w_down}) widen(*t);
  widen(w.tok_emb);
  widen(w.lm_head);
}

int compact_weights(Weights& w, Compact16 allow) {
  int n = 0;
  for (LayerWeights& lw : w.layers)
    for (Tensor* t : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_attn_gate, &lw.w_gate, &lw.w_up, &lw.w_down})
      n += compact_16bit(*t, allow);
  n += compact_16bit(w.tok_emb, allow);
  n += compact_16bit(w.lm_head, allow);
  return n;
}

Expected<Weights> map_weights(const ModelConfig& c, const SafeTensors& file) {
  return map_weights(c, std::vector<const SafeTensors*>{&file});
}

Expected<Weights> map_weights(const ModelConfig& c, const std::vector<const SafeTensors*>& files) {
  TensorSource src(files);
  switch (c.family) {
    case Family::GPT2: return map_gpt2(c, src);
    case Family::Llama:
    case Family::Qwen2:
    case Family::Qwen3:
    case Family::Mistral:
    case Family::Gemma:
    case Family::Gemma2:
    case Family::Phi3:
    case Family::Olmo2: return map_llama(c, src);
    case Family::OPT: return map_opt(c, src);
    case Family::NeoX: return map_neox(c, src);
    case Family::Averaging: return map_averaging(c, src);
  }
  return make_error("unknown model family");
}

}  // namespace ss
