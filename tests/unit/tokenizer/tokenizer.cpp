// Tokenizer against the `tokenizers` library's own output (golden files made by
// training/make_tokenizer_golden.py), plus malformed tokenizer.json files.
#include <catch2/catch.hpp>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "tokenizer/tokenizer.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string from_hex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

fs::path data_dir() { return fs::path(SINKSCOPE_SOURCE_DIR) / "tests" / "data" / "tokenizer"; }

ss::Tokenizer load(const std::string& name) {
  auto t = ss::Tokenizer::from_json(read_file(data_dir() / name / "tokenizer.json"));
  INFO(name << ": " << (t ? "" : t.error().message));
  REQUIRE(t.ok());
  return std::move(t.value());
}

std::vector<std::pair<int32_t, int32_t>> offsets_of(const json& j) {
  std::vector<std::pair<int32_t, int32_t>> out;
  for (const auto& o : j) out.emplace_back(o[0].get<int32_t>(), o[1].get<int32_t>());
  return out;
}

const char* kGolden[] = {"gpt2-style", "llama3-style", "llama2-style", "llama2-metaspace", "neox-style", "qwen2-style", "gemma-style"};

}  // namespace

TEST_CASE("tokenizer matches `tokenizers` ids and byte offsets on every golden string", "[tokenizer]") {
  for (const char* name : kGolden) {
    const ss::Tokenizer tok = load(name);
    const json g = json::parse(read_file(data_dir() / name / "golden.json"));
    REQUIRE(g["cases"].size() >= 45);
    for (const auto& c : g["cases"]) {
      const std::string text = from_hex(c["hex"].get<std::string>());
      INFO(name << " / " << c["name"].get<std::string>());
      const ss::Tokens plain = tok.encode(text, false);
      CHECK(plain.ids == c["ids_nobos"].get<std::vector<int32_t>>());
      CHECK(plain.ranges == offsets_of(c["offsets_nobos"]));
      const ss::Tokens bos = tok.encode(text, true);
      CHECK(bos.ids == c["ids_bos"].get<std::vector<int32_t>>());
      CHECK(bos.ranges == offsets_of(c["offsets_bos"]));
      CHECK(tok.decode(plain.ids) == from_hex(c["decoded_hex"].get<std::string>()));
    }
  }
}

TEST_CASE("BOS comes from the template, or from set_bos_id", "[tokenizer]") {
  const ss::Tokenizer l3 = load("llama3-style");
  CHECK(l3.bos_id() == l3.token_to_id("<|begin_of_text|>"));
  CHECK(l3.bos_id() >= 0);
  const ss::Tokenizer l2 = load("llama2-style");
  CHECK(l2.bos_id() == 1);
  ss::Tokenizer g2 = load("gpt2-style");
  CHECK(g2.bos_id() == -1);
  CHECK(g2.encode("hi", true).ids == g2.encode("hi", false).ids);
  const int32_t eot = g2.token_to_id("<|endoftext|>");
  REQUIRE(eot >= 0);
  g2.set_bos_id(eot);
  const ss::Tokens t = g2.encode("hi", true);
  REQUIRE(t.ids.size() == g2.encode("hi", false).ids.size() + 1);
  CHECK(t.ids[0] == eot);
  CHECK(t.ranges[0] == std::make_pair(0, 0));
  g2.set_bos_id(1 << 30);  // outside the vocabulary: ignored
  CHECK(g2.bos_id() == eot);
}

TEST_CASE("token_text is readable: spaces, newlines, bytes, specials", "[tokenizer]") {
  const ss::Tokenizer g2 = load("gpt2-style");
  CHECK(g2.token_text(g2.token_to_id("\xC4\xA0")) == " ");      // Ġ
  CHECK(g2.token_text(g2.token_to_id("\xC4\x8A")) == "\\n");    // Ċ
  CHECK(g2.token_text(g2.token_to_id("\xC3\xA3")) == "\\xE3");  // half of a character
  CHECK(g2.token_text(g2.token_to_id("<|endoftext|>")) == "<|endoftext|>");
  const ss::Tokenizer l2 = load("llama2-style");
  CHECK(l2.token_text(l2.token_to_id("<0x0A>")) == "\\n");
  CHECK(l2.token_text(l2.token_to_id("<0x41>")) == "A");
  CHECK(l2.token_text(l2.token_to_id("\xE2\x96\x81the")) == " the");
  CHECK(l2.token_text(-1).empty());
  CHECK(l2.token_text(l2.vocab_size()).empty());
}

