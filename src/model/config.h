// ModelConfig: the one description of an architecture the engine needs, read
// from a Hugging Face config.json (gpt2, llama, gpt_neox, qwen2, qwen3,
// mistral, gemma, gemma2, phi3, olmo2, opt) or from our own averaging models
// (model_type "sinkscope_averaging"). docs/families.md says what each family
// sets here and where its extra norms sit relative to the taps.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ss {

// One value per config.json model_type, even where the forward is Llama's with
// a few switches: a backend claims families (Capabilities::families), so one
// that knows Llama never runs a Mistral with its window ignored.
enum class Family { GPT2, Llama, NeoX, Averaging, Qwen2, Qwen3, Mistral, Gemma, Gemma2, Phi3, Olmo2, OPT };
// The config.json model_type of each family: "gpt2", "llama", "gpt_neox",
// "sinkscope_averaging", "qwen2", "qwen3", "mistral", "gemma", "gemma2",
// "phi3", "olmo2", "opt".
const char* family_name(Family f);
// How q and k are normalised before RoPE: not at all, per head over d_head
// (Qwen3), or over the whole projection H*dh / Hkv*dh (OLMo 2).
enum class QkNorm { None, PerHead, Whole };
enum class NormKind { LayerNorm, RMSNorm };
enum class Activation { GeluNew /*tanh approx*/, Gelu /*erf*/, Silu, ReLU };

struct ModelConfig {
  Family family = Family::Llama;
  std::string model_type;      // as in config.json
  int vocab_size = 0;
  int d_model = 0;             // hidden_size / n_embd
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;          // == n_heads unless GQA
  int d_head = 0;              // d_model / n_heads unless head_dim given
  int d_mlp = 0;               // intermediate_size / n_inner (4*d for gpt2 default)
  int max_positions = 0;       // n_positions / max_position_embeddings
  NormKind norm = NormKind::RMSNorm;
  float norm_eps = 1e-5f;
  Activation act = Activation::Silu;
  bool gated_mlp = true;       // SwiGLU (llama) vs fc_in/fc_out
  bool learned_pos = false;    // gpt2 wpe
  bool rotary = true;
  float rope_theta = 10000.0f;
  int rotary_dim = 0;          // partial rotary (neox rotary_pct * d_head); == d_head when full
  // Explicit RoPE inverse frequencies [rotary_dim / 2]; empty = theta^(-2i/rotary_dim).
  // For rope variants that rescale frequencies, and for reproducing a
  // reference that rounded them (see tests/data/tiny/README.md).
  std::vector<float> rope_inv_freq;
  bool parallel_residual = false;  // neox use_parallel_residual
  bool tied_embeddings = false;
  bool attn_bias = false, mlp_bias = false;  // llama: attention_bias / mlp_bias
  // Attention variants of the sink-free twins (docs/science.md, "Attention
  // variants that remove sinks"):
  // attention_gate "sigmoid_headwise": z_h *= sigmoid(ln1 W_g)[h] before W_O
  // (gated attention); attention_sink_logit: one learned logit per head joins
  // each softmax row, so a row of attn_pattern sums to less than 1 (the rest
  // went "to the sink slot").
  bool attn_gate = false;
  bool attn_sink_logit = false;
  // Switches of the newer families (defaults = Llama's forward):
  QkNorm qk_norm = QkNorm::None;
  bool post_norms = false;      // gemma2, olmo2: attn_out and mlp_out are normed before the residual add
  float embed_scale = 1.0f;     // gemma: embeddings * sqrt(d_model)
  float attn_scale = 0.0f;      // 0: 1/sqrt(d_head); gemma2: query_pre_attn_scalar^-1/2
  float attn_softcap = 0.0f;    // gemma2: scores = cap * tanh(scores / cap) before the mask; 0 = off
  float final_softcap = 0.0f;   // gemma2: the same on the logits; 0 = off
  int pos_offset = 0;           // opt: learned position t reads row t + 2 of its table
  // Sliding-window attention: a query sees only the last `window` keys
  // (itself included). [n_layers]; 0 = that layer attends to every earlier key.
  std::vector<int> layer_window;
  int bos_token_id = -1, eos_token_id = -1;
  // Averaging models: inputs are vectors in R^d_input plus a [SEP] flag (column
  // d_input), optionally a BOS flag and a constant-1 column (the model has no
  // biases or positions: without a constant, a vector query cannot prefer a key).
  int d_input = 0;
  int bos_index = -1, const_index = -1;  // input columns; -1 = absent
  int input_width = 0;                   // columns of an input row: d_input + 1 (+ BOS) (+ constant)
};

// Parses config.json text. Errors name the missing or invalid field.
Expected<ModelConfig> parse_config(std::string_view json_text);

// Whether q and k are rotated (RoPE), and its inverse frequencies
// [rotary_dim / 2] exactly as the engine takes them: the explicit list when
// given, else theta^(-2i / rotary_dim) computed in float like Hugging Face.
bool uses_rope(const ModelConfig& c);
std::vector<float> rope_frequencies(const ModelConfig& c);

// Layer l's attention window (0 = none): keys j with qi - j >= window are masked.
int attention_window(const ModelConfig& c, int l);

// The attention scores' scale: attn_scale when the config sets one (gemma2:
// query_pre_attn_scalar^-1/2), else 1 / sqrt(d_head). Every backend and
// analysis/pattern.h's recomputed scores use this one.
float attention_scale(const ModelConfig& c);

}  // namespace ss
