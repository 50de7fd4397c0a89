// Parity with Hugging Face transformers (tests/data/tiny, made by
// training/make_tiny_golden.py): logits, attention patterns and hidden states
// to 1e-4 for every family, GQA, partial rotary, parallel residual, tied
// embeddings and F16/BF16 storage.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "engine/backend.h"
#include "support/engine_util.h"

using namespace ss;
using namespace ss::testing;

static void check_family(const std::string& family) {
  auto model = load_model_dir(tiny_dir(family));
  INFO("loading " << family << ": " << (model ? "ok" : model.error().message));
  REQUIRE(model.ok());
  Golden g = load_golden(family);
  REQUIRE(g.st.entries().size() > 0);
  const int L = model->config.n_layers;
  auto backend = make_cpu_backend();
  for (int s = 0; s < 3; ++s) {
    const std::string p = "seq" + std::to_string(s) + ".";
    Taps taps;
    Tensor inputs;
    std::vector<int32_t> ids;
    if (model->config.family == Family::Averaging) {
      inputs = g.get(p + "inputs");
      REQUIRE(inputs.rank() == 2);
      auto r = backend->forward_inputs(*model, inputs, {}, {}, taps);
      INFO(family << " seq " << s << ": " << (r ? "" : r.error().message));
      REQUIRE(r.ok());
    } else {
      ids = as_ids(g.get(p + "ids"));
      REQUIRE(!ids.empty());
      auto r = backend->forward(*model, ids, {}, {}, taps);
      INFO(family << " seq " << s << ": " << (r ? "" : r.error().message));
      REQUIRE(r.ok());
    }
    INFO(family << " seq " << s);
    // Averaging models (no norms) are compared relative to their scale.
    auto diff = [&](const Tensor& a, const Tensor& ref) {
      return model->config.family == Family::Averaging ? max_scaled_diff(a, ref) : max_abs_diff(a, ref);
    };
    CHECK(diff(*taps.get("logits"), g.get(p + "logits")) <= 1e-4);
    for (int l = 0; l < L; ++l) {
      INFO("layer " << l);
      CHECK(max_abs_diff(*taps.get(l, "attn_pattern"), g.get(p + "attn." + std::to_string(l))) <= 1e-4);
      CHECK(diff(*taps.get(l, "resid_pre"), g.get(p + "hidden." + std::to_string(l))) <= 1e-4);
    }
    // HF's last hidden state is after the final norm.
    CHECK(diff(*taps.get("ln_final"), g.get(p + "hidden." + std::to_string(L))) <= 1e-4);
  }
}

TEST_CASE("engine matches HF: gpt2 (tied, learned positions, gelu_new)", "[engine][golden]") { check_family("gpt2"); }
TEST_CASE("engine matches HF: llama (GQA 4/2, untied)", "[engine][golden]") { check_family("llama"); }
TEST_CASE("engine matches HF: llama tied, F16 weights, rope theta 500", "[engine][golden]") { check_family("llama_tied_f16"); }
TEST_CASE("engine matches HF: gpt_neox (parallel residual, rotary 0.5, BF16)", "[engine][golden]") { check_family("neox"); }
TEST_CASE("engine matches HF: gpt_neox (sequential residual, rotary 0.25)", "[engine][golden]") { check_family("neox_seq"); }
TEST_CASE("engine matches torch reference: averaging model", "[engine][golden]") { check_family("averaging"); }
// The newer families, each a tiny random config saved by transformers itself
// (training/make_tiny_golden.py on the GPU machine, eager attention).
TEST_CASE("engine matches HF: qwen2 (q/k/v biases, tied)", "[engine][golden][families]") { check_family("qwen2"); }
TEST_CASE("engine matches HF: qwen2 sharded (index + 2 shards)", "[engine][golden][families]") { check_family("qwen2_sharded"); }
TEST_CASE("engine matches HF: mistral (sliding window shorter than the input)", "[engine][golden][families]") { check_family("mistral"); }
TEST_CASE("engine matches HF: qwen3 (q/k norms, decoupled head_dim)", "[engine][golden][families]") { check_family("qwen3"); }
TEST_CASE("engine matches HF: gemma (GeGLU, (1 + w) norms, sqrt(d) embeddings)", "[engine][golden][families]") { check_family("gemma"); }
TEST_CASE("engine matches HF: gemma2 (soft-capping, pre+post norms, sliding/global)", "[engine][golden][families]") { check_family("gemma2"); }
TEST_CASE("engine matches HF: phi3 (fused qkv_proj and gate_up_proj)", "[engine][golden][families]") { check_family("phi3"); }
TEST_CASE("engine matches HF: olmo2 (post norms, q/k norms)", "[engine][golden][families]") { check_family("olmo2"); }
TEST_CASE("engine matches HF: opt (learned positions at offset 2, ReLU)", "[engine][golden][families]") { check_family("opt"); }
TEST_CASE("engine matches HF: llama with linear RoPE scaling", "[engine][golden][families]") { check_family("llama_rope_linear"); }
TEST_CASE("engine matches HF: llama with llama3 RoPE scaling", "[engine][golden][families]") { check_family("llama_rope_llama3"); }

