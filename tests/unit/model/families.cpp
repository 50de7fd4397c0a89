// The newer families (qwen2, qwen3, mistral, gemma, gemma2, phi3, olmo2, opt),
// RoPE scaling and sharded checkpoints. Where a family reduces to a tiny
// transformers-checked one (support/family_fixtures.h), its outputs must equal
// that golden to 1e-4; the rest is checked by what the family's extra step
// must make true of the taps (norms, windows, caps), recomputed here by hand.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "core/tensor_storage.h"
#include "model/safetensors_index.h"
#include "support/family_fixtures.h"

using namespace ss;
using namespace ss::testing;
using Catch::Contains;

namespace {

Model load_ok(const Ckpt& c) {
  auto m = c.load();
  INFO((m ? "" : m.error().message));
  REQUIRE(m.ok());
  return std::move(*m);
}

Taps forward_all(const Model& m, const std::vector<int32_t>& ids) {
  Taps taps;
  auto r = make_cpu_backend()->forward(m, ids, {}, {}, taps);
  INFO((r ? "" : r.error().message));
  REQUIRE(r.ok());
  return taps;
}

std::vector<int32_t> golden_ids(const std::string& family, int s = 2) {
  return as_ids(load_golden(family).get("seq" + std::to_string(s) + ".ids"));
}

// sqrt(mean(x^2)) of n floats.
double rms(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += double(x[i]) * x[i];
  return std::sqrt(s / n);
}

std::string error_of(const Expected<Model>& m) { return m ? std::string("(loaded)") : m.error().message; }

}  // namespace

TEST_CASE("families reduce to transformers-checked ones: mistral (window past the input) = llama", "[families][golden]") {
  check_against_golden(load_ok(mistral_of_llama(64)), "llama");
}

TEST_CASE("families reduce to transformers-checked ones: phi3 fused qkv_proj / gate_up_proj = llama", "[families][golden]") {
  Model m = load_ok(phi3_of_llama());
  CHECK(m.config.family == Family::Phi3);
  check_against_golden(m, "llama");
}

TEST_CASE("families reduce to transformers-checked ones: qwen2 (tied, zero q/k/v biases) = llama tied f16", "[families][golden]") {
  check_against_golden(load_ok(qwen2_of_llama(0.0f)), "llama_tied_f16");
  // The biases are read: non-zero ones move the logits.
  Model biased = load_ok(qwen2_of_llama(0.3f));
  CHECK(biased.weights.layers[0].bq.numel() == 32);
  CHECK(biased.weights.layers[0].bo.numel() == 0);  // Qwen2 has no o_proj bias
  const std::vector<int32_t> ids = golden_ids("llama_tied_f16");
  CHECK(max_abs_diff(*forward_all(biased, ids).get("logits"), load_golden("llama_tied_f16").get("seq2.logits")) > 1e-3);
}

TEST_CASE("families reduce to transformers-checked ones: gemma (1 + w norms, sqrt(d) embeddings) = llama", "[families][golden]") {
  Model m = load_ok(gemma_of_llama());
  CHECK(m.config.embed_scale == Approx(std::sqrt(32.0)));
  check_against_golden(m, "llama");
}

TEST_CASE("families reduce to transformers-checked ones: opt (positions at t + 2) = gpt2", "[families][golden]") {
  Model m = load_ok(opt_of_gpt2());
  CHECK(m.config.pos_offset == 2);
  check_against_golden(m, "gpt2");
}

TEST_CASE("sliding window: a query sees only the last `sliding_window` keys", "[families][window]") {
  const int W = 5;
  Model m = load_ok(mistral_of_llama(W));
  const std::vector<int32_t> ids = golden_ids("llama");  // 16 tokens
  const int64_t T = static_cast<int64_t>(ids.size());
  REQUIRE(T > W);
  Taps taps = forward_all(m, ids);
  for (int l = 0; l < m.config.n_layers; ++l) {
    CHECK(attention_window(m.config, l) == W);
    const Tensor& S = *taps.get(l, "attn_scores");
    const Tensor& P = *taps.get(l, "attn_pattern");
    for (int64_t h = 0; h < m.config.n_heads; ++h)
      for (int64_t i = 0; i < T; ++i) {
        double sum = 0;
        for (int64_t j = 0; j < T; ++j) {
          const bool seen = j <= i && i - j < W;
          INFO("layer " << l << " head " << h << " query " << i << " key " << j);
          if (!seen) {
            CHECK(std::isinf(S.at(h, i, j)));
            CHECK(P.at(h, i, j) == 0.0f);
          } else {
            CHECK(std::isfinite(S.at(h, i, j)));
          }
          sum += P.at(h, i, j);
        }
        CHECK(sum == Approx(1.0).epsilon(1e-5));
      }
  }
  // Layer 0's first W query rows see everything they would without a window.
  const Tensor ref = load_golden("llama").get("seq2.attn.0");  // [H, T, T]
  const Tensor& P0 = *taps.get(0, "attn_pattern");
  double worst = 0;
  for (int64_t h = 0; h < m.config.n_heads; ++h)
    for (int64_t i = 0; i < W; ++i)
      for (int64_t j = 0; j < T; ++j) worst = std::max(worst, std::fabs(double(P0.at(h, i, j)) - ref.at(h, i, j)));
  CHECK(worst <= 1e-4);
  // ...and a later row differs (the window cut keys it attended to).
  double later = 0;
  for (int64_t j = 0; j < T; ++j) later = std::max(later, std::fabs(double(P0.at(0, T - 1, j)) - ref.at(0, T - 1, j)));
  CHECK(later > 1e-4);
}

