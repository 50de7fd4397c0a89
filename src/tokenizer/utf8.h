// UTF-8 decoding for the tokenizer: code points with their byte positions, and
// repair of invalid input the way Python's bytes.decode(errors="replace") and
// Rust's String::from_utf8_lossy do it (one U+FFFD per maximal invalid
// subpart), so that ids match `tokenizers` on such text.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ss::tok {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid;
// *bad_len receives how many bytes one U+FFFD replaces (the maximal subpart).
int utf8_valid_len(std::string_view s, size_t i, int* bad_len);

// Decodes one code point of known-valid UTF-8 at s[i]; *len receives its length.
uint32_t utf8_decode(std::string_view s, size_t i, int* len);

void utf8_append(std::string& out, uint32_t cp);

bool utf8_is_valid(std::string_view s);

// The text with every invalid subpart replaced by U+FFFD, plus for each byte of
// the result the [begin, end) bytes of the input it stands for.
struct Repaired {
  std::string text;
  std::vector<int32_t> orig_begin;  // [text.size()]
  std::vector<int32_t> orig_end;    // [text.size()]
};
Repaired utf8_repair(std::string_view s);

// Same replacement without the offset map (for decode output).
std::string utf8_lossy(std::string_view s);

}  // namespace ss::tok
