// JSON reading without exceptions: config.json and safetensors headers come
// from users, so every lookup reports a typed error instead of throwing.
// (tokenizer.json's parser, tokenizer/tokenizer_json.cpp, is the exception: its
// nested getters throw, and its one entry point turns every exception into an
// Error, so nothing escapes to a caller either.)
#pragma once
#include <nlohmann/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ss::json {

using Json = nlohmann::json;

// Parses text; a syntax error becomes an Error naming `what` and the position.
Expected<Json> parse(std::string_view text, const std::string& what);

// First of `keys` present and not null in object `j`; nullptr when none.
const Json* find(const Json& j, std::initializer_list<const char*> keys);

// Typed optional fields: nullopt when absent or null; an Error when present
// with the wrong type (names the key).
Expected<std::optional<long long>> get_int(const Json& j, std::initializer_list<const char*> keys);
Expected<std::optional<double>> get_number(const Json& j, std::initializer_list<const char*> keys);
Expected<std::optional<bool>> get_bool(const Json& j, std::initializer_list<const char*> keys);
Expected<std::optional<std::string>> get_string(const Json& j, std::initializer_list<const char*> keys);

}  // namespace ss::json