TEST_CASE("qwen3: q and k are RMS-normed per head before RoPE", "[families]") {
  Ckpt c = qwen3_of_llama();
  for (int l = 0; l < 2; ++l)
    for (const char* n : {"self_attn.q_norm.weight", "self_attn.k_norm.weight"})
      std::fill(c.at(layer(l, n)).data.begin(), c.at(layer(l, n)).data.end(), 1.0f);
  Model m = load_ok(c);
  CHECK(m.config.qk_norm == QkNorm::PerHead);
  Taps taps = forward_all(m, golden_ids("llama"));
  // RoPE rotates pairs, so each head's q and k keep RMS 1 (weights 1).
  for (const char* what : {"q", "k"}) {
    const Tensor& t = *taps.get(1, what);  // [T, heads, dh]
    for (int64_t i = 0; i < t.dim(0) * t.dim(1); ++i) CHECK(rms(t.ptr() + i * 8, 8) == Approx(1.0).epsilon(1e-4));
  }
  // With the loaded (non-unit) weights the model still runs and differs.
  Model w = load_ok(qwen3_of_llama());
  CHECK(max_abs_diff(*forward_all(w, golden_ids("llama")).get("logits"), *taps.get("logits")) > 1e-4);
}

TEST_CASE("olmo2: no pre-norms, post-norms on attn_out and mlp_out, q/k norm over the whole projection", "[families]") {
  Ckpt c = olmo2_of_llama();
  for (int l = 0; l < 2; ++l)
    for (const char* n : {"self_attn.q_norm.weight", "self_attn.k_norm.weight", "post_attention_layernorm.weight"})
      std::fill(c.at(layer(l, n)).data.begin(), c.at(layer(l, n)).data.end(), 1.0f);
  Model m = load_ok(c);
  CHECK(m.config.qk_norm == QkNorm::Whole);
  CHECK(m.weights.layers[0].ln1_w.numel() == 0);
  Taps taps = forward_all(m, golden_ids("llama"));
  const int64_t T = taps.get("logits")->dim(0);
  for (int l = 0; l < 2; ++l) {
    // ln1 is the identity: attention reads the stream itself.
    CHECK(max_abs_diff(*taps.get(l, "ln1"), *taps.get(l, "resid_pre")) == 0.0);
    // q over all heads (and k over all kv heads) has RMS 1.
    for (int64_t t = 0; t < T; ++t) {
      CHECK(rms(taps.get(l, "q")->ptr() + t * 32, 32) == Approx(1.0).epsilon(1e-4));
      CHECK(rms(taps.get(l, "k")->ptr() + t * 16, 16) == Approx(1.0).epsilon(1e-4));
    }
    // resid_mid - resid_pre = RMSNorm(attn_out) with weight 1: RMS 1.
    for (int64_t t = 0; t < T; ++t) {
      std::vector<float> delta(32);
      for (int j = 0; j < 32; ++j) delta[j] = taps.get(l, "resid_mid")->at(t, j) - taps.get(l, "resid_pre")->at(t, j);
      CHECK(rms(delta.data(), 32) == Approx(1.0).epsilon(1e-3));
    }
  }
}

