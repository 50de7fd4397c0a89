// libFuzzer target: the BPE encoder on arbitrary bytes (tests/BAD_INPUTS.md), with the
// golden tokenizers of every family. The first byte picks the tokenizer; the
// rest is the prompt. Checks the invariants the UI relies on: one range per
// id, ranges inside the prompt and in order, ids inside the vocabulary.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace {

std::vector<ss::Tokenizer> load_all() {
  std::vector<ss::Tokenizer> out;
  for (const char* name : {"gpt2-style", "llama3-style", "llama2-style", "llama2-metaspace", "neox-style"}) {
    std::ifstream f(std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tokenizer/" + name + "/tokenizer.json");
    std::stringstream s;
    s << f.rdbuf();
    auto t = ss::Tokenizer::from_json(s.str());
    if (!t) std::abort();  // the golden tokenizers must load
    out.push_back(std::move(t.value()));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<ss::Tokenizer> toks = load_all();
  if (size == 0) return 0;
  const ss::Tokenizer& t = toks[data[0] % toks.size()];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const ss::Tokens enc = t.encode(text, (data[0] & 0x80) != 0);
  if (enc.ids.size() != enc.ranges.size()) std::abort();
  int32_t last = 0;
  for (size_t i = 0; i < enc.ids.size(); ++i) {
    const auto [b, e] = enc.ranges[i];
    if (enc.ids[i] < 0 || enc.ids[i] >= t.vocab_size()) std::abort();
    if (b < last || b > e || e > static_cast<int32_t>(text.size())) std::abort();
    last = b;
  }
  (void)t.decode(enc.ids);
  return 0;
}
