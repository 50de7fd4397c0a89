#include "core/json.h"

#include <climits>
#include <cmath>

namespace ss::json {

namespace {
// Records the first syntax error without throwing (wasm builds may have C++
// exceptions disabled, where a throw aborts).
struct ErrorSax : nlohmann::json_sax<Json> {
  std::string message;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    message = ex.what();
    return false;
  }
};
}  // namespace

Expected<Json> parse(std::string_view text, const std::string& what) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    ErrorSax sax;
    Json::sax_parse(text.begin(), text.end(), &sax);
    return make_error(what + " is not valid JSON" + (sax.message.empty() ? "" : ": " + sax.message));
  }
  return j;
}

const Json* find(const Json& j, std::initializer_list<const char*> keys) {
  if (!j.is_object()) return nullptr;
  for (const char* k : keys) {
    auto it = j.find(k);
    if (it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

static std::string key_list(std::initializer_list<const char*> keys) {
  std::string s;
  for (const char* k : keys) s += (s.empty() ? "" : "/") + std::string(k);
  return s;
}

Expected<std::optional<long long>> get_int(const Json& j, std::initializer_list<const char*> keys) {
  const Json* v = find(j, keys);
  if (!v) return std::optional<long long>{};
  if (v->is_number_unsigned() && v->get<unsigned long long>() > static_cast<unsigned long long>(LLONG_MAX))
    return make_error("field '" + key_list(keys) + "' is too large: " + v->dump());
  if (v->is_number_integer() || v->is_number_unsigned()) return std::optional<long long>{v->get<long long>()};
  if (v->is_number_float()) {
    // Range check first: casting a double outside long long's range is UB
    // (found by fuzz_config with 1e+84).
    double d = v->get<double>();
    if (std::isfinite(d) && std::fabs(d) < 9.0e18 && d == std::trunc(d))
      return std::optional<long long>{static_cast<long long>(d)};
  }
  return make_error("field '" + key_list(keys) + "' must be an integer, got " + v->dump());
}

Expected<std::optional<double>> get_number(const Json& j, std::initializer_list<const char*> keys) {
  const Json* v = find(j, keys);
  if (!v) return std::optional<double>{};
  if (v->is_number()) return std::optional<double>{v->get<double>()};
  return make_error("field '" + key_list(keys) + "' must be a number, got " + v->dump());
}

Expected<std::optional<bool>> get_bool(const Json& j, std::initializer_list<const char*> keys) {
  const Json* v = find(j, keys);
  if (!v) return std::optional<bool>{};
  if (v->is_boolean()) return std::optional<bool>{v->get<bool>()};
  return make_error("field '" + key_list(keys) + "' must be true or false, got " + v->dump());
}

Expected<std::optional<std::string>> get_string(const Json& j, std::initializer_list<const char*> keys) {
  const Json* v = find(j, keys);
  if (!v) return std::optional<std::string>{};
  if (v->is_string()) return std::optional<std::string>{v->get<std::string>()};
  return make_error("field '" + key_list(keys) + "' must be a string, got " + v->dump());
}

}  // namespace ss::json
