#include "cli/args.h"

#include <cmath>
#include <cstdlib>

namespace ss::cli {

namespace {
// The comma-separated fields of s ("" between two commas is a field too).
std::vector<std::string> fields(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}
}  // namespace

Expected<std::vector<int32_t>> parse_ids(const std::string& s) {
  std::vector<int32_t> ids;
  for (const std::string& tok : fields(s)) {
    char* end = nullptr;
    long v = std::strtol(tok.c_str(), &end, 10);
    if (tok.empty() || *end != '\0' || v < 0 || v > (1l << 30)) return make_error("--ids: '" + tok + "' is not a token id");
    ids.push_back(static_cast<int32_t>(v));
  }
  if (ids.empty()) return make_error("--ids: no ids given");
  return ids;
}

Expected<Tensor> parse_inputs(const std::string& s, int64_t width) {
  std::vector<float> v;
  for (const std::string& tok : fields(s)) {
    char* end = nullptr;
    float x = std::strtof(tok.c_str(), &end);
    if (tok.empty() || *end != '\0' || !std::isfinite(x)) return make_error("--inputs: '" + tok + "' is not a finite number");
    v.push_back(x);
  }
  if (v.empty() || v.size() % width)
    return make_error("--inputs: " + std::to_string(v.size()) + " numbers are not rows of the input width " + std::to_string(width));
  Tensor t({static_cast<int64_t>(v.size()) / width, width});
  t.data = std::move(v);
  return t;
}

}  // namespace ss::cli
