// Loading: config.json for each family, and every kind of malformed input
// giving an error that names the problem (never a crash).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/half.h"
#include "model/loader.h"
#include "support/engine_util.h"

using namespace ss;
using namespace ss::testing;
using Catch::Contains;

namespace {

struct Entry {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

std::vector<Entry> entries_of(const std::string& family) {
  auto f = MappedFile::open(tiny_dir(family) + "/model.safetensors");
  REQUIRE(f.ok());
  auto st = SafeTensors::parse(f->bytes());
  REQUIRE(st.ok());
  std::vector<Entry> out;
  for (const auto& e : st->entries()) out.push_back({e.name, e.dtype_name, e.shape, {e.bytes.begin(), e.bytes.end()}});
  return out;
}

std::vector<uint8_t> serialize(const std::vector<Entry>& es) {
  nlohmann::json h = nlohmann::json::object();
  size_t off = 0;
  for (const auto& e : es) {
    h[e.name] = {{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {off, off + e.bytes.size()}}};
    off += e.bytes.size();
  }
  std::string hs = h.dump();
  std::vector<uint8_t> out(8);
  uint64_t n = hs.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  out.insert(out.end(), hs.begin(), hs.end());
  for (const auto& e : es) out.insert(out.end(), e.bytes.begin(), e.bytes.end());
  return out;
}

std::string config_of(const std::string& family) {
  auto t = read_text_file(tiny_dir(family) + "/config.json");
  REQUIRE(t.ok());
  return *t;
}

Entry* find(std::vector<Entry>& es, const std::string& name) {
  for (auto& e : es)
    if (e.name == name) return &e;
  return nullptr;
}

std::string load_error(const std::string& config, const std::vector<uint8_t>& bytes) {
  auto m = load_model(config, bytes, "test");
  return m.ok() ? std::string("<loaded>") : m.error().message;
}

}  // namespace

TEST_CASE("config.json: each family's fields", "[model]") {
  auto g = parse_config(config_of("gpt2"));
  REQUIRE(g.ok());
  CHECK(g->family == Family::GPT2);
  CHECK((g->d_model == 32 && g->n_heads == 4 && g->d_head == 8 && g->d_mlp == 128));
  CHECK((g->tied_embeddings && g->learned_pos && !g->rotary && g->act == Activation::GeluNew));
  auto l = parse_config(config_of("llama"));
  REQUIRE(l.ok());
  CHECK((l->n_kv_heads == 2 && l->n_heads == 4 && !l->tied_embeddings && l->rotary_dim == 8));
  CHECK(l->norm == NormKind::RMSNorm);
  CHECK(l->norm_eps == Approx(1e-6));
  auto lt = parse_config(config_of("llama_tied_f16"));
  REQUIRE(lt.ok());
  CHECK((lt->tied_embeddings && lt->d_head == 16 && lt->rope_theta == 500.0f));
  auto n = parse_config(config_of("neox"));
  REQUIRE(n.ok());
  CHECK((n->parallel_residual && n->rotary_dim == 4 && n->act == Activation::Gelu && n->attn_bias));
  auto ns = parse_config(config_of("neox_seq"));
  REQUIRE(ns.ok());
  CHECK((!ns->parallel_residual && ns->d_head == 16 && ns->rotary_dim == 4));
  auto a = parse_config(config_of("averaging"));
  REQUIRE(a.ok());
  CHECK((a->family == Family::Averaging && a->d_input == 8 && a->d_head == 8 && a->n_heads == 2));
  // transformers 4 spelling of neox rotary settings
  auto v4 = parse_config(R"({"model_type":"gpt_neox","vocab_size":10,"hidden_size":64,"num_hidden_layers":1,
    "num_attention_heads":4,"intermediate_size":8,"rotary_pct":0.25,"rotary_emb_base":500})");
  REQUIRE(v4.ok());
  CHECK((v4->rotary_dim == 4 && v4->rope_theta == 500.0f));
}

TEST_CASE("config.json errors name the problem", "[model]") {
  auto bad = parse_config("{\"model_type\": \"gpt2\", ");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Contains("not valid JSON"));
  auto unk = parse_config(R"({"model_type": "bert", "hidden_size": 8})");
  REQUIRE_FALSE(unk.ok());
  CHECK_THAT(unk.error().message, Contains("unknown model_type 'bert'"));
  auto missing = parse_config(R"({"model_type": "llama", "vocab_size": 10, "num_hidden_layers": 1})");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Contains("hidden_size"));
  auto type = parse_config(R"({"model_type": "gpt2", "vocab_size": "ten", "n_embd": 8, "n_layer": 1, "n_head": 2})");
  REQUIRE_FALSE(type.ok());
  CHECK_THAT(type.error().message, Contains("vocab_size"));
  auto gqa = parse_config(R"({"model_type":"llama","vocab_size":10,"hidden_size":32,"num_hidden_layers":1,
    "num_attention_heads":4,"num_key_value_heads":3,"intermediate_size":8})");
  REQUIRE_FALSE(gqa.ok());
  CHECK_THAT(gqa.error().message, Contains("num_key_value_heads"));
  auto rope = parse_config(R"({"model_type":"llama","vocab_size":10,"hidden_size":32,"num_hidden_layers":1,
    "num_attention_heads":4,"intermediate_size":8,"rope_scaling":{"rope_type":"llama3","factor":8}})");
  REQUIRE_FALSE(rope.ok());
  CHECK_THAT(rope.error().message, Contains("llama3"));
  CHECK_FALSE(parse_config("[]").ok());
  CHECK_FALSE(parse_config("").ok());
}

