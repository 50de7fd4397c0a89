// Qwen2's pre-tokenizer regex: Llama 3's with \p{N} (one digit) in place of
// \p{N}{1,3}. A Qwen-style tokenizer.json (the Llama 3 style test tokenizer
// with Qwen's pattern) is read, splits numbers into single digits where the
// Llama 3 pattern keeps runs of three, and leaves everything else as Llama 3
// splits it. (Ids and offsets against `tokenizers` itself: the qwen2-style
// golden, when tests/data/tokenizer/qwen2-style is present.)
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tokenizer/pretokenize_regex.h"
#include "tokenizer/tokenizer.h"

namespace {

const char* kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::string llama3_style_json() {
  std::ifstream f(std::filesystem::path(SINKSCOPE_SOURCE_DIR) / "tests/data/tokenizer/llama3-style/tokenizer.json");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("Qwen2's split regex is recognised and splits digits one at a time", "[tokenizer][qwen2]") {
  using ss::tok::SplitRegex;
  REQUIRE(ss::tok::find_split_regex(kQwen2) == SplitRegex::kQwen2);
  const std::string s = "abc 12345 it's 7";
  auto pieces = [&](SplitRegex re) {
    std::vector<std::string> out;
    for (auto [b, e] : ss::tok::split_isolated(re, s)) out.push_back(s.substr(b, e - b));
    return out;
  };
  CHECK(pieces(SplitRegex::kQwen2) == std::vector<std::string>{"abc", " ", "1", "2", "3", "4", "5", " it", "'s", " ", "7"});
  CHECK(pieces(SplitRegex::kLlama3) == std::vector<std::string>{"abc", " ", "123", "45", " it", "'s", " ", "7"});

  nlohmann::json j = nlohmann::json::parse(llama3_style_json());
  j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = kQwen2;
  auto qwen = ss::Tokenizer::from_json(j.dump());
  INFO((qwen ? "" : qwen.error().message));
  REQUIRE(qwen.ok());
  const ss::Tokens t = qwen->encode("year 2024", false);
  // "2024" is four pieces of one digit, each its own token.
  int digits = 0;
  for (auto [b, e] : t.ranges) digits += e - b == 1 && std::string("0123456789").find("year 2024"[b]) != std::string::npos;
  CHECK(digits == 4);
}
