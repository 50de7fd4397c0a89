// Inputs the fuzzers found; each must give an error (or a documented
// fallback), never undefined behaviour.
#include <catch2/catch.hpp>

#include <cstdio>

#include "model/config.h"

static std::string llama_config(const char* hidden, const char* bos) {
  char text[512];
  std::snprintf(text, sizeof text,
                R"({"model_type": "llama", "vocab_size": 64, "hidden_size": %s, "num_hidden_layers": 1,
                    "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 16,
                    "bos_token_id": %s})",
                hidden, bos);
  return text;
}

TEST_CASE("config.json: integers written as huge floats are refused", "[model][fuzz-regression]") {
  // fuzz_config: 1e84 was cast from double to long long (undefined behaviour).
  for (const char* v : {"1e84", "-1e84", "18446744073709551615", "1.5"}) {
    INFO(v);
    auto c = ss::parse_config(llama_config(v, "1"));
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find("hidden_size") != std::string::npos);
  }
  CHECK(ss::parse_config(llama_config("32.0", "1")).ok());
  // bos/eos are optional to run: an unusable value falls back to "none".
  auto c = ss::parse_config(llama_config("32", "1e84"));
  REQUIRE(c.ok());
  CHECK(c->bos_token_id == -1);
}
