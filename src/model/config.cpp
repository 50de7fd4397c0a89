// config.json -> ModelConfig for gpt2, llama, gpt_neox and our averaging
// models. Field names follow Hugging Face (transformers 4 and 5: v5 moves
// rope_theta and partial_rotary_factor into "rope_parameters").
#include <cmath>
#include <initializer_list>
#include <string>

#include "core/json.h"
#include "model/config.h"

namespace ss {

namespace {

using json::Json;

// Pulls typed fields out of the JSON, remembering the first error so each
// family's parser reads as a plain list of fields.
struct Reader {
  const Json& j;
  std::string err;

  long long integer(std::initializer_list<const char*> keys, long long def, bool required = false) {
    auto v = json::get_int(j, keys);
    if (!v) return fail(v.error().message), def;
    if (!v->has_value()) {
      if (required) fail("config.json: missing required field '" + std::string(*keys.begin()) + "'");
      return def;
    }
    if (**v > (1ll << 30) || **v < -(1ll << 30)) {
      fail("config.json: field '" + std::string(*keys.begin()) + "' = " + std::to_string(**v) + " is out of range");
      return def;
    }
    return **v;
  }
  double number(std::initializer_list<const char*> keys, double def) {
    auto v = json::get_number(j, keys);
    if (!v) return fail(v.error().message), def;
    return v->value_or(def);
  }
  bool boolean(std::initializer_list<const char*> keys, bool def) {
    auto v = json::get_bool(j, keys);
    if (!v) return fail(v.error().message), def;
    return v->value_or(def);
  }
  std::string string(std::initializer_list<const char*> keys, const std::string& def) {
    auto v = json::get_string(j, keys);
    if (!v) return fail(v.error().message), def;
    return v->value_or(def);
  }
  void fail(const std::string& m) {
    if (err.empty()) err = m.rfind("config.json", 0) == 0 ? m : "config.json: " + m;
  }
};

Expected<Activation> activation_of(const std::string& s) {
  if (s == "gelu") return Activation::Gelu;
  if (s == "gelu_new" || s == "gelu_pytorch_tanh" || s == "gelu_fast") return Activation::GeluNew;
  if (s == "silu" || s == "swish") return Activation::Silu;
  if (s == "relu") return Activation::ReLU;
  return make_error("config.json: unsupported activation '" + s + "'");
}

// v5 keeps rope settings in rope_parameters (or rope_scaling); v4 at top level.
const Json* rope_block(const Json& j) { return json::find(j, {"rope_parameters", "rope_scaling"}); }

Expected<void> read_rope(Reader& r, const Json& j, ModelConfig& c, double default_partial) {
  double theta = r.number({"rope_theta", "rotary_emb_base"}, 10000.0);
  double partial = r.number({"partial_rotary_factor", "rotary_pct"}, default_partial);
  if (const Json* rp = rope_block(j); rp && rp->is_object()) {
    Reader rr{*rp, {}};
    theta = rr.number({"rope_theta"}, theta);
    partial = rr.number({"partial_rotary_factor"}, partial);
    std::string type = rr.string({"rope_type", "type"}, "default");
    if (!rr.err.empty()) return make_error("config.json rope_parameters: " + rr.err.substr(13));
    if (type != "default")
      return make_error("config.json: rope_type '" + type + "' is not supported (only plain RoPE)");
  }
  if (!(theta > 0)) return make_error("config.json: rope_theta must be positive");
  if (!(partial > 0 && partial <= 1)) return make_error("config.json: partial rotary factor must be in (0, 1]");
  c.rope_theta = static_cast<float>(theta);
  c.rotary_dim = static_cast<int>(c.d_head * partial);  // HF truncates: int(head_size * rotary_pct)
  return {};
}

Expected<void> validate(const ModelConfig& c) {
  auto in = [](long long v, long long lo, long long hi) { return v >= lo && v <= hi; };
  if (!in(c.d_model, 1, 1 << 16)) return make_error("config.json: hidden size " + std::to_string(c.d_model) + " out of range");
  if (!in(c.n_layers, 1, 1024)) return make_error("config.json: number of layers " + std::to_string(c.n_layers) + " out of range");
  if (!in(c.n_heads, 1, 4096)) return make_error("config.json: number of heads " + std::to_string(c.n_heads) + " out of range");
  if (!in(c.n_kv_heads, 1, c.n_heads) || c.n_heads % c.n_kv_heads)
    return make_error("config.json: num_key_value_heads " + std::to_string(c.n_kv_heads) + " must divide num_attention_heads " +
                      std::to_string(c.n_heads));
  if (!in(c.d_head, 1, 4096)) return make_error("config.json: head dim " + std::to_string(c.d_head) + " out of range");
  if (!in(c.vocab_size, 1, 1 << 22)) return make_error("config.json: vocab_size " + std::to_string(c.vocab_size) + " out of range");
  if (c.family != Family::Averaging && !in(c.d_mlp, 1, 1 << 20))
    return make_error("config.json: MLP size " + std::to_string(c.d_mlp) + " out of range");
  if (!in(c.max_positions, 1, 1 << 24)) return make_error("config.json: max positions " + std::to_string(c.max_positions) + " out of range");
  if (c.rotary && (c.rotary_dim < 2 || c.rotary_dim % 2 || c.rotary_dim > c.d_head))
    return make_error("config.json: rotary dim " + std::to_string(c.rotary_dim) + " must be even and within the head dim " +
                      std::to_string(c.d_head));
  if (!(c.norm_eps >= 0 && c.norm_eps < 1)) return make_error("config.json: norm eps out of range");
  return {};
}

Expected<ModelConfig> parse_gpt2(Reader& r, ModelConfig c) {
  c.family = Family::GPT2;
  c.vocab_size = r.integer({"vocab_size"}, 0, true);
  c.d_model = r.integer({"n_embd", "hidden_size"}, 0, true);
  c.n_layers = r.integer({"n_layer", "num_hidden_layers"}, 0, true);
  c.n_heads = r.integer({"n_head", "num_attention_heads"}, 0, true);
  c.n_kv_heads = c.n_heads;
  c.d_mlp = r.integer({"n_inner", "intermediate_size"}, 4ll * c.d_model);
  c.max_positions = r.integer({"n_positions", "max_position_embeddings"}, 1024);
  c.norm = NormKind::LayerNorm;
  c.norm_eps = r.number({"layer_norm_epsilon", "layer_norm_eps"}, 1e-5);
  auto act = activation_of(r.string({"activation_function"}, "gelu_new"));
  c.gated_mlp = false;
  c.learned_pos = true;
  c.rotary = false;
  c.tied_embeddings = r.boolean({"tie_word_embeddings"}, true);
  c.attn_bias = c.mlp_bias = true;
  if (r.boolean({"scale_attn_by_inverse_layer_idx"}, false) || r.boolean({"reorder_and_upcast_attn"}, false))
    r.fail("config.json: scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not supported");
  if (!r.err.empty()) return make_error(r.err);
  if (!act) return act.error();
  c.act = *act;
  if (c.n_heads <= 0 || c.d_model % c.n_heads)
    return make_error("config.json: n_embd " + std::to_string(c.d_model) + " is not divisible by n_head " + std::to_string(c.n_heads));
  c.d_head = c.d_model / c.n_heads;
  return c;
}

Expected<ModelConfig> parse_llama(Reader& r, const Json& j, ModelConfig c) {
  c.family = Family::Llama;
  c.vocab_size = r.integer({"vocab_size"}, 0, true);
  c.d_model = r.integer({"hidden_size"}, 0, true);
  c.n_layers = r.integer({"num_hidden_layers"}, 0, true);
  c.n_heads = r.integer({"num_attention_heads"}, 0, true);
  c.n_kv_heads = r.integer({"num_key_value_heads"}, c.n_heads);
  c.d_mlp = r.integer({"intermediate_size"}, 0, true);
  c.max_positions = r.integer({"max_position_embeddings"}, 2048);
  c.norm = NormKind::RMSNorm;
  c.norm_eps = r.number({"rms_norm_eps"}, 1e-6);
  auto act = activation_of(r.string({"hidden_act"}, "silu"));
  c.gated_mlp = true;
  c.learned_pos = false;
  c.rotary = true;
  c.tied_embeddings = r.boolean({"tie_word_embeddings"}, false);
  c.attn_bias = r.boolean({"attention_bias"}, false);
  c.mlp_bias = r.boolean({"mlp_bias"}, false);
  const std::string gate = r.string({"attention_gate"}, "");
  if (!gate.empty() && gate != "sigmoid_headwise")
    r.fail("config.json: attention_gate '" + gate + "' is not supported (only sigmoid_headwise)");
  c.attn_gate = gate == "sigmoid_headwise";
  c.attn_sink_logit = r.boolean({"attention_sink_logit"}, false);
  if (!r.err.empty()) return make_error(r.err);
  if (!act) return act.error();
  c.act = *act;
  if (c.n_heads <= 0) return make_error("config.json: num_attention_heads must be positive");
  c.d_head = r.integer({"head_dim"}, c.d_model / c.n_heads);
  if (!r.err.empty()) return make_error(r.err);
  if (c.d_head <= 0 || c.d_head > 4096) return make_error("config.json: head_dim out of range");
  if (auto e = read_rope(r, j, c, 1.0); !e) return e.error();
  if (!r.err.empty()) return make_error(r.err);
  return c;
}

Expected<ModelConfig> parse_neox(Reader& r, const Json& j, ModelConfig c) {
  c.family = Family::NeoX;
  c.vocab_size = r.integer({"vocab_size"}, 0, true);
  c.d_model = r.integer({"hidden_size"}, 0, true);
  c.n_layers = r.integer({"num_hidden_layers"}, 0, true);
  c.n_heads = r.integer({"num_attention_heads"}, 0, true);
  c.n_kv_heads = c.n_heads;
  c.d_mlp = r.integer({"intermediate_size"}, 0, true);
  c.max_positions = r.integer({"max_position_embeddings"}, 2048);
  c.norm = NormKind::LayerNorm;
  c.norm_eps = r.number({"layer_norm_eps"}, 1e-5);
  auto act = activation_of(r.string({"hidden_act"}, "gelu"));
  c.gated_mlp = false;
  c.rotary = true;
  c.parallel_residual = r.boolean({"use_parallel_residual"}, true);
  c.tied_embeddings = r.boolean({"tie_word_embeddings"}, false);
  c.attn_bias = r.boolean({"attention_bias"}, true);
  c.mlp_bias = true;
  if (!r.err.empty()) return make_error(r.err);
  if (!act) return act.error();
  c.act = *act;
  if (c.n_heads <= 0 || c.d_model % c.n_heads)
    return make_error("config.json: hidden_size " + std::to_string(c.d_model) + " is not divisible by num_attention_heads " +
                      std::to_string(c.n_heads));
  c.d_head = c.d_model / c.n_heads;
  if (auto e = read_rope(r, j, c, 0.25); !e) return e.error();
  if (!r.err.empty()) return make_error(r.err);
  return c;
}

Expected<ModelConfig> parse_averaging(Reader& r, ModelConfig c) {
  c.family = Family::Averaging;
  c.d_input = r.integer({"d_input"}, 0, true);
  c.vocab_size = c.d_input;  // the readout predicts a vector in R^d_input
  c.d_model = r.integer({"hidden_size"}, 0, true);
  c.n_layers = r.integer({"num_hidden_layers"}, 0, true);
  c.n_heads = r.integer({"num_attention_heads"}, 0, true);
  c.n_kv_heads = c.n_heads;
  c.max_positions = r.integer({"max_position_embeddings"}, 64);
  long long sep = r.integer({"sep_index"}, c.d_input);
  const long long bos = r.integer({"bos_index"}, -1), cst = r.integer({"const_index"}, -1);
  c.gated_mlp = false;
  c.rotary = false;
  // Spec amendment: a learned absolute position table (pos_embed.weight) lets layer 0
  // tell the most recent [SEP] from older ones; models without the field have none.
  const std::string pos = r.string({"position_embedding"}, "none");
  c.learned_pos = pos == "learned";
  c.d_mlp = 0;
  c.norm_eps = 0;
  if (!r.err.empty()) return make_error(r.err);
  if (pos != "none" && pos != "learned")
    return make_error("config.json: position_embedding '" + pos + "' (supported: learned, or absent)");
  if (c.d_input <= 0 || c.d_input > 4096) return make_error("config.json: d_input out of range");
  if (sep != c.d_input) return make_error("config.json: sep_index must equal d_input (the [SEP] flag follows the vector)");
  // Optional columns after the [SEP] flag, in this order: BOS flag, then the constant 1.
  c.input_width = c.d_input + 1;
  if (bos != -1) {
    if (bos != c.input_width) return make_error("config.json: bos_index must be d_input + 1");
    c.bos_index = c.input_width++;
  }
  if (cst != -1) {
    if (cst != c.input_width) return make_error("config.json: const_index must follow sep_index (and bos_index)");
    c.const_index = c.input_width++;
  }
  if (c.n_heads <= 0) return make_error("config.json: num_attention_heads must be positive");
  c.d_head = r.integer({"head_dim"}, c.d_model / c.n_heads);
  if (!r.err.empty()) return make_error(r.err);
  return c;
}

}  // namespace

Expected<ModelConfig> parse_config(std::string_view text) {
  auto parsed = json::parse(text, "config.json");
  if (!parsed) return parsed.error();
  const Json& j = *parsed;
  if (!j.is_object()) return make_error("config.json: top level must be an object");
  Reader r{j, {}};
  ModelConfig c;
  c.model_type = r.string({"model_type"}, "");
  if (!r.err.empty()) return make_error(r.err);
  if (c.model_type.empty()) return make_error("config.json: missing model_type");
  c.bos_token_id = static_cast<int>(r.integer({"bos_token_id"}, -1));
  c.eos_token_id = static_cast<int>(r.integer({"eos_token_id"}, -1));
  r.err.clear();  // eos may be a list in some checkpoints: not needed to run
  Expected<ModelConfig> out = make_error("");
  if (c.model_type == "gpt2")
    out = parse_gpt2(r, c);
  else if (c.model_type == "llama")
    out = parse_llama(r, j, c);
  else if (c.model_type == "gpt_neox")
    out = parse_neox(r, j, c);
  else if (c.model_type == "sinkscope_averaging")
    out = parse_averaging(r, c);
  else
    return make_error("config.json: unknown model_type '" + c.model_type +
                      "' (supported: gpt2, llama, gpt_neox, sinkscope_averaging)");
  if (!out) return out;
  if (auto v = validate(*out); !v) return v.error();
  return out;
}

bool uses_rope(const ModelConfig& c) {
  return c.rotary && c.family != Family::Averaging && c.family != Family::GPT2;
}

std::vector<float> rope_frequencies(const ModelConfig& c) {
  const int rot = c.rotary_dim > 0 ? c.rotary_dim : c.d_head, half = rot / 2;
  if (int(c.rope_inv_freq.size()) == half) return c.rope_inv_freq;
  std::vector<float> f(half);  // [half]
  for (int i = 0; i < half; ++i) f[i] = 1.0f / std::pow(c.rope_theta, float(2 * i) / float(rot));
  return f;
}

const char* family_name(Family f) {
  switch (f) {
    case Family::GPT2: return "gpt2";
    case Family::Llama: return "llama";
    case Family::NeoX: return "gpt_neox";
    case Family::Averaging: return "sinkscope_averaging";
  }
  return "?";
}

}  // namespace ss