TEST_CASE("safetensors: truncated file and header length past the end", "[model]") {
  auto f = MappedFile::open(tiny_dir("llama") + "/model.safetensors");
  REQUIRE(f.ok());
  std::vector<uint8_t> bytes(f->bytes().begin(), f->bytes().end());
  const std::string cfg = config_of("llama");
  REQUIRE(load_error(cfg, bytes) == "<loaded>");

  std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + bytes.size() / 2);
  CHECK_THAT(load_error(cfg, cut), Contains("outside the") && Contains("truncated"));
  std::vector<uint8_t> tiny(bytes.begin(), bytes.begin() + 5);
  CHECK_THAT(load_error(cfg, tiny), Contains("too short"));
  std::vector<uint8_t> past = bytes;
  past[0] = 0xff, past[1] = 0xff, past[2] = 0x0f;  // header length ~1 MB > file
  CHECK_THAT(load_error(cfg, past), Contains("runs past the end"));
  std::vector<uint8_t> huge = bytes;
  huge[7] = 0x7f;
  CHECK_THAT(load_error(cfg, huge), Contains("implausibly large"));
  std::vector<uint8_t> garbled = bytes;
  garbled[8] = '[';  // header no longer an object
  CHECK_THAT(load_error(cfg, garbled), Contains("header"));
}

TEST_CASE("safetensors: wrong dtype, missing tensor, shape mismatch, NaN, byte count", "[model]") {
  const std::string cfg = config_of("llama");
  const std::string q = "model.layers.1.self_attn.q_proj.weight";
  {
    auto es = entries_of("llama");
    find(es, q)->dtype = "I32";
    CHECK_THAT(load_error(cfg, serialize(es)), Contains(q) && Contains("dtype I32"));
  }
  {
    auto es = entries_of("llama");
    find(es, q)->dtype = "Q4_K";
    CHECK_THAT(load_error(cfg, serialize(es)), Contains(q) && Contains("unknown dtype"));
  }
  {
    auto es = entries_of("llama");
    es.erase(es.begin() + (find(es, "model.norm.weight") - es.data()));
    CHECK_THAT(load_error(cfg, serialize(es)), Contains("'model.norm.weight' is missing"));
  }
  {
    auto es = entries_of("llama");
    Entry* e = find(es, q);
    e->shape = {16, 64};  // same bytes, wrong shape
    CHECK_THAT(load_error(cfg, serialize(es)), Contains(q) && Contains("[16, 64]") && Contains("[32, 32]"));
  }
  {
    auto es = entries_of("llama");
    Entry* e = find(es, q);
    float nan = std::nanf("");
    std::memcpy(e->bytes.data() + 4 * 17, &nan, 4);
    CHECK_THAT(load_error(cfg, serialize(es)), Contains(q) && Contains("non-finite") && Contains("element 17"));
  }
  {
    auto es = entries_of("llama");
    find(es, q)->bytes.resize(100);  // offsets consistent, but too few bytes for the shape
    CHECK_THAT(load_error(cfg, serialize(es)), Contains(q) && Contains("need"));
  }
  {
    auto es = entries_of("llama");
    es.erase(es.begin() + (find(es, "lm_head.weight") - es.data()));  // untied: lm_head required
    CHECK_THAT(load_error(cfg, serialize(es)), Contains("lm_head.weight"));
  }
}

TEST_CASE("safetensors: bare-model names without the wrapper prefix load", "[model]") {
  auto es = entries_of("gpt2");
  for (auto& e : es) e.name = e.name.substr(std::string("transformer.").size());  // as in openai-community/gpt2
  auto m = load_model(config_of("gpt2"), serialize(es), "bare");
  INFO((m ? "" : m.error().message));
  CHECK(m.ok());
}

TEST_CASE("half precision converts exactly", "[model]") {
  CHECK(f16_to_float(0x3c00) == 1.0f);
  CHECK(f16_to_float(0xc000) == -2.0f);
  CHECK(f16_to_float(0x7bff) == 65504.0f);
  CHECK(f16_to_float(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
  CHECK(f16_to_float(0x0200) == std::ldexp(1.0f, -15));
  CHECK(std::isinf(f16_to_float(0x7c00)));
  CHECK(std::isnan(f16_to_float(0x7e00)));
  CHECK(bf16_to_float(0x3f80) == 1.0f);
  CHECK(bf16_to_float(0xc2f7) == -123.5f);
}

TEST_CASE("load_model_dir: missing folder names the file", "[model]") {
  auto m = load_model_dir("/nonexistent/model");
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().message, Contains("config.json"));
}
