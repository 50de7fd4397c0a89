// Checkpoints of the newer families built from the tiny transformers-checked
// ones (tests/data/tiny), in memory. Where a family's forward reduces to an
// existing one (Mistral with a window longer than the input, Phi-3's fused
// projections, Qwen2 with zero biases, Gemma with its norms and embedding
// scale undone, OPT as GPT-2 with two spare position rows), the derived
// checkpoint must reproduce that family's golden outputs to 1e-4: those are
// transformers' numbers. The rest (Qwen3 / OLMo 2 q/k norms, Gemma 2's
// post norms and soft-capping, sliding windows shorter than the input) get
// invariants in tests/unit/model/families.cpp and the parity table.
#pragma once
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "model/tensor_source.h"
#include "support/engine_util.h"

namespace ss::testing {

// config.json plus float32 tensors by Hugging Face name.
struct Ckpt {
  nlohmann::json config;
  std::map<std::string, Tensor> tensors;

  // The safetensors bytes of `names` (all tensors when empty), F32.
  std::vector<uint8_t> safetensors(const std::vector<std::string>& names = {}) const {
    nlohmann::json h = nlohmann::json::object();
    std::vector<const std::pair<const std::string, Tensor>*> chosen;
    for (const auto& kv : tensors)
      if (names.empty() || std::find(names.begin(), names.end(), kv.first) != names.end()) chosen.push_back(&kv);
    size_t off = 0;
    for (const auto* kv : chosen) {
      const size_t n = kv->second.data.size() * 4;
      h[kv->first] = {{"dtype", "F32"}, {"shape", kv->second.shape}, {"data_offsets", {off, off + n}}};
      off += n;
    }
    const std::string hs = h.dump();
    std::vector<uint8_t> out(8);
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(uint64_t{hs.size()} >> (8 * i));
    out.insert(out.end(), hs.begin(), hs.end());
    for (const auto* kv : chosen) {
      const size_t at = out.size();
      out.resize(at + kv->second.data.size() * 4);
      std::memcpy(out.data() + at, kv->second.data.data(), kv->second.data.size() * 4);
    }
    return out;
  }
  Expected<Model> load(const std::string& name = "derived") const {
    const std::vector<uint8_t> bytes = safetensors();
    return load_model(config.dump(), bytes, name);
  }
  Tensor& at(const std::string& name) {
    auto it = tensors.find(name);
    INFO("tensor " << name);
    REQUIRE(it != tensors.end());
    return it->second;
  }
  // Moves a tensor to a new name.
  void rename(const std::string& from, const std::string& to) {
    Tensor t = at(from);
    tensors.erase(from);
    tensors[to] = std::move(t);
  }
};

// A tiny checkpoint of tests/data/tiny as a Ckpt (half-precision weights widened exactly).
inline Ckpt ckpt_of(const std::string& family) {
  Ckpt c;
  auto text = read_text_file(tiny_dir(family) + "/config.json");
  REQUIRE(text.ok());
  c.config = nlohmann::json::parse(*text);
  auto f = MappedFile::open(tiny_dir(family) + "/model.safetensors");
  REQUIRE(f.ok());
  auto st = SafeTensors::parse(f->bytes());
  REQUIRE(st.ok());
  for (const TensorEntry& e : st->entries()) c.tensors[e.name] = *SafeTensors::to_float(e);
  return c;
}

// Deterministic values in [-a, a] (an LCG), for tensors a family adds.
inline Tensor filled(std::vector<int64_t> shape, float center, float a, uint32_t seed) {
  Tensor t(std::move(shape));
  for (float& v : t.data) {
    seed = seed * 1664525u + 1013904223u;
    v = center + a * (float((seed >> 8) & 0xffff) / 32767.5f - 1.0f);
  }
  return t;
}

inline Tensor rows_concat(const std::vector<const Tensor*>& parts) {
  int64_t rows = 0;
  for (const Tensor* p : parts) rows += p->dim(0);
  std::vector<int64_t> shape = parts[0]->shape;
  shape[0] = rows;
  Tensor out(shape);
  size_t at = 0;
  for (const Tensor* p : parts) {
    std::copy(p->data.begin(), p->data.end(), out.data.begin() + at);
    at += p->data.size();
  }
  return out;
}

inline std::string layer(int l, const char* rest) { return "model.layers." + std::to_string(l) + "." + rest; }

// Mistral = Llama + a sliding window on every layer.
inline Ckpt mistral_of_llama(int window) {
  Ckpt c = ckpt_of("llama");
  c.config["model_type"] = "mistral";
  c.config.erase("attention_bias"), c.config.erase("mlp_bias");
  c.config["sliding_window"] = window;
  return c;
}

// Phi-3 = Llama with q/k/v fused into qkv_proj and gate/up into gate_up_proj.
inline Ckpt phi3_of_llama() {
  Ckpt c = ckpt_of("llama");
  c.config["model_type"] = "phi3";
  c.config.erase("attention_bias"), c.config.erase("mlp_bias");
  for (int l = 0; l < 2; ++l) {
    c.tensors[layer(l, "self_attn.qkv_proj.weight")] = rows_concat(
        {&c.at(layer(l, "self_attn.q_proj.weight")), &c.at(layer(l, "self_attn.k_proj.weight")), &c.at(layer(l, "self_attn.v_proj.weight"))});
    c.tensors[layer(l, "mlp.gate_up_proj.weight")] =
        rows_concat({&c.at(layer(l, "mlp.gate_proj.weight")), &c.at(layer(l, "mlp.up_proj.weight"))});
    for (const char* n : {"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                          "mlp.gate_proj.weight", "mlp.up_proj.weight"})
      c.tensors.erase(layer(l, n));
  }
  return c;
}

// Qwen2 = tied Llama + q/k/v biases (scale 0: the Llama forward exactly).
inline Ckpt qwen2_of_llama(float bias_scale) {
  Ckpt c = ckpt_of("llama_tied_f16");
  c.config["model_type"] = "qwen2";
  const int64_t qd = 2 * 16, kvd = 2 * 16;  // llama_tied_f16: 2 heads, 2 kv heads, head_dim 16
  for (int l = 0; l < 2; ++l) {
    c.tensors[layer(l, "self_attn.q_proj.bias")] = filled({qd}, 0, bias_scale, 11 + l);
    c.tensors[layer(l, "self_attn.k_proj.bias")] = filled({kvd}, 0, bias_scale, 21 + l);
    c.tensors[layer(l, "self_attn.v_proj.bias")] = filled({kvd}, 0, bias_scale, 31 + l);
  }
  return c;
}

// Gemma with silu = Llama with every norm weight stored as w - 1 and the
// embeddings stored as E / sqrt(d) (Gemma adds the 1 and multiplies back).
inline Ckpt gemma_of_llama() {
  Ckpt c = ckpt_of("llama");
  c.config["model_type"] = "gemma";
  c.config["hidden_activation"] = "silu";
  c.config.erase("mlp_bias");
  for (auto& [name, t] : c.tensors)
    if (name.find("norm") != std::string::npos)
      for (float& v : t.data) v -= 1.0f;
  const float s = static_cast<float>(std::sqrt(32.0));
  for (float& v : c.at("model.embed_tokens.weight").data) v /= s;
  return c;
}

// OPT = GPT-2 with canonical [out, in] projections, q/k/v split, the
// position table shifted down by two rows, and OPT's names.
inline Ckpt opt_of_gpt2() {
  Ckpt g = ckpt_of("gpt2");
  Ckpt c;
  c.config = {{"model_type", "opt"},  {"vocab_size", 96},  {"hidden_size", 32},           {"num_hidden_layers", 2},
              {"ffn_dim", 128},       {"num_attention_heads", 4}, {"max_position_embeddings", 64},
              {"do_layer_norm_before", true}, {"word_embed_proj_dim", 32}, {"activation_function", "gelu_new"},
              {"enable_bias", true},  {"bos_token_id", 1}, {"eos_token_id", 1},          {"tie_word_embeddings", true}};
  auto T = [](const Tensor& t) { return transpose2d(t); };
  const std::string d = "model.decoder.";
  c.tensors[d + "embed_tokens.weight"] = g.at("transformer.wte.weight");
  const Tensor& wpe = g.at("transformer.wpe.weight");  // [64, 32]
  Tensor pos({66, 32});
  std::copy(wpe.data.begin(), wpe.data.end(), pos.data.begin() + 2 * 32);
  for (int j = 0; j < 64; ++j) pos.data[j] = 100.0f;  // rows 0, 1: never read
  c.tensors[d + "embed_positions.weight"] = pos;
  for (int l = 0; l < 2; ++l) {
    const std::string h = "transformer.h." + std::to_string(l) + ".", o = d + "layers." + std::to_string(l) + ".";
    const Tensor qkv = T(g.at(h + "attn.c_attn.weight"));  // [96, 32]
    const Tensor& qkv_b = g.at(h + "attn.c_attn.bias");
    const char* names[3] = {"q_proj", "k_proj", "v_proj"};
    for (int p = 0; p < 3; ++p) {
      c.tensors[o + "self_attn." + names[p] + ".weight"] = slice_rows(qkv, p * 32, 32);
      c.tensors[o + "self_attn." + names[p] + ".bias"] = slice_rows(qkv_b, p * 32, 32);
    }
    c.tensors[o + "self_attn.out_proj.weight"] = T(g.at(h + "attn.c_proj.weight"));
    c.tensors[o + "self_attn.out_proj.bias"] = g.at(h + "attn.c_proj.bias");
    c.tensors[o + "self_attn_layer_norm.weight"] = g.at(h + "ln_1.weight");
    c.tensors[o + "self_attn_layer_norm.bias"] = g.at(h + "ln_1.bias");
    c.tensors[o + "final_layer_norm.weight"] = g.at(h + "ln_2.weight");
    c.tensors[o + "final_layer_norm.bias"] = g.at(h + "ln_2.bias");
    c.tensors[o + "fc1.weight"] = T(g.at(h + "mlp.c_fc.weight"));
    c.tensors[o + "fc1.bias"] = g.at(h + "mlp.c_fc.bias");
    c.tensors[o + "fc2.weight"] = T(g.at(h + "mlp.c_proj.weight"));
    c.tensors[o + "fc2.bias"] = g.at(h + "mlp.c_proj.bias");
  }
  c.tensors[d + "final_layer_norm.weight"] = g.at("transformer.ln_f.weight");
  c.tensors[d + "final_layer_norm.bias"] = g.at("transformer.ln_f.bias");
  return c;
}

// Qwen3 = Llama + per-head RMSNorm of q and k (weights [dh]); head_dim 8.
inline Ckpt qwen3_of_llama() {
  Ckpt c = ckpt_of("llama");
  c.config["model_type"] = "qwen3";
  c.config.erase("mlp_bias");
  for (int l = 0; l < 2; ++l) {
    c.tensors[layer(l, "self_attn.q_norm.weight")] = filled({8}, 1.0f, 0.3f, 41 + l);
    c.tensors[layer(l, "self_attn.k_norm.weight")] = filled({8}, 1.0f, 0.3f, 51 + l);
  }
  return c;
}

// OLMo 2 = Llama's weights with the pre-norms moved after attention and MLP,
// and q/k RMSNorm over the whole projection ([H*dh] = 32, [Hkv*dh] = 16).
inline Ckpt olmo2_of_llama() {
  Ckpt c = ckpt_of("llama");
  c.config["model_type"] = "olmo2";
  c.config.erase("mlp_bias");
  for (int l = 0; l < 2; ++l) {
    c.rename(layer(l, "input_layernorm.weight"), layer(l, "post_feedforward_layernorm.weight"));
    c.tensors[layer(l, "self_attn.q_norm.weight")] = filled({32}, 1.0f, 0.3f, 61 + l);
    c.tensors[layer(l, "self_attn.k_norm.weight")] = filled({16}, 1.0f, 0.3f, 71 + l);
  }
  return c;
}

// Gemma 2 = Gemma + pre/post norms around attention and MLP, soft-capping
// (attention 5, logits 3), query_pre_attn_scalar 24, layer 0 sliding (window 5).
inline Ckpt gemma2_of_llama() {
  Ckpt c = ckpt_of("llama");
  c.config["model_type"] = "gemma2";
  c.config.erase("mlp_bias");
  c.config["hidden_activation"] = "gelu_pytorch_tanh";
  c.config["query_pre_attn_scalar"] = 24;
  c.config["attn_logit_softcapping"] = 5.0;
  c.config["final_logit_softcapping"] = 3.0;
  c.config["sliding_window"] = 5;
  c.config["layer_types"] = {"sliding_attention", "full_attention"};
  for (int l = 0; l < 2; ++l) {
    c.tensors[layer(l, "pre_feedforward_layernorm.weight")] = filled({32}, 0.0f, 0.2f, 81 + l);
    c.tensors[layer(l, "post_feedforward_layernorm.weight")] = filled({32}, 0.0f, 0.2f, 91 + l);
  }
  return c;
}

// Every layer's patterns, resid_pre and the final norm of `model` against
// the golden outputs of tests/data/tiny/<golden_family> (3 sequences, 1e-4).
inline void check_against_golden(const Model& model, const std::string& golden_family) {
  Golden g = load_golden(golden_family);
  REQUIRE(g.st.entries().size() > 0);
  const int L = model.config.n_layers;
  auto backend = make_cpu_backend();
  for (int s = 0; s < 3; ++s) {
    const std::string p = "seq" + std::to_string(s) + ".";
    std::vector<int32_t> ids = as_ids(g.get(p + "ids"));
    Taps taps;
    auto r = backend->forward(model, ids, {}, {}, taps);
    INFO(family_name(model.config.family) << " vs " << golden_family << " seq " << s << ": " << (r ? "" : r.error().message));
    REQUIRE(r.ok());
    CHECK(max_abs_diff(*taps.get("logits"), g.get(p + "logits")) <= 1e-4);
    for (int l = 0; l < L; ++l) {
      INFO("layer " << l);
      CHECK(max_abs_diff(*taps.get(l, "attn_pattern"), g.get(p + "attn." + std::to_string(l))) <= 1e-4);
      CHECK(max_abs_diff(*taps.get(l, "resid_pre"), g.get(p + "hidden." + std::to_string(l))) <= 1e-4);
    }
    CHECK(max_abs_diff(*taps.get("ln_final"), g.get(p + "hidden." + std::to_string(L))) <= 1e-4);
  }
}

// The tiny family whose golden ids a derived checkpoint reads.
inline std::string golden_source(const std::string& derived) {
  return derived == "opt" ? "gpt2" : derived == "qwen2" ? "llama_tied_f16" : "llama";
}

// The derived checkpoints the parity table runs, by name.
inline std::vector<std::pair<std::string, Ckpt>> derived_family_ckpts() {
  return {{"mistral-w5", mistral_of_llama(5)}, {"phi3", phi3_of_llama()},   {"qwen2", qwen2_of_llama(0.3f)},
          {"qwen3", qwen3_of_llama()},         {"gemma", gemma_of_llama()}, {"gemma2", gemma2_of_llama()},
          {"olmo2", olmo2_of_llama()},         {"opt", opt_of_gpt2()}};
}

}  // namespace ss::testing
