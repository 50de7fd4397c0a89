// The BPE model of tokenizer.json: vocab, ranked merges, byte fallback to
// <0xNN> tokens, unk, ignore_merges. Results are cached per word, which is
// what keeps a 2,000-character prompt well under a millisecond.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ss::tok {

struct BpeToken {
  int32_t id;
  int32_t begin, end;  // bytes of the word
};

class Bpe {
 public:
  std::unordered_map<std::string, int32_t> vocab;
  // (left id << 32 | right id) -> (rank, merged id)
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
  int32_t unk_id = -1;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
  int32_t byte_ids[256];  // <0xNN> ids, -1 where absent

  Bpe();
  void init_byte_ids();
  // Tokens of one pre-tokenized word (valid UTF-8).
  std::vector<BpeToken> tokenize(std::string_view word) const;

 private:
  std::vector<BpeToken> merge_word(std::string_view word) const;
  struct Cache {
    std::mutex mu;
    std::unordered_map<std::string, std::vector<BpeToken>> words;
  };
  std::unique_ptr<Cache> cache_ = std::make_unique<Cache>();  // movable with the model
};

}  // namespace ss::tok
