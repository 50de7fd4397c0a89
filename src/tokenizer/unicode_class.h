// Unicode classes the pre-tokenizer regexes use (\p{L}, \p{N}, \s), from
// utf8proc's tables, as Oniguruma (the `tokenizers` regex engine) defines them.
#pragma once
#include <cstdint>

namespace ss::tok {

enum class CharClass : uint8_t { kLetter, kNumber, kSpace, kOther };

bool is_letter(uint32_t cp);      // \p{L}: Lu Ll Lt Lm Lo
bool is_number(uint32_t cp);      // \p{N}: Nd Nl No
bool is_whitespace(uint32_t cp);  // \s: Unicode White_Space
CharClass char_class(uint32_t cp);

}  // namespace ss::tok
