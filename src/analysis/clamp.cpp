// clamp_outlier (definitions: clamp.h, docs/metrics.md).
#include "analysis/clamp.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "analysis/detail.h"
#include "analysis/report.h"

namespace ss {
using analysis_detail::layer_tap;

std::vector<float> clamp_medians(const Taps& taps, int n_layers, int dim) {
  std::vector<float> out;  // [L]
  for (int l = 0; l < n_layers; ++l) {
    const Tensor* x = layer_tap(taps, l, "resid_pre");  // [T, d]
    if (!x || x->rank() != 2 || dim < 0 || dim >= x->dim(1) || x->dim(0) == 0) return {};
    const int T = int(x->dim(0)), d = int(x->dim(1));
    std::vector<float> col(T);  // [T]
    for (int i = 0; i < T; ++i) col[i] = x->ptr()[size_t(i) * d + dim];
    std::sort(col.begin(), col.end());
    out.push_back(T % 2 ? col[T / 2] : float((double(col[T / 2 - 1]) + col[T / 2]) / 2));
  }
  return out;
}

Hooks clamp_hooks(const ClampSpec& spec, const std::vector<float>& medians) {
  Hooks hooks;
  auto one = [&](int pos) {
    Hook h;
    h.kind = HookKind::ClampDim, h.layer = spec.from_layer, h.head = -1, h.position = pos, h.vec = medians, h.dim = spec.dim;
    hooks.push_back(std::move(h));
  };
  if (spec.tokens.empty()) one(-1);
  for (int t : spec.tokens) one(t);
  return hooks;
}

int top_outlier_dim(const Taps& taps, int layer, int token) {
  const Tensor* x = layer_tap(taps, layer, "resid_pre");  // [T, d]
  if (!x || x->rank() != 2 || token < 0 || token >= x->dim(0)) return -1;
  const int d = int(x->dim(1));
  const float* row = x->ptr() + size_t(token) * d;  // [d]
  int best = 0;
  for (int j = 1; j < d; ++j)
    if (std::fabs(row[j]) > std::fabs(row[best])) best = j;
  return d > 0 ? best : -1;
}

ClampSide clamp_side(const Analysis& an, float loss) {
  ClampSide s;
  s.loss = loss, s.sink1_share = an.sink1_share, s.n_sinks = int(an.sinks.size());
  if (an.T == 0) return s;
  double sum = 0;
  for (int l = 0; l < an.n_layers; ++l)
    for (int h = 0; h < an.n_heads; ++h) {
      const float v = an.score(l, h, 0);
      s.key0.push_back(v);
      s.key0_max = std::max(s.key0_max, v), sum += v;
    }
  s.key0_mean = s.key0.empty() ? 0.f : float(sum / s.key0.size());
  return s;
}

namespace {
nlohmann::json side_json(const ClampSide& s, int H) {
  nlohmann::json grid = nlohmann::json::array();
  for (size_t b = 0; H > 0 && b < s.key0.size(); b += H)
    grid.push_back(std::vector<float>(s.key0.begin() + b, s.key0.begin() + b + H));
  return {{"loss", s.loss}, {"sink1_share", s.sink1_share}, {"sink_score_key0", grid},
          {"key0_max", s.key0_max}, {"key0_mean", s.key0_mean}, {"n_sinks", s.n_sinks}};
}
}  // namespace

nlohmann::json clamp_json(const ClampSpec& spec, const std::vector<float>& medians, const ClampSide& before,
                          const ClampSide& after, const Analysis& after_an, const AnalysisSettings& st) {
  nlohmann::json j = {{"dim", spec.dim}, {"from_layer", spec.from_layer}, {"medians", medians}};
  j["tokens"] = spec.tokens.empty() ? nlohmann::json(nullptr) : nlohmann::json(spec.tokens);
  j["before"] = side_json(before, after_an.n_heads);
  j["after"] = side_json(after, after_an.n_heads);
  const nlohmann::json full = to_json(after_an, st);
  j["after"]["sinks"] = full["sinks"];
  j["after"]["tags"] = full["tags"];
  return j;
}

std::string parse_clamp(const std::string& s, int d_model, int n_layers, int T, ClampSpec& spec) {
  const std::string bad = "--clamp: '" + s + "' is not DIM@LAYER[:TOKENS] (TOKENS: a or a-b joined by '+')";
  ClampSpec out;
  char* end = nullptr;
  const long dim = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '@') return bad;
  const char* p = end + 1;
  const long layer = std::strtol(p, &end, 10);
  if (end == p || (*end != '\0' && *end != ':')) return bad;
  if (dim < 0 || dim >= d_model) return "--clamp: dim " + std::to_string(dim) + " is outside the model's " + std::to_string(d_model);
  if (layer < 0 || layer >= n_layers) return "--clamp: layer " + std::to_string(layer) + " is outside the model's " + std::to_string(n_layers);
  out.dim = int(dim), out.from_layer = int(layer);
  if (*end == ':') {
    p = end + 1;
    while (true) {
      const long a = std::strtol(p, &end, 10);
      if (end == p) return bad;
      long b = a;
      if (*end == '-') {
        p = end + 1;
        b = std::strtol(p, &end, 10);
        if (end == p) return bad;
      }
      if (a < 0 || b < a || b >= T) return "--clamp: tokens " + std::to_string(a) + "-" + std::to_string(b) + " are not within the " + std::to_string(T) + " tokens";
      for (long i = a; i <= b; ++i)
        if (std::find(out.tokens.begin(), out.tokens.end(), int(i)) == out.tokens.end()) out.tokens.push_back(int(i));
      if (*end == '\0') break;
      if (*end != '+') return bad;
      p = end + 1;
    }
    std::sort(out.tokens.begin(), out.tokens.end());
  }
  spec = std::move(out);
  return "";
}

}  // namespace ss
