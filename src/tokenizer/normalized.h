// A piece of text being normalized and pre-tokenized, with the byte range of
// the input that every byte of it came from (the model of `tokenizers`'
// NormalizedString). Token offsets are read from `align`, so they point into
// the user's prompt however the text was rewritten (▁ for space, byte-level
// characters, NFC).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ss::tok {

struct Piece {
  std::string text;                               // normalized UTF-8
  std::vector<std::pair<int32_t, int32_t>> align;  // [text.size()] input range of each byte

  // Input range of text bytes [b, e); b < e.
  std::pair<int32_t, int32_t> original(size_t b, size_t e) const {
    return {align[b].first, align[e - 1].second};
  }
  Piece slice(size_t b, size_t e) const;
};

// A piece over input text[begin, end) (valid UTF-8): every byte of a character
// maps to that character's whole range, as in `tokenizers`.
Piece make_piece(std::string_view text, size_t begin, size_t end);

// Inserts s before the first character, aligned with that character.
void prepend(Piece& p, std::string_view s);
// Replaces every occurrence of `from` (one code point) by `to`, each new byte
// aligned with the character it replaces.
void replace_all(Piece& p, std::string_view from, std::string_view to);
// GPT-2's byte-to-unicode mapping: each byte becomes one printable character.
void byte_level_map(Piece& p);
// Unicode NFC. A composed character takes the range of its first source
// character, as `tokenizers` reports it.
void nfc(Piece& p);

// The byte-to-character table of byte-level BPE and its inverse.
const std::string& byte_to_unicode(uint8_t b);  // UTF-8 of the character
int unicode_to_byte(uint32_t cp);               // -1 when cp is not in the table

}  // namespace ss::tok
