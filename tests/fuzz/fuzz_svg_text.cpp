// libFuzzer: text on its way into an SVG figure (explorer/svg.h): token texts
// can hold any bytes. Whatever comes in, what goes out must be valid UTF-8
// without a character XML 1.0 forbids and without a raw < > & " ' (so a
// label can never close its element or open a new one), and a document made
// of it must carry it verbatim between its tags.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "explorer/svg.h"

namespace {

// Code point at s[i], advancing i; -1 on an invalid sequence.
long next_cp(std::string_view s, size_t& i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return -1;
  long cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (d & 0x3f);
  }
  static const long kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return -1;
  i += n;
  return cp;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const std::string out = ss::explorer::svg_escape(in);
  for (size_t i = 0; i < out.size();) {
    const long cp = next_cp(out, i);
    if (cp < 0) __builtin_trap();                                                // not UTF-8
    if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') __builtin_trap();  // XML forbids it
    if (cp == 0xfffe || cp == 0xffff) __builtin_trap();
    if (cp == '<' || cp == '>' || cp == '"' || cp == '\'') __builtin_trap();     // markup
  }
  // Every & starts one of the five entities.
  for (size_t p = out.find('&'); p != std::string::npos; p = out.find('&', p + 1)) {
    const std::string_view rest = std::string_view(out).substr(p);
    if (!(rest.rfind("&amp;", 0) == 0 || rest.rfind("&lt;", 0) == 0 || rest.rfind("&gt;", 0) == 0 ||
          rest.rfind("&quot;", 0) == 0 || rest.rfind("&apos;", 0) == 0))
      __builtin_trap();
  }
  // Valid UTF-8 without markup characters passes through unchanged.
  bool plain = true;
  for (size_t i = 0; i < in.size() && plain;) {
    const long cp = next_cp(in, i);
    plain = cp >= 0x20 && cp != '<' && cp != '>' && cp != '&' && cp != '"' && cp != '\'' &&
            cp != 0xfffe && cp != 0xffff;
  }
  if (plain && out != in) __builtin_trap();
  ss::explorer::SvgDoc doc;
  doc.width = doc.height = 10;
  doc.title = in;
  doc.add(ss::explorer::SvgText{1, 2, 10, 0, 0, 0xff000000u, in});
  const std::string svg = ss::explorer::svg_document(doc);
  if (svg.find(">" + out + "</text>") == std::string::npos) __builtin_trap();
  if (!in.empty() && svg.find("<title>" + out + "</title>") == std::string::npos) __builtin_trap();  // no title when empty
  return 0;
}
