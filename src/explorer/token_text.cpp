#include "explorer/token_text.h"

#include <cstdio>

namespace ss::explorer {

std::string display_token(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == '\n') out += "\xE2\x86\xB5";  // U+21B5, the newline arrow (in the UI font's ranges)
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c == ' ') out += "\xC2\xB7";  // U+00B7: spaces made visible
    else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "<%02X>", c);
      out += b;
    } else out += static_cast<char>(c);
  }
  if (out.empty()) out = "(empty)";
  return out;
}

}  // namespace ss::explorer
