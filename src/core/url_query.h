// URL query strings ("?model=x&prompt=The%20sky"): percent-decoding and
// splitting into key/value pairs, with no UI so the fuzz build can link it.
// The app applies the pairs to its state in explorer/url.cpp. Every input
// (any bytes a student pastes into the address bar) gives pairs, never a crash.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ss {

// '+' -> ' ', "%41" -> 'A'; a '%' not followed by two hex digits stays as is.
std::string url_decode(std::string_view in);
// Everything but A-Z a-z 0-9 - _ . ~ as %XX.
std::string url_encode(std::string_view in);

// "?a=1&b=2" or "a=1&b=2" -> [(a, 1), (b, 2)], decoded, in order; a key
// without '=' has an empty value; empty pieces ("a=1&&b=2") are skipped.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

// A layer/head index: decimal digits only, in [0, limit); nullopt otherwise.
std::optional<int> parse_index(std::string_view value, int limit = 4096);

}  // namespace ss
