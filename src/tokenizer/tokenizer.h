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
  // add_bos: prepend the BOS token when the tokenizer defines one (the
  // special tokens of a TemplateProcessing post-processor, or set_bos_id's).
  // Invalid UTF-8 is encoded as U+FFFD per invalid subpart (as a Python str
  // made with errors="replace"); ranges still point at the input's bytes.
  Tokens encode(std::string_view text, bool add_bos) const;
  std::string decode(const std::vector<int32_t>& ids) const;  // as `tokenizers` decode, specials kept
  std::string token_bytes(int32_t id) const;  // the bytes one token spells (a newline token is "\n")
  std::string token_text(int32_t id) const;   // token_bytes made printable: control and invalid bytes escaped
  int vocab_size() const;
  int32_t bos_id() const;  // -1 when none
  // GPT-2 style tokenizer.json files name no BOS; the model's config.json does
  // (bos_token_id). Ignored when id is outside the vocabulary.
  void set_bos_id(int32_t id);
  int32_t token_to_id(std::string_view token) const;  // -1 when absent
  std::string token_string(int32_t id) const;         // the raw vocabulary string
  Tokenizer();
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ss