TEST_CASE("gemma2: soft-capped scores and logits, query_pre_attn_scalar, post norms, sliding then global layer", "[families]") {
  Model m = load_ok(gemma2_of_llama());
  const ModelConfig& c = m.config;
  CHECK(c.attn_softcap == 5.0f);
  CHECK(c.final_softcap == 3.0f);
  CHECK(attention_window(c, 0) == 5);
  CHECK(attention_window(c, 1) == 0);
  const std::vector<int32_t> ids = golden_ids("llama");
  const int64_t T = static_cast<int64_t>(ids.size());
  Taps taps = forward_all(m, ids);
  // Scores: 5 tanh(q.k / sqrt(24) / 5), recomputed from the q and k taps.
  for (int l = 0; l < 2; ++l) {
    const Tensor &q = *taps.get(l, "q"), &k = *taps.get(l, "k"), &S = *taps.get(l, "attn_scores");
    double worst = 0;
    for (int64_t h = 0; h < c.n_heads; ++h)
      for (int64_t i = 0; i < T; ++i)
        for (int64_t j = 0; j <= i; ++j) {
          if (l == 0 && i - j >= 5) {
            CHECK(std::isinf(S.at(h, i, j)));
            continue;
          }
          double dot = 0;
          for (int64_t e = 0; e < c.d_head; ++e) dot += double(q.at(i, h, e)) * k.at(j, h / 2, e);
          worst = std::max(worst, std::fabs(5.0 * std::tanh(dot / std::sqrt(24.0) / 5.0) - S.at(h, i, j)));
        }
    CHECK(worst <= 1e-4);
  }
  CHECK(taps.get(1, "attn_pattern")->at(0, T - 1, 0) > 0.0f);  // the global layer sees the first token
  // Logits: 3 tanh(raw / 3), raw = ln_final W_U^T.
  const Tensor &lnf = *taps.get("ln_final"), &logits = *taps.get("logits");
  const Tensor WU = to_f32(m.weights.lm_head);  // [V, d] (loaded 16-bit)
  double worst = 0;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t v = 0; v < c.vocab_size; ++v) {
      double raw = 0;
      for (int64_t j = 0; j < c.d_model; ++j) raw += double(lnf.at(t, j)) * WU.at(v, j);
      worst = std::max(worst, std::fabs(3.0 * std::tanh(raw / 3.0) - logits.at(t, v)));
    }
  CHECK(worst <= 1e-4);
  // resid_post - resid_mid = RMSNorm(mlp_out) * (1 + w): the post-feedforward norm.
  const Tensor& w = m.weights.layers[1].post_mlp_norm;  // holds 1 + w already
  worst = 0;
  for (int64_t t = 0; t < T; ++t) {
    const float* o = taps.get(1, "mlp_out")->ptr() + t * 32;
    const double r = std::sqrt(std::pow(rms(o, 32), 2) + c.norm_eps);
    for (int j = 0; j < 32; ++j)
      worst = std::max(worst, std::fabs(o[j] / r * w.data[j] -
                                        (taps.get(1, "resid_post")->at(t, j) - taps.get(1, "resid_mid")->at(t, j))));
  }
  CHECK(worst <= 1e-4);
}

TEST_CASE("rope scaling: linear and llama3 rescale the frequencies; the rest is refused by name", "[families][rope]") {
  nlohmann::json j = ckpt_of("llama").config;  // head_dim 8, theta 10000
  j["rope_parameters"] = {{"rope_type", "linear"}, {"factor", 4.0}, {"rope_theta", 10000.0}};
  auto c = parse_config(j.dump());
  REQUIRE(c.ok());
  REQUIRE(c->rope_inv_freq.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK(c->rope_inv_freq[i] == Approx(std::pow(10000.0, -2.0 * i / 8) / 4).epsilon(1e-6));
  // llama3 (head_dim 16, theta 500, original context 32): wavelengths below
  // 8 kept, above 32 divided by 8, between blended.
  j["head_dim"] = 16;
  j["rope_parameters"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                          {"original_max_position_embeddings", 32}, {"rope_theta", 500.0}};
  j["num_key_value_heads"] = 4;
  c = parse_config(j.dump());
  REQUIRE(c.ok());
  REQUIRE(c->rope_inv_freq.size() == 8);
  int kept = 0, divided = 0, blended = 0;
  for (int i = 0; i < 8; ++i) {
    const double f = std::pow(500.0, -2.0 * i / 16), wl = 6.283185307179586 / f;
    double want = f;
    if (wl > 32) want = f / 8, ++divided;
    else if (wl < 8) ++kept;
    else {
      const double s = (32 / wl - 1) / 3;
      want = (1 - s) * f / 8 + s * f, ++blended;
    }
    CHECK(c->rope_inv_freq[i] == Approx(want).epsilon(1e-5));
  }
  CHECK(kept >= 1);
  CHECK(divided >= 1);
  CHECK(blended >= 1);
  for (const char* type : {"dynamic", "yarn", "longrope", "su"}) {
    j["rope_parameters"] = {{"rope_type", type}, {"factor", 2.0}};
    auto bad = parse_config(j.dump());
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Contains(type) && Contains("not supported"));
  }
  // A model with linear scaling runs (the engine reads rope_inv_freq).
  Ckpt lin = ckpt_of("llama");
  lin.config["rope_parameters"] = {{"rope_type", "linear"}, {"factor", 2.0}, {"rope_theta", 10000.0}};
  Model m = load_ok(lin);
  CHECK(max_abs_diff(*forward_all(m, golden_ids("llama")).get("logits"), load_golden("llama").get("seq2.logits")) > 1e-4);
}