TEST_CASE("tap shapes follow taps.h", "[engine]") {
  auto model = load_model_dir(tiny_dir("llama"));
  REQUIRE(model.ok());
  const auto& c = model->config;
  std::vector<int32_t> ids = {1, 5, 9, 13, 17};
  const int64_t T = 5;
  Taps taps;
  REQUIRE(make_cpu_backend()->forward(*model, ids, {}, {}, taps).ok());
  using S = std::vector<int64_t>;
  CHECK(taps.get(0, "resid_pre")->shape == S{T, c.d_model});
  CHECK(taps.get(0, "q")->shape == S{T, c.n_heads, c.d_head});
  CHECK(taps.get(0, "k")->shape == S{T, c.n_kv_heads, c.d_head});
  CHECK(taps.get(0, "attn_scores")->shape == S{c.n_heads, T, T});
  CHECK(taps.get(0, "z")->shape == S{T, c.n_heads, c.d_head});
  CHECK(taps.get(1, "head_out")->shape == S{c.n_heads, T, c.d_model});
  CHECK(taps.get(1, "mlp_post")->shape == S{T, c.d_mlp});
  CHECK(taps.get("logits")->shape == S{T, c.vocab_size});
  // Masked scores are -inf; the sum of head_out is attn_out (no bias in llama).
  CHECK(std::isinf(taps.get(0, "attn_scores")->at(0, 0, 1)));
  const Tensor& ho = *taps.get(1, "head_out");
  const Tensor& ao = *taps.get(1, "attn_out");
  double err = 0;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t j = 0; j < c.d_model; ++j) {
      double sum = 0;
      for (int64_t h = 0; h < c.n_heads; ++h) sum += ho.at(h, t, j);
      err = std::max(err, std::fabs(sum - ao.at(t, j)));
    }
  CHECK(err < 1e-4);
}

TEST_CASE("TapFilter keeps only what is asked (plus logits)", "[engine]") {
  auto model = load_model_dir(tiny_dir("gpt2"));
  REQUIRE(model.ok());
  TapFilter f;
  f.all = false;
  f.names = {"attn_pattern", "blocks.1.resid_post"};
  Taps taps;
  std::vector<int32_t> ids = {1, 2, 3};
  REQUIRE(make_cpu_backend()->forward(*model, ids, {}, f, taps).ok());
  CHECK(taps.get(0, "attn_pattern") != nullptr);
  CHECK(taps.get(1, "attn_pattern") != nullptr);
  CHECK(taps.get(1, "resid_post") != nullptr);
  CHECK(taps.get(0, "resid_post") == nullptr);
  CHECK(taps.get(0, "head_out") == nullptr);
  CHECK(taps.get("logits") != nullptr);
  CHECK(taps.named.size() == 4);
}

TEST_CASE("forward rejects bad ids with a message", "[engine]") {
  auto model = load_model_dir(tiny_dir("gpt2"));
  REQUIRE(model.ok());
  Taps taps;
  std::vector<int32_t> ids = {1, 96};
  auto r = make_cpu_backend()->forward(*model, ids, {}, {}, taps);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("outside the vocabulary"));
  std::vector<int32_t> too_long(65, 3);  // gpt2 tiny has 64 learned positions
  r = make_cpu_backend()->forward(*model, too_long, {}, {}, taps);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("positions"));
  std::vector<int32_t> none;
  CHECK_FALSE(make_cpu_backend()->forward(*model, none, {}, {}, taps).ok());
}

// A shipped language model against the golden outputs its training code
// wrote (training/export_lm.py): logits, every layer's attention pattern and
// residual stream, on its first two golden prompts, within 1e-4.
static void check_shipped_lm(const std::string& name) {
  const std::string dir = std::string(SINKSCOPE_SOURCE_DIR) + "/models/" + name;
  auto model = load_model_dir(dir);
  INFO(name << ": " << (model ? "" : model.error().message));
  REQUIRE(model.ok());
  auto f = MappedFile::open(dir + "/golden/golden.safetensors");
  REQUIRE(f.ok());
  auto st = SafeTensors::parse(f->bytes(), name + " golden");
  REQUIRE(st.ok());
  auto get = [&](const std::string& n) {
    const TensorEntry* e = st->find(n);
    REQUIRE(e != nullptr);
    return *SafeTensors::to_float(*e);
  };
  auto backend = make_cpu_backend();
  for (int p = 0; p < 2; ++p) {  // two prompts keep the test quick
    const std::string pre = "p" + std::to_string(p) + ".";
    std::vector<int32_t> ids = as_ids(get(pre + "ids"));
    Taps taps;
    REQUIRE(backend->forward(*model, ids, {}, {}, taps).ok());
    INFO("prompt " << p << " (" << ids.size() << " tokens)");
    CHECK(max_abs_diff(*taps.get("logits"), get(pre + "logits")) <= 1e-4);
    for (int l = 0; l < model->config.n_layers; ++l) {
      INFO("layer " << l);
      CHECK(max_abs_diff(*taps.get(l, "attn_pattern"), get(pre + tap_name(l, "attn_pattern"))) <= 1e-4);
      CHECK(max_abs_diff(*taps.get(l, "resid_post"), get(pre + tap_name(l, "resid_post"))) <= 1e-4);
    }
  }
}

TEST_CASE("engine matches the shipped demo LM's golden outputs (F16 Llama, 8x384)", "[engine][golden][demo-lm]") {
  check_shipped_lm("demo-lm");
}

TEST_CASE("engine matches the sink-free twins' golden outputs (gated attention, sink logit, no BOS)", "[engine][golden][twins]") {
  for (const char* twin : {"demo-lm-gated", "demo-lm-sinklogit", "demo-lm-nobos"}) {
    INFO(twin);
    check_shipped_lm(twin);
  }
}
