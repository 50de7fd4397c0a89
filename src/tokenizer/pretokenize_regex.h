// The two pre-tokenizer regexes that byte-level BPE tokenizers use, written as
// matchers over code points (std::regex has no \p{L}). Each behaves as the
// Oniguruma regex in `tokenizers` does: alternatives tried in order at each
// position, greedy with backtracking (so \s+(?!\S) leaves the last space of a
// run for the word after it).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ss::tok {

enum class SplitRegex {
  kGpt2,    // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  kLlama3,  // (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  kQwen2,   // Llama 3's with \p{N} (one digit) for \p{N}{1,3}: Qwen2, Qwen2.5, Qwen3
};

// The regex a tokenizer.json pattern string names, or nullopt when we have no
// matcher for it.
std::optional<SplitRegex> find_split_regex(std::string_view pattern);

// Byte spans [begin, end) of the pieces of valid UTF-8 `s` under the
// "Isolated" behaviour: every match and every gap between matches, in order.
std::vector<std::pair<size_t, size_t>> split_isolated(SplitRegex re, std::string_view s);

}  // namespace ss::tok
