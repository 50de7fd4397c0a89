#include "core/url_query.h"

#include <cstdio>

namespace ss {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}
}  // namespace

std::string url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    int hi = -1, lo = -1;
    if (c == '%' && i + 2 < in.size()) {
      hi = hex_value(in[i + 1]);
      lo = hex_value(in[i + 2]);
    }
    if (c == '+') out += ' ';
    else if (hi >= 0 && lo >= 0) out += static_cast<char>(hi * 16 + lo), i += 2;
    else out += c;
  }
  return out;
}

std::string url_encode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    if (unreserved(c)) out += static_cast<char>(c);
    else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!q.empty() && q[0] == '?') q.remove_prefix(1);
  while (!q.empty()) {
    const size_t amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (kv.empty()) continue;
    const size_t eq = kv.find('=');
    out.emplace_back(url_decode(kv.substr(0, eq)),
                     eq == std::string_view::npos ? std::string() : url_decode(kv.substr(eq + 1)));
  }
  return out;
}

std::optional<int> parse_index(std::string_view v, int limit) {
  // Digits only (no sign, spaces or exponent), and no overflow on the way.
  if (v.empty() || v.size() > 9) return std::nullopt;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n >= limit) return std::nullopt;
  return n;
}

}  // namespace ss