TEST_CASE("malformed tokenizer.json gives an error that names the problem", "[tokenizer]") {
  const json base = json::parse(read_file(data_dir() / "gpt2-style" / "tokenizer.json"));
  auto expect_error = [](const json& j, const std::string& needle) {
    auto t = ss::Tokenizer::from_json(j.dump());
    INFO("expected an error containing: " << needle);
    REQUIRE_FALSE(t.ok());
    INFO("got: " << t.error().message);
    CHECK(t.error().message.find(needle) != std::string::npos);
  };
  {
    auto t = ss::Tokenizer::from_json("{\"model\": {\"type\": \"BPE\", ");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("not valid JSON") != std::string::npos);
  }
  CHECK_FALSE(ss::Tokenizer::from_json("[1,2]").ok());
  json j = base;
  j.erase("model");
  expect_error(j, "'model'");
  j = base;
  j["model"]["type"] = "WordPiece";
  expect_error(j, "model type 'WordPiece'");
  j = base;
  j["model"]["merges"].push_back("nosuchtoken xyz");
  expect_error(j, "not in model.vocab");
  j = base;
  j["model"]["merges"][0] = "abc";
  expect_error(j, "two tokens separated by one space");
  j = base;
  j["model"]["merges"][0] = 17;
  expect_error(j, "neither");
  j = base;
  j["model"]["vocab"]["bad"] = "x";
  expect_error(j, "model.vocab entry 'bad'");
  j = base;
  j["model"]["dropout"] = 0.1;
  expect_error(j, "dropout");
  j = base;
  j["model"]["unk_token"] = "<nope>";
  expect_error(j, "unk_token '<nope>'");
  j = base;
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  expect_error(j, "pre_tokenizer 'Whitespace'");
  j = base;
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "\\w+"}}}, {"behavior", "Isolated"}, {"invert", false}};
  expect_error(j, "Split pattern");
  j = base;
  j["normalizer"] = {{"type", "Lowercase"}};
  expect_error(j, "normalizer 'Lowercase'");
  j = base;
  j["post_processor"] = json::parse(
      R"({"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<x>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"special_tokens":{}})");
  expect_error(j, "'<x>'");
  j = base;
  j["decoder"] = {{"type", "WordPiece"}};
  expect_error(j, "decoder 'WordPiece'");
  j = base;
  j["added_tokens"] = json::array({{{"id", -3}, {"content", "x"}}});
  expect_error(j, "added_tokens");
  j = base;
  j["truncation"] = {{"max_length", 8}};
  expect_error(j, "truncation");
}

TEST_CASE("arbitrary bytes never crash and give sane ranges", "[tokenizer]") {
  std::mt19937 rng(7);
  for (const char* name : kGolden) {
    const ss::Tokenizer tok = load(name);
    for (int round = 0; round < 300; ++round) {
      std::string s(rng() % 64, '\0');
      for (char& c : s) c = static_cast<char>(round % 3 == 0 ? "a \n\xC3\xA9\xF0\x9F\x98\x80<|>/s"[rng() % 15] : rng() % 256);
      const ss::Tokens t = tok.encode(s, true);
      REQUIRE(t.ids.size() == t.ranges.size());
      int32_t last_begin = 0;
      for (size_t i = 0; i < t.ids.size(); ++i) {
        CHECK((t.ids[i] >= 0 && t.ids[i] < tok.vocab_size()));
        CHECK((t.ranges[i].first >= 0 && t.ranges[i].first <= t.ranges[i].second &&
               t.ranges[i].second <= static_cast<int32_t>(s.size())));
        CHECK(t.ranges[i].first >= last_begin);
        last_begin = t.ranges[i].first;
      }
      (void)tok.decode(t.ids);
    }
  }
}

TEST_CASE("demo-lm's tokenizer gives the ids its training run recorded", "[tokenizer]") {
  const fs::path dir = fs::path(SINKSCOPE_SOURCE_DIR) / "models" / "demo-lm";
  REQUIRE(fs::exists(dir / "tokenizer.json"));
  auto t = ss::Tokenizer::from_json(read_file(dir / "tokenizer.json"));
  INFO((t ? "" : t.error().message));
  REQUIRE(t.ok());
  const json g = json::parse(read_file(dir / "golden" / "prompts.json"));
  REQUIRE(g["prompts"].size() >= 1);
  for (const auto& p : g["prompts"]) {
    INFO(p["name"].get<std::string>());
    const std::string text = p["text"].get<std::string>();
    const ss::Tokens enc = t->encode(text, true);
    CHECK(enc.ids == p["ids"].get<std::vector<int32_t>>());
    CHECK(t->decode(std::vector<int32_t>(enc.ids.begin() + 1, enc.ids.end())) == text);
  }
}
