#include "analysis/report_second_half.h"

#include <cmath>
#include <sstream>

namespace ss {
namespace {
using J = nlohmann::json;

J handoffs_json(const std::vector<Handoff>& hs) {
  J out = J::array();
  for (const Handoff& h : hs)
    out.push_back({{"layer", h.layer}, {"head", h.head}, {"query", h.query}, {"from", h.from}, {"to", h.to},
                   {"from_attention", h.from_attention}, {"to_attention", h.to_attention}});
  return out;
}

J tag_cosines_json(const std::vector<TagCosines>& tcs) {
  J out = J::array();
  for (const TagCosines& tc : tcs) {
    const size_t n = tc.sinks.size();
    J sinks = J::array(), cos = J::array();
    for (const SinkRef& s : tc.sinks) sinks.push_back({s.layer, s.head, s.key});
    for (size_t a = 0; a < n; ++a) cos.push_back(std::vector<float>(tc.cos.begin() + a * n, tc.cos.begin() + (a + 1) * n));
    J e = {{"scope", tc.scope}, {"sinks", sinks}, {"cos", cos}};
    if (tc.scope == "head") e["layer"] = tc.layer, e["head"] = tc.head;
    out.push_back(e);
  }
  return out;
}

J key_dimensions_json(const std::vector<KeyDimensions>& kds) {
  J out = J::array();
  for (const KeyDimensions& kd : kds) {
    if (kd.contribution.empty()) continue;  // taps missing: nothing measured
    J top = J::array();
    for (const KeyDim& e : kd.top)
      top.push_back({{"dim", e.dim}, {"contribution", e.contribution}, {"share", e.share}, {"x", e.x}, {"n", e.n},
                     {"ratio_to_median", e.ratio_to_median}, {"massive", e.massive}, {"top_k", e.top_k}});
    out.push_back({{"layer", kd.layer}, {"head", kd.head}, {"key", kd.key}, {"queries", kd.queries},
                   {"n_queries", kd.n_queries}, {"score", kd.score}, {"bias", kd.bias}, {"sum_abs", kd.sum_abs},
                   {"top", top}});
  }
  return out;
}

J probes_json(const std::vector<ProbeResult>& ps) {
  J out = J::array();
  for (const ProbeResult& p : ps) {
    J acc = J::object();
    for (int s = 0; s < kProbeSpaces; ++s) acc[probe_space_name(s)] = p.accuracy[s];
    out.push_back({{"layer", p.layer}, {"head", p.head}, {"target", p.target}, {"classes", p.classes},
                   {"class_counts", p.class_counts}, {"n_tokens", p.n_tokens}, {"n_folds", p.n_folds},
                   {"tag_dims", p.tag_dims}, {"chance", p.chance}, {"accuracy", acc}});
  }
  return out;
}

}  // namespace

SecondHalf second_half(const Model& model, const Taps& taps, const Analysis& an, const AnalysisSettings& st,
                       int tag_cosine_heads, int key_dims_top) {
  SecondHalf sh;
  sh.handoffs = all_handoffs(model, an, taps);
  sh.tag_cosines = tag_cosines(an, tag_cosine_heads);
  sh.key_dimensions = all_key_dimensions(model, taps, an, st, key_dims_top);
  return sh;
}

void add_second_half_json(const SecondHalf& sh, nlohmann::json& j) {
  j["handoffs"] = handoffs_json(sh.handoffs);
  j["tag_cosines"] = tag_cosines_json(sh.tag_cosines);
  j["key_dimensions"] = key_dimensions_json(sh.key_dimensions);
  if (!sh.probes.empty()) j["probes"] = probes_json(sh.probes);
}

std::string second_half_csv(const SecondHalf& sh) {
  std::ostringstream o;
  o.precision(9);
  auto row = [&](const char* sec, int l, int h, int k, int t, int d, const std::string& name, double v) {
    auto f = [&](int x) { return x < 0 ? std::string() : std::to_string(x); };
    o << sec << ',' << f(l) << ',' << f(h) << ',' << f(k) << ',' << f(t) << ',' << f(d) << ',' << name << ',' << v << '\n';
  };
  for (const Handoff& h : sh.handoffs) row("handoff", h.layer, h.head, h.to, h.query, -1, "from", h.from);
  for (const TagCosines& tc : sh.tag_cosines) {
    const size_t n = tc.sinks.size();
    const char* sec = tc.scope == "head" ? "tag_cosine" : "tag_cosine_model";
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b) {
        const SinkRef& r = tc.sinks[a], &c = tc.sinks[b];
        const std::string name = "cos@" + std::to_string(c.layer) + "." + std::to_string(c.head) + "." + std::to_string(c.key);
        row(sec, r.layer, r.head, r.key, -1, -1, name, tc.cos[a * n + b]);
      }
  }
  for (const KeyDimensions& kd : sh.key_dimensions) {
    if (kd.contribution.empty()) continue;
    row("key_dim", kd.layer, kd.head, kd.key, -1, -1, "score", kd.score);
    row("key_dim", kd.layer, kd.head, kd.key, -1, -1, "bias", kd.bias);
    for (const KeyDim& e : kd.top) row("key_dim", kd.layer, kd.head, kd.key, -1, e.dim, "contribution", e.contribution);
  }
  for (const ProbeResult& p : sh.probes) {
    for (int s = 0; s < kProbeSpaces; ++s) row("probe", p.layer, p.head, -1, -1, -1, p.target + "." + probe_space_name(s), p.accuracy[s]);
    row("probe", p.layer, p.head, -1, -1, -1, p.target + ".chance", p.chance);
    row("probe", p.layer, p.head, -1, -1, -1, p.target + ".n_tokens", p.n_tokens);
  }
  return o.str();
}

}  // namespace ss
