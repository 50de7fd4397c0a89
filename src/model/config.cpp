// config.json -> ModelConfig for gpt2, llama, gpt_neox, the Llama-shaped
// families (qwen2, qwen3, mistral, gemma, gemma2, phi3, olmo2), opt and our
// averaging models. Field names follow Hugging Face (transformers 4 and 5: v5
// moves rope_theta, partial_rotary_factor and rope_scaling into
// "rope_parameters"). An option the engine does not implement is refused by
// name, never ignored.
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

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

// The default inverse frequencies theta^(-2i / rot), in float like Hugging Face.
std::vector<float> default_frequencies(float theta, int rot) {
  std::vector<float> f(rot / 2);  // [rot / 2]
  for (int i = 0; i < rot / 2; ++i) f[i] = 1.0f / std::pow(theta, float(2 * i) / float(rot));
  return f;
}

// rope_type "linear": positions divided by `factor`, i.e. every frequency is.
// "llama3": long wavelengths (beyond original_max_position_embeddings /
// low_freq_factor) divided by `factor`, short ones (below .../high_freq_factor)
// kept, the band between blended smoothly. Both only rescale inv_freq, so
// they become an explicit rope_inv_freq that every backend already reads.
Expected<void> scale_rope(const std::string& type, Reader& rr, ModelConfig& c) {
  const double factor = rr.number({"factor"}, 0.0);
  if (!(factor >= 1.0)) return make_error("config.json: rope_type '" + type + "' needs a factor >= 1");
  std::vector<float> f = default_frequencies(c.rope_theta, c.rotary_dim);  // [rotary_dim / 2]
  const float fac = static_cast<float>(factor);
  if (type == "linear") {
    for (float& x : f) x /= fac;
  } else {  // llama3
    const double lo = rr.number({"low_freq_factor"}, 0.0), hi = rr.number({"high_freq_factor"}, 0.0);
    const double old_ctx = rr.number({"original_max_position_embeddings"}, 0.0);
    if (!(lo > 0 && hi > lo && old_ctx > 0))
      return make_error("config.json: rope_type 'llama3' needs low_freq_factor < high_freq_factor and original_max_position_embeddings");
    const float low_wavelen = float(old_ctx / lo), high_wavelen = float(old_ctx / hi);
    for (float& x : f) {
      const float wavelen = 6.2831853071795864f  /* 2 pi */ / x;
      const float scaled = wavelen > low_wavelen ? x / fac : x;
      if (wavelen < high_wavelen || wavelen > low_wavelen) {
        x = scaled;
        continue;
      }
      const float smooth = (float(old_ctx) / wavelen - float(lo)) / float(hi - lo);
      x = (1 - smooth) * scaled / fac + smooth * scaled;
    }
  }
  if (!rr.err.empty()) return make_error("config.json rope_parameters: " + rr.err.substr(13));
  c.rope_inv_freq = std::move(f);
  return {};
}

