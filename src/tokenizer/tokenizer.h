// Tokenizer: Hugging Face tokenizer.json BPE, byte-level (GPT-2, Llama 3,
// GPT-NeoX) and metaspace with byte fallback (Llama 2 / SentencePiece style).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ss {

struct Tokens {
  std::vector<int32_t> ids;
  // [begin, end) byte offsets of each token in the encoded text (a special
  // token added by the tokenizer, such as BOS, has begin == end).
  std::vector<std::pair<int32_t, int32_t>> ranges;
};

class Tokenizer {
 public:
  static Expected<Tokenizer> from_json(std::string_view json_text);
  // add_bos: prepend the BOS token when the tokenizer defines one.
  Tokens encode(std::string_view text, bool add_bos) const;
  std::string decode(const std::vector<int32_t>& ids) const;
  std::string token_text(int32_t id) const;  // readable text of one token (for chips)
  int vocab_size() const;
  int32_t bos_id() const;  // -1 when none
  Tokenizer();
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ss
