// libFuzzer target: tokenizer.json parsing (tests/BAD_INPUTS.md). Any input must give a
// Tokenizer or an Error, and a parsed one must encode and decode without
// crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  auto t = ss::Tokenizer::from_json(json);
  if (!t) {
    if (t.error().message.empty()) std::abort();  // an error must say what is wrong
    return 0;
  }
  static const char* kTexts[] = {"", "Hello world", "  a\n\n b\t'll 123456 <s></s><|endoftext|>",
                                 "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE6\x9C\xBA", "\xFF\xC3(\xED\xA0\x80"};
  for (const char* text : kTexts) {
    const ss::Tokens tok = t->encode(text, true);
    if (tok.ids.size() != tok.ranges.size()) std::abort();
    for (size_t i = 0; i < tok.ids.size(); ++i)
      if (tok.ids[i] < 0 || tok.ids[i] >= t->vocab_size()) std::abort();
    (void)t->decode(tok.ids);
  }
  for (int32_t id = -1; id < 8; ++id) (void)t->token_text(id);
  return 0;
}
