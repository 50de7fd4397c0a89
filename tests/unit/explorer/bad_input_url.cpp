// URL parameters (core/url_query, applied by explorer/url.cpp): what a
// pasted or hand-edited link can hold. fuzz_url_params runs the same parser
// on arbitrary bytes; these are the known answers.
#include <catch2/catch.hpp>

#include <string>

#include "core/url_query.h"

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("url query: decoding, splitting, and malformed escapes", "[bad-input][url]") {
  CHECK(ss::url_decode("The%20sky+is%2Fblue") == "The sky is/blue");
  CHECK(ss::url_decode("100%") == "100%");      // a '%' at the end stays
  CHECK(ss::url_decode("%4") == "%4");          // one hex digit: stays
  CHECK(ss::url_decode("%zz%4g") == "%zz%4g");  // not hex: stays
  CHECK(ss::url_decode("%00%ff") == std::string("\0\xff", 2));
  CHECK(ss::parse_query("?model=demo-lm&prompt=a%26b%3Dc&&embed") ==
        Pairs{{"model", "demo-lm"}, {"prompt", "a&b=c"}, {"embed", ""}});
  CHECK(ss::parse_query("").empty());
  CHECK(ss::parse_query("?").empty());
  CHECK(ss::parse_query("&&&").empty());
  CHECK(ss::parse_query("=x") == Pairs{{"", "x"}});
}

TEST_CASE("url query: layer/head indices refuse signs, spaces, overflow and huge values", "[bad-input][url]") {
  CHECK(ss::parse_index("0") == 0);
  CHECK(ss::parse_index("4095") == 4095);
  for (const char* bad : {"", "-1", "+2", " 3", "3 ", "1e3", "4096", "99999999999999999999", "0x10", "2.0"}) {
    INFO(bad);
    CHECK_FALSE(ss::parse_index(bad).has_value());
  }
}

TEST_CASE("url query: encode then parse gives back any text", "[bad-input][url]") {
  const std::string nasty = std::string("<img src=x onerror=alert(1)> & = + % \xff\xc3( \n\t") + std::string(1, '\0');
  const std::string q = "prompt=" + ss::url_encode(nasty) + "&model=" + ss::url_encode("a&b");
  CHECK(ss::parse_query(q) == Pairs{{"prompt", nasty}, {"model", "a&b"}});
  CHECK(ss::url_encode("az-_.~") == "az-_.~");
  CHECK(ss::url_encode(" ") == "%20");
}
