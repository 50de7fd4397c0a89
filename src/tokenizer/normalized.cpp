#include "tokenizer/normalized.h"

#include <utf8proc.h>

#include <array>
#include <cstdlib>

#include "tokenizer/utf8.h"

namespace ss::tok {

Piece Piece::slice(size_t b, size_t e) const {
  Piece p;
  p.text = text.substr(b, e - b);
  p.align.assign(align.begin() + static_cast<long>(b), align.begin() + static_cast<long>(e));
  return p;
}

Piece make_piece(std::string_view text, size_t begin, size_t end) {
  Piece p;
  p.text.assign(text.substr(begin, end - begin));
  p.align.resize(p.text.size());
  for (size_t i = 0; i < p.text.size();) {
    int len;
    utf8_decode(p.text, i, &len);
    const auto r = std::make_pair(static_cast<int32_t>(begin + i), static_cast<int32_t>(begin + i + len));
    for (int k = 0; k < len; ++k) p.align[i + k] = r;
    i += len;
  }
  return p;
}

void prepend(Piece& p, std::string_view s) {
  if (p.text.empty()) return;
  const auto a = p.align[0];
  p.text.insert(0, s);
  p.align.insert(p.align.begin(), s.size(), a);
}

void replace_all(Piece& p, std::string_view from, std::string_view to) {
  if (p.text.find(from) == std::string::npos) return;
  Piece out;
  out.text.reserve(p.text.size() + p.text.size() / 2);
  out.align.reserve(p.text.size() + p.text.size() / 2);
  for (size_t i = 0; i < p.text.size();) {
    if (p.text.compare(i, from.size(), from) == 0) {
      out.text += to;
      out.align.insert(out.align.end(), to.size(), p.align[i]);
      i += from.size();
    } else {
      out.text += p.text[i];
      out.align.push_back(p.align[i]);
      ++i;
    }
  }
  p = std::move(out);
}

namespace {

struct ByteTable {
  std::array<std::string, 256> to_unicode;
  std::array<int16_t, 324> to_byte;  // code points used are all < 324
  ByteTable() {
    to_byte.fill(-1);
    // Printable Latin-1 bytes keep their own code point; the rest are moved
    // to 256, 257, ... in byte order (GPT-2's bytes_to_unicode).
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const int cp = keep ? b : next++;
      utf8_append(to_unicode[b], static_cast<uint32_t>(cp));
      to_byte[cp] = static_cast<int16_t>(b);
    }
  }
};

const ByteTable& table() {
  static const ByteTable t;
  return t;
}

}  // namespace

const std::string& byte_to_unicode(uint8_t b) { return table().to_unicode[b]; }

int unicode_to_byte(uint32_t cp) { return cp < 324 ? table().to_byte[cp] : -1; }

void byte_level_map(Piece& p) {
  Piece out;
  out.text.reserve(p.text.size() * 2);
  out.align.reserve(p.text.size() * 2);
  for (size_t i = 0; i < p.text.size(); ++i) {
    const std::string& u = byte_to_unicode(static_cast<uint8_t>(p.text[i]));
    out.text += u;
    out.align.insert(out.align.end(), u.size(), p.align[i]);
  }
  p = std::move(out);
}

namespace {

std::string nfc_string(std::string_view s) {
  // utf8proc_map with an explicit length: the text may hold NUL bytes.
  utf8proc_uint8_t* r = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()), &r,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0 || !r) {
    std::free(r);
    return std::string(s);
  }
  std::string out(reinterpret_cast<char*>(r), static_cast<size_t>(n));
  std::free(r);
  return out;
}

bool ascii_only(std::string_view s) {
  for (char c : s)
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  return true;
}

}  // namespace

void nfc(Piece& p) {
  if (ascii_only(p.text)) return;
  if (nfc_string(p.text) == p.text) return;
  // Normalize segment by segment, a segment being a character that does not
  // combine with the one before it plus the characters that do; inside a
  // segment output character k takes the range of input character k (the
  // last one when the segment grew).
  struct Ch { size_t b, e; };
  std::vector<Ch> chars;
  for (size_t i = 0; i < p.text.size();) {
    int len;
    utf8_decode(p.text, i, &len);
    chars.push_back({i, i + len});
    i += len;
  }
  Piece out;
  size_t seg = 0;
  auto flush = [&](size_t end_char) {
    const size_t b = chars[seg].b, e = chars[end_char - 1].e;
    const std::string n = nfc_string(std::string_view(p.text).substr(b, e - b));
    size_t k = 0;
    for (size_t i = 0; i < n.size(); ++k) {
      int len;
      utf8_decode(n, i, &len);
      const size_t src = seg + (k < end_char - seg ? k : end_char - seg - 1);
      const auto a = std::make_pair(p.align[chars[src].b].first, p.align[chars[src].e - 1].second);
      out.text.append(n, i, static_cast<size_t>(len));
      out.align.insert(out.align.end(), static_cast<size_t>(len), a);
      i += len;
    }
  };
  for (size_t c = 1; c < chars.size(); ++c) {
    int len;
    const uint32_t cp = utf8_decode(p.text, chars[c].b, &len);
    const utf8proc_property_t* prop = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
    bool joins = prop->combining_class != 0;
    if (!joins) {
      // A starter can still compose with the character before it (Hangul
      // jamo, some Indic vowel signs).
      const std::string_view pair = std::string_view(p.text).substr(chars[c - 1].b, chars[c].e - chars[c - 1].b);
      joins = nfc_string(pair) != nfc_string(pair.substr(0, chars[c].b - chars[c - 1].b)) +
                                      nfc_string(pair.substr(chars[c].b - chars[c - 1].b));
    }
    if (!joins) {
      flush(c);
      seg = c;
    }
  }
  if (!chars.empty()) flush(chars.size());
  p = std::move(out);
}

}  // namespace ss::tok
