// Token text as a person should read it on a chip or in a list.
#pragma once
#include <string>
#include <string_view>

namespace ss::explorer {

// newline -> an arrow (U+21B5), tab -> "\t", a space -> a middle dot, other
// control bytes -> <0x..>; "" -> "(empty)". Bytes >= 0x80 pass through (the UI
// font draws valid UTF-8; the chip widget replaces the rest).
std::string display_token(std::string_view raw);

}  // namespace ss::explorer
