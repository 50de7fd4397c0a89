#include "tokenizer/utf8.h"

namespace ss::tok {

int utf8_valid_len(std::string_view s, size_t i, int* bad_len) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  *bad_len = 1;
  if (c < 0x80) return 1;
  int need;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    return 0;  // C0, C1, F5..FF, or a lone continuation byte
  }
  for (int k = 1; k < need; ++k) {
    if (i + k >= s.size()) return 0;
    const uint8_t x = b(i + k);
    const uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (x < l || x > h) return 0;
    *bad_len = k + 1;  // the valid prefix so far is one maximal subpart
  }
  *bad_len = 1;
  return need;
}

uint32_t utf8_decode(std::string_view s, size_t i, int* len) {
  const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(s[k])); };
  const uint32_t c = b(i);
  if (c < 0x80) { *len = 1; return c; }
  if (c < 0xE0) { *len = 2; return ((c & 0x1F) << 6) | (b(i + 1) & 0x3F); }
  if (c < 0xF0) { *len = 3; return ((c & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F); }
  *len = 4;
  return ((c & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) | (b(i + 3) & 0x3F);
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool utf8_is_valid(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<uint8_t>(s[i]) < 0x80) { ++i; continue; }
    int bad;
    const int n = utf8_valid_len(s, i, &bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

Repaired utf8_repair(std::string_view s) {
  Repaired r;
  r.text.reserve(s.size());
  r.orig_begin.reserve(s.size());
  r.orig_end.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int bad;
    const int n = utf8_valid_len(s, i, &bad);
    if (n > 0) {
      for (int k = 0; k < n; ++k) {
        r.text += s[i + k];
        r.orig_begin.push_back(static_cast<int32_t>(i + k));
        r.orig_end.push_back(static_cast<int32_t>(i + k + 1));
      }
      i += n;
    } else {
      r.text += "\xEF\xBF\xBD";  // U+FFFD stands for the whole invalid subpart
      for (int k = 0; k < 3; ++k) {
        r.orig_begin.push_back(static_cast<int32_t>(i));
        r.orig_end.push_back(static_cast<int32_t>(i + bad));
      }
      i += bad;
    }
  }
  return r;
}

std::string utf8_lossy(std::string_view s) {
  if (utf8_is_valid(s)) return std::string(s);
  return utf8_repair(s).text;
}

}  // namespace ss::tok