TEST_CASE("family configs: options the engine lacks are refused by name", "[families][config]") {
  auto refused = [](nlohmann::json j, const std::string& what) {
    auto c = parse_config(j.dump());
    INFO(j.dump());
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error().message, Contains(what));
  };
  refused(nlohmann::json{{"model_type", "gemma3_text"}}, "unknown model_type 'gemma3_text'");
  nlohmann::json opt = opt_of_gpt2().config;
  CHECK(parse_config(opt.dump()).ok());
  opt["do_layer_norm_before"] = false;
  refused(opt, "do_layer_norm_before");
  opt = opt_of_gpt2().config;
  opt["word_embed_proj_dim"] = 16;
  refused(opt, "word_embed_proj_dim");
  nlohmann::json g2 = gemma2_of_llama().config;
  g2["layer_types"] = {"sliding_attention", "chunked_attention"};
  refused(g2, "chunked_attention");
  g2["layer_types"] = {"sliding_attention"};
  refused(g2, "layer_types");
  g2 = gemma2_of_llama().config;
  g2["hidden_activation"] = "gelu_quick";
  refused(g2, "gelu_quick");
  nlohmann::json mi = mistral_of_llama(5).config;
  mi["attention_bias"] = true;
  refused(mi, "attention_bias");
  // Gemma 2: an explicit null turns soft-capping off; absent means the defaults.
  g2 = gemma2_of_llama().config;
  g2["attn_logit_softcapping"] = nullptr;
  g2.erase("final_logit_softcapping");
  auto c = parse_config(g2.dump());
  REQUIRE(c.ok());
  CHECK(c->attn_softcap == 0.0f);
  CHECK(c->final_softcap == 30.0f);
  // Mistral: an absent sliding_window is transformers' default 4096, null is none.
  nlohmann::json mw = mistral_of_llama(5).config;
  mw.erase("sliding_window");
  CHECK(attention_window(*parse_config(mw.dump()), 0) == 4096);
  mw["sliding_window"] = nullptr;
  CHECK(attention_window(*parse_config(mw.dump()), 0) == 0);
  // Qwen2 slides only with use_sliding_window, from max_window_layers on.
  nlohmann::json q = qwen2_of_llama(0).config;
  q["sliding_window"] = 4;
  CHECK(attention_window(*parse_config(q.dump()), 1) == 0);
  q["use_sliding_window"] = true;
  q["max_window_layers"] = 1;
  c = parse_config(q.dump());
  REQUIRE(c.ok());
  CHECK(attention_window(*c, 0) == 0);
  CHECK(attention_window(*c, 1) == 4);
  // The CPU backend claims every family; the names round-trip.
  for (Family f : {Family::Qwen2, Family::Qwen3, Family::Mistral, Family::Gemma, Family::Gemma2, Family::Phi3,
                   Family::Olmo2, Family::OPT})
    CHECK(make_cpu_backend()->capabilities().runs(f));
  CHECK(std::string(family_name(Family::Olmo2)) == "olmo2");
}

// ---------------------------------------------------------------------------
// Sharded checkpoints

