#include "cli/args.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

Expected<std::vector<std::pair<int, int>>> parse_heads(const std::string& s, int n_layers, int n_heads) {
  std::vector<std::pair<int, int>> out;
  for (const std::string& tok : fields(s)) {
    int l = -1, h = -1;
    char tail = 0;
    if (std::sscanf(tok.c_str(), "%d.%d%c", &l, &h, &tail) != 2 || l < 0 || l >= n_layers || h < 0 || h >= n_heads)
      return make_error("--probe-heads: '" + tok + "' is not LAYER.HEAD of this model");
    out.push_back({l, h});
  }
  if (out.empty()) return make_error("--probe-heads: no heads given");
  return out;
}

Expected<std::vector<int>> parse_labels(const std::string& s, int T) {
  std::vector<int> labels(std::max(T, 0), -1);  // [T]
  for (const std::string& tok : fields(s)) {
    // NAME ':' FIRST ['-' LAST], nothing after.
    const int cls = tok.size() > 2 && tok[1] == ':' ? (tok[0] == 'A' || tok[0] == 'a' ? 0 : tok[0] == 'B' || tok[0] == 'b' ? 1 : -1) : -1;
    char* end = nullptr;
    const long b = cls < 0 ? -1 : std::strtol(tok.c_str() + 2, &end, 10);
    long e = b;
    if (cls >= 0 && *end == '-') e = std::strtol(end + 1, &end, 10);
    if (cls < 0 || *end != '\0' || b < 0 || e < b || e >= T)
      return make_error("--labels: '" + tok + "' is not A:FIRST-LAST or B:FIRST-LAST within the " + std::to_string(T) + " tokens");
    for (long i = b; i <= e; ++i) {
      if (labels[i] >= 0) return make_error("--labels: position " + std::to_string(i) + " is labelled twice");
      labels[i] = cls;
    }
  }
  return labels;
}

}  // namespace ss::cli
