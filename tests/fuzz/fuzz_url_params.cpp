// libFuzzer: the page's URL parameters (core/url_query, which
// explorer/url.cpp applies to the state). Any query must split and decode
// without a crash, and what it yields must survive a round trip: encoding the
// pairs and parsing them again gives the same pairs (what "copy link" relies on).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/url_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view q(reinterpret_cast<const char*>(data), size);
  auto pairs = ss::parse_query(q);
  std::string rebuilt;
  for (const auto& [k, v] : pairs) {
    if (k.size() + v.size() > q.size()) __builtin_trap();  // decoding never grows text
    if (ss::url_decode(ss::url_encode(v)) != v) __builtin_trap();
    if (auto i = ss::parse_index(v); i && (*i < 0 || *i >= 4096)) __builtin_trap();
    rebuilt += (rebuilt.empty() ? "" : "&") + ss::url_encode(k) + "=" + ss::url_encode(v);
  }
  if (ss::parse_query(rebuilt) != pairs) __builtin_trap();
  return 0;
}