namespace {

namespace fs = std::filesystem;

// A fresh folder under the temp dir, removed with the object.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("sinkscope-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name, std::ios::binary) << text; }
  void write(const std::string& name, const std::vector<uint8_t>& bytes) const {
    std::ofstream(path / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
};

// tests/data/tiny/llama split as save_pretrained(max_shard_size=...) does:
// two shard files and an index mapping each tensor to its shard.
struct Sharded {
  Ckpt ckpt = ckpt_of("llama");
  std::vector<std::string> first, second;  // tensor names per shard
  nlohmann::json index;
  Sharded() {
    for (const auto& kv : ckpt.tensors) (kv.first < "model.layers.1" ? first : second).push_back(kv.first);
    index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
    for (const auto& n : first) index["weight_map"][n] = "model-00001-of-00002.safetensors";
    for (const auto& n : second) index["weight_map"][n] = "model-00002-of-00002.safetensors";
  }
  void write(const TempDir& d) const {
    d.write("config.json", ckpt.config.dump());
    d.write("model.safetensors.index.json", index.dump());
    d.write("model-00001-of-00002.safetensors", ckpt.safetensors(first));
    d.write("model-00002-of-00002.safetensors", ckpt.safetensors(second));
  }
};

}  // namespace

TEST_CASE("sharded safetensors: index + two shards load through load_model_dir and match the golden", "[families][sharded][golden]") {
  TempDir d("sharded");
  Sharded s;
  REQUIRE(!s.first.empty());
  REQUIRE(!s.second.empty());
  s.write(d);
  auto m = load_model_dir(d.path.string());
  INFO(error_of(m));
  REQUIRE(m.ok());
  check_against_golden(*m, "llama");
}

TEST_CASE("sharded safetensors: every broken folder is refused with a message naming the problem", "[families][sharded]") {
  auto fails = [](const TempDir& d, const std::string& what) {
    auto m = load_model_dir(d.path.string());
    INFO(error_of(m));
    REQUIRE_FALSE(m.ok());
    CHECK_THAT(m.error().message, Contains(what));
  };
  SECTION("missing shard") {
    TempDir d("shard-missing");
    Sharded s;
    s.write(d);
    fs::remove(d.path / "model-00002-of-00002.safetensors");
    fails(d, "model-00002-of-00002.safetensors', which is missing");
  }
  SECTION("tensor in two shards") {
    TempDir d("shard-twice");
    Sharded s;
    s.second.push_back(s.first.front());  // also written into shard 2
    s.write(d);
    fails(d, "'" + s.first.front() + "' is in two shards");
  }
  SECTION("shard missing a listed tensor") {
    TempDir d("shard-lacks");
    Sharded s;
    const std::string moved = s.second.back();
    s.index["weight_map"][moved] = "model-00001-of-00002.safetensors";  // the index says shard 1, the bytes are in 2
    s.write(d);
    fails(d, "places tensor '" + moved + "' in 'model-00001-of-00002.safetensors', which does not hold it");
  }
  SECTION("bad JSON") {
    TempDir d("shard-json");
    Sharded s;
    s.write(d);
    d.write("model.safetensors.index.json", std::string("{\"weight_map\": {\"a\": "));
    fails(d, "model.safetensors.index.json");
  }
  SECTION("a shard name that leaves the folder") {
    TempDir d("shard-path");
    Sharded s;
    s.index["weight_map"][s.first.front()] = "../model-00001-of-00002.safetensors";
    s.write(d);
    fails(d, "same folder");
  }
  SECTION("a tensor the index omits is still found; one the shards lack is named by the mapper") {
    TempDir d("shard-short");
    Sharded s;
    s.second.pop_back();  // dropped from the file, and from the index too
    s.index["weight_map"].erase(s.ckpt.tensors.rbegin()->first);
    s.write(d);
    fails(d, "is missing from the checkpoint");
  }
}

TEST_CASE("a folder with only pytorch_model.bin is refused with how to convert it", "[families][sharded]") {
  TempDir d("bin");
  d.write("config.json", ckpt_of("llama").config.dump());
  d.write("pytorch_model.bin", std::string("PK\x03\x04 not read"));
  auto m = load_model_dir(d.path.string());
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().message, Contains("pytorch_model.bin") && Contains("save_pretrained") && Contains("safe_serialization=True"));
}

TEST_CASE("safetensors index parser: shape of the file", "[families][sharded]") {
  auto idx = parse_safetensors_index(R"({"metadata": {"total_size": 8}, "weight_map": {"a": "s2.safetensors", "b": "s1.safetensors", "c": "s2.safetensors"}})");
  REQUIRE(idx.ok());
  CHECK(idx->shards == std::vector<std::string>{"s1.safetensors", "s2.safetensors"});
  CHECK(idx->tensor_shard.at("a") == 1);
  CHECK(idx->tensor_shard.at("b") == 0);
  auto twice = parse_safetensors_index(R"({"metadata": {"b": 1, "b": 2}, "weight_map": {"a": "s1.safetensors", "a": "s2.safetensors"}})");
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.error().message, Contains("tensor 'a' is listed twice"));
  for (const char* bad : {"[]", "{}", R"({"weight_map": []})", R"({"weight_map": {}})", R"({"weight_map": {"a": 3}})",
                          R"({"weight_map": {"a": "/etc/passwd.safetensors"}})", R"({"weight_map": {"a": "x.bin"}})",
                          R"({"weight_map": {"a": ".safetensors"}})", R"({"weight_map": {"a": "..\\x.safetensors"}})"}) {
    INFO(bad);
    CHECK_FALSE(parse_safetensors_index(bad).ok());
  }
}