Expected<void> read_rope(Reader& r, const Json& j, ModelConfig& c, double default_partial) {
  double theta = r.number({"rope_theta", "rotary_emb_base"}, 10000.0);
  double partial = r.number({"partial_rotary_factor", "rotary_pct"}, default_partial);
  std::string type = "default";
  const Json* rp = rope_block(j);
  if (rp && rp->is_object()) {
    Reader rr{*rp, {}};
    theta = rr.number({"rope_theta"}, theta);
    partial = rr.number({"partial_rotary_factor"}, partial);
    type = rr.string({"rope_type", "type"}, "default");
    if (!rr.err.empty()) return make_error("config.json rope_parameters: " + rr.err.substr(13));
    if (type != "default" && type != "linear" && type != "llama3")
      return make_error("config.json: rope_type '" + type + "' is not supported (supported: default, linear, llama3)");
  } else if (rp) {
    return make_error("config.json: rope_parameters / rope_scaling must be an object");
  }
  if (!(theta > 0)) return make_error("config.json: rope_theta must be positive");
  if (!(partial > 0 && partial <= 1)) return make_error("config.json: partial rotary factor must be in (0, 1]");
  c.rope_theta = static_cast<float>(theta);
  c.rotary_dim = static_cast<int>(c.d_head * partial);  // HF truncates: int(head_size * rotary_pct)
  if (type != "default") {
    if (c.rotary_dim < 2 || c.rotary_dim % 2) return make_error("config.json: rotary dim must be even and at least 2");
    Reader rr{*rp, {}};
    return scale_rope(type, rr, c);
  }
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
  if (!c.layer_window.empty() && static_cast<int>(c.layer_window.size()) != c.n_layers)
    return make_error("config.json: layer_types has " + std::to_string(c.layer_window.size()) + " entries for " +
                      std::to_string(c.n_layers) + " layers");
  for (int w : c.layer_window)
    if (w < 0) return make_error("config.json: sliding_window must be positive");
  if (!(c.attn_softcap >= 0 && c.final_softcap >= 0 && c.attn_scale >= 0 && c.embed_scale > 0))
    return make_error("config.json: softcapping and query_pre_attn_scalar must be positive");
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

// Whether config.json spells `key` as an explicit null (Gemma 2: a null
// softcapping turns it off, where an absent one means the default).
bool is_null(const Json& j, const char* key) { return j.contains(key) && j[key].is_null(); }

// Sliding windows per layer. transformers 5 writes layer_types
// ("sliding_attention" / "full_attention"); older configs imply them: Mistral
// and Phi-3 slide every layer when sliding_window is set, Qwen2/3 only with
// use_sliding_window and from layer max_window_layers on, Gemma 2 every even
// layer.
Expected<void> read_windows(Reader& r, const Json& j, ModelConfig& c) {
  // An absent sliding_window is transformers' default (4096 for Mistral,
  // Qwen2/3 and Gemma 2); an explicit null means none.
  const bool has_default = c.family == Family::Mistral || c.family == Family::Qwen2 || c.family == Family::Qwen3 ||
                           c.family == Family::Gemma2;
  const long long window = is_null(j, "sliding_window") ? 0 : r.integer({"sliding_window"}, has_default ? 4096 : 0);
  if (!r.err.empty()) return make_error(r.err);
  c.layer_window.assign(c.n_layers > 0 && c.n_layers <= 1024 ? c.n_layers : 0, 0);
  if (const Json* lt = json::find(j, {"layer_types"})) {
    if (!lt->is_array()) return make_error("config.json: layer_types must be a list");
    c.layer_window.assign(lt->size(), 0);
    for (size_t i = 0; i < lt->size(); ++i) {
      const Json& t = (*lt)[i];
      const std::string name = t.is_string() ? t.get<std::string>() : t.dump();
      if (name == "sliding_attention") {
        if (window <= 0) return make_error("config.json: layer_types names sliding_attention but sliding_window is not set");
        c.layer_window[i] = static_cast<int>(window);
      } else if (name != "full_attention") {
        return make_error("config.json: layer type '" + name + "' is not supported (supported: full_attention, sliding_attention)");
      }
    }
    return {};
  }
  if (window <= 0) return {};
  if (c.family == Family::Mistral || c.family == Family::Phi3) {
    std::fill(c.layer_window.begin(), c.layer_window.end(), static_cast<int>(window));
  } else if (c.family == Family::Qwen2 || c.family == Family::Qwen3) {
    if (!r.boolean({"use_sliding_window"}, false)) return {};
    const long long from = r.integer({"max_window_layers"}, 0);
    for (int l = 0; l < static_cast<int>(c.layer_window.size()); ++l)
      if (l >= from) c.layer_window[l] = static_cast<int>(window);
  } else if (c.family == Family::Gemma2) {
    for (int l = 0; l < static_cast<int>(c.layer_window.size()); l += 2) c.layer_window[l] = static_cast<int>(window);
  }
  if (!r.err.empty()) return make_error(r.err);
  return {};
}

// The Llama-shaped families: RMSNorm, gated MLP, RoPE, GQA, each with its
// own switches (docs/families.md):
//   llama    attention_bias, mlp_bias, and the twins' attention_gate / attention_sink_logit
//   qwen2    biases on q, k, v (not o); sliding windows (use_sliding_window)
//   qwen3    per-head RMSNorm on q and k; head_dim decoupled
//   mistral  sliding_window on every layer
//   gemma    GeGLU (tanh GELU), RMSNorm (1 + w), embeddings * sqrt(d), head_dim decoupled
//   gemma2   gemma + post norms, softcapping, query_pre_attn_scalar, sliding / global layers
//   phi3     fused qkv_proj and gate_up_proj, partial rotary, sliding_window
//   olmo2    no pre-norms: RMSNorm after attention and MLP, q/k RMSNorm over the whole projection
// The shape fields Hugging Face's Llama-, NeoX- and OPT-style configs share
// (the MLP width under `mlp_field`); key-value heads default to the heads.
void read_shape(Reader& r, ModelConfig& c, const char* mlp_field) {
  c.vocab_size = r.integer({"vocab_size"}, 0, true);
  c.d_model = r.integer({"hidden_size"}, 0, true);
  c.n_layers = r.integer({"num_hidden_layers"}, 0, true);
  c.n_heads = r.integer({"num_attention_heads"}, 0, true);
  c.n_kv_heads = r.integer({"num_key_value_heads"}, c.n_heads);
  c.d_mlp = r.integer({mlp_field}, 0, true);
  c.max_positions = r.integer({"max_position_embeddings"}, 2048);
}

// d_head = hidden_size / num_attention_heads, refused when it does not divide.
Expected<void> head_width_from_heads(ModelConfig& c) {
  if (c.n_heads <= 0 || c.d_model % c.n_heads)
    return make_error("config.json: hidden_size " + std::to_string(c.d_model) + " is not divisible by num_attention_heads " +
                      std::to_string(c.n_heads));
  c.d_head = c.d_model / c.n_heads;
  return {};
}

Expected<ModelConfig> parse_llama(Reader& r, const Json& j, ModelConfig c, Family f) {
  c.family = f;
  const bool gemma = f == Family::Gemma || f == Family::Gemma2;
  read_shape(r, c, "intermediate_size");
  c.norm = NormKind::RMSNorm;
  c.norm_eps = r.number({"rms_norm_eps"}, 1e-6);
  // Gemma names its MLP activation hidden_activation (hidden_act is legacy).
  auto act = activation_of(gemma ? r.string({"hidden_activation", "hidden_act"}, "gelu_pytorch_tanh")
                                 : r.string({"hidden_act"}, "silu"));
  c.gated_mlp = true;
  c.learned_pos = false;
  c.rotary = true;
  c.tied_embeddings = r.boolean({"tie_word_embeddings"}, gemma);
  // Qwen2 always has q/k/v biases (and never an o bias): the mapper loads them.
  c.attn_bias = f == Family::Qwen2 || ((f == Family::Llama || f == Family::Qwen3 || f == Family::Olmo2 || gemma) &&
                                       r.boolean({"attention_bias"}, false));
  c.mlp_bias = f == Family::Llama && r.boolean({"mlp_bias"}, false);
  if (f != Family::Llama && f != Family::Qwen3 && f != Family::Olmo2 && !gemma && f != Family::Qwen2 &&
      r.boolean({"attention_bias"}, false))
    r.fail("config.json: attention_bias is not supported for " + std::string(family_name(f)));
  const std::string gate = f == Family::Llama ? r.string({"attention_gate"}, "") : "";
  if (!gate.empty() && gate != "sigmoid_headwise")
    r.fail("config.json: attention_gate '" + gate + "' is not supported (only sigmoid_headwise)");
  c.attn_gate = gate == "sigmoid_headwise";
  c.attn_sink_logit = f == Family::Llama && r.boolean({"attention_sink_logit"}, false);
  if (f == Family::Qwen3) c.qk_norm = QkNorm::PerHead;
  if (f == Family::Olmo2) c.qk_norm = QkNorm::Whole, c.post_norms = true;
  if (gemma) c.embed_scale = static_cast<float>(std::sqrt(double(c.d_model)));
  if (f == Family::Gemma2) {
    c.post_norms = true;
    const double qpas = r.number({"query_pre_attn_scalar"}, 256.0);
    if (!(qpas > 0)) r.fail("config.json: query_pre_attn_scalar must be positive");
    else c.attn_scale = static_cast<float>(std::pow(qpas, -0.5));
    c.attn_softcap = is_null(j, "attn_logit_softcapping") ? 0.0f : float(r.number({"attn_logit_softcapping"}, 50.0));
    c.final_softcap = is_null(j, "final_logit_softcapping") ? 0.0f : float(r.number({"final_logit_softcapping"}, 30.0));
  }
  if (!r.err.empty()) return make_error(r.err);
  if (!act) return act.error();
  c.act = *act;
  if (c.n_heads <= 0) return make_error("config.json: num_attention_heads must be positive");
  // Absent head_dim: Qwen3 and Gemma default to 128 / 256, the rest to d / H.
  const long long dh_default = f == Family::Qwen3 ? 128 : gemma ? 256 : c.d_model / c.n_heads;
  c.d_head = r.integer({"head_dim"}, dh_default);
  if (!r.err.empty()) return make_error(r.err);
  if (c.d_head <= 0 || c.d_head > 4096) return make_error("config.json: head_dim out of range");
  if (auto e = read_rope(r, j, c, 1.0); !e) return e.error();
  if (auto e = read_windows(r, j, c); !e) return e.error();
  if (!r.err.empty()) return make_error(r.err);
  return c;
}

// OPT: learned positions read at t + 2 (the table has two extra rows), ReLU,
// pre-LN (do_layer_norm_before; OPT-350m's post-LN is refused), biases.
Expected<ModelConfig> parse_opt(Reader& r, ModelConfig c) {
  c.family = Family::OPT;
  read_shape(r, c, "ffn_dim");
  c.n_kv_heads = c.n_heads;  // no GQA
  c.norm = NormKind::LayerNorm;
  c.norm_eps = 1e-5f;  // OPT's nn.LayerNorm default; config.json has no field for it
  auto act = activation_of(r.string({"activation_function"}, "relu"));
  c.gated_mlp = false;
  c.learned_pos = true;
  c.pos_offset = 2;
  c.rotary = false;
  c.tied_embeddings = r.boolean({"tie_word_embeddings"}, true);
  c.attn_bias = c.mlp_bias = r.boolean({"enable_bias"}, true);
  if (!r.boolean({"do_layer_norm_before"}, true))
    r.fail("config.json: do_layer_norm_before false (post-LN OPT) is not supported");
  if (!r.boolean({"layer_norm_elementwise_affine"}, true))
    r.fail("config.json: layer_norm_elementwise_affine false is not supported");
  if (r.boolean({"_remove_final_layer_norm"}, false)) r.fail("config.json: _remove_final_layer_norm is not supported");
  const long long proj = r.integer({"word_embed_proj_dim"}, c.d_model);
  if (r.err.empty() && proj != c.d_model)
    r.fail("config.json: word_embed_proj_dim " + std::to_string(proj) + " != hidden_size (project_in/out) is not supported");
  if (!r.err.empty()) return make_error(r.err);
  if (!act) return act.error();
  c.act = *act;
  if (auto e = head_width_from_heads(c); !e) return e.error();
  return c;
}

Expected<ModelConfig> parse_neox(Reader& r, const Json& j, ModelConfig c) {
  c.family = Family::NeoX;
  read_shape(r, c, "intermediate_size");
  c.n_kv_heads = c.n_heads;  // no GQA
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
  if (auto e = head_width_from_heads(c); !e) return e.error();
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
  // Families in Llama's layout, each with what it adds (parse_llama reads them).
  static constexpr std::pair<std::string_view, Family> kLlamaLayout[] = {
      {"llama", Family::Llama}, {"qwen2", Family::Qwen2},   {"qwen3", Family::Qwen3}, {"mistral", Family::Mistral},
      {"gemma", Family::Gemma}, {"gemma2", Family::Gemma2}, {"phi3", Family::Phi3},   {"olmo2", Family::Olmo2}};
  Expected<ModelConfig> out = make_error("");
  const auto llama_like = std::find_if(std::begin(kLlamaLayout), std::end(kLlamaLayout),
                                       [&](const auto& e) { return e.first == c.model_type; });
  if (llama_like != std::end(kLlamaLayout))
    out = parse_llama(r, j, c, llama_like->second);
  else if (c.model_type == "gpt2")
    out = parse_gpt2(r, c);
  else if (c.model_type == "opt")
    out = parse_opt(r, c);
  else if (c.model_type == "gpt_neox")
    out = parse_neox(r, j, c);
  else if (c.model_type == "sinkscope_averaging")
    out = parse_averaging(r, c);
  else
    return make_error("config.json: unknown model_type '" + c.model_type +
                      "' (supported: gpt2, llama, gpt_neox, qwen2, qwen3, mistral, gemma, gemma2, phi3, olmo2, opt, "
                      "sinkscope_averaging)");
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
  return default_frequencies(c.rope_theta, rot);  // [half]
}

int attention_window(const ModelConfig& c, int l) {
  return l >= 0 && l < static_cast<int>(c.layer_window.size()) ? c.layer_window[l] : 0;
}

float attention_scale(const ModelConfig& c) {
  return c.attn_scale > 0 ? c.attn_scale : 1.0f / std::sqrt(static_cast<float>(c.d_head));
}

const char* family_name(Family f) {
  switch (f) {
    case Family::GPT2: return "gpt2";
    case Family::Llama: return "llama";
    case Family::NeoX: return "gpt_neox";
    case Family::Averaging: return "sinkscope_averaging";
    case Family::Qwen2: return "qwen2";
    case Family::Qwen3: return "qwen3";
    case Family::Mistral: return "mistral";
    case Family::Gemma: return "gemma";
    case Family::Gemma2: return "gemma2";
    case Family::Phi3: return "phi3";
    case Family::Olmo2: return "olmo2";
    case Family::OPT: return "opt";
  }
  return "?";
}

}  // namespace ss
