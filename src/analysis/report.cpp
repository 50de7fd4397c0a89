#include "analysis/report.h"

#include <cmath>
#include <set>
#include <sstream>

namespace ss {

nlohmann::json to_json(const Analysis& an, const AnalysisSettings& st) {
  using J = nlohmann::json;
  J j;
  j["T"] = an.T, j["n_layers"] = an.n_layers, j["n_heads"] = an.n_heads;
  j["settings"] = {{"sink_eps", st.sink_eps},       {"sink_min_queries", st.sink_min_queries},
                   {"sink_uniform_factor", st.sink_uniform_factor}, {"sink1_eps", st.sink1_eps},
                   {"catch_tau", st.catch_tau},     {"massive_abs", st.massive_abs},
                   {"massive_rel", st.massive_rel}, {"top_k", st.top_k}};
  j["sink1_share_per_layer"] = an.sink1_share_per_layer;
  j["sink1_share"] = an.sink1_share;
  J grid = J::array();
  for (int l = 0; l < an.n_layers; ++l) {
    J row = J::array();
    for (int h = 0; h < an.n_heads; ++h)
      row.push_back(std::vector<float>(an.sink_score.begin() + (size_t(l) * an.n_heads + h) * an.T,
                                       an.sink_score.begin() + (size_t(l) * an.n_heads + h + 1) * an.T));
    grid.push_back(row);
  }
  j["sink_score"] = grid;
  if (!an.sink_slot_share.empty()) {  // only models with a sink slot (docs/metrics.md, "Sink slot")
    J slot = J::array();
    for (int l = 0; l < an.n_layers; ++l) {
      J row = J::array();
      for (int h = 0; h < an.n_heads; ++h) row.push_back(an.slot_share(l, h));
      slot.push_back(row);
    }
    j["sink_slot_share"] = slot;
  }
  J sinks = J::array(), tags = J::array(), rel = J::array(), mass = J::array();
  for (const Sink& s : an.sinks) {
    const auto [ab, ae] = caught_after(s);
    sinks.push_back({{"layer", s.layer}, {"head", s.head}, {"key", s.key}, {"score", s.score},
                     {"uniform_score", s.uniform_score}, {"kind", sink_kind_name(s.kind)},
                     {"catch_span", {s.span_begin, s.span_end}}, {"caught_after", {ab, ae}}, {"caught", s.caught}});
    if (!s.tag.empty()) {
      J t = {{"layer", s.layer}, {"head", s.head}, {"key", s.key}, {"tag_norm", s.tag_norm}, {"tag", s.tag},
             {"tag_alignment", s.tag_alignment}, {"tag_projection", s.tag_projection},
             {"tag_projection_others", s.tag_projection_others}};
      if (s.has_variance) t["var_top1"] = s.var_top1, t["var_top2"] = s.var_top2, t["cos_top_pc_tag"] = s.cos_top_pc_tag;
      tags.push_back(t);
    }
    for (const Release& r : s.release)
      rel.push_back({{"sink_layer", s.layer}, {"sink_head", s.head}, {"sink_key", s.key}, {"layer", r.layer},
                     {"head", r.head}, {"mass_caught", r.mass_caught}, {"uniform_caught", r.uniform_caught},
                     {"lift", r.lift}, {"tag_score_share", r.tag_score_share}});
  }
  J med = J::array(), mx = J::array();
  for (const LayerMassive& lm : an.massive) {
    med.push_back(lm.median_abs);
    mx.push_back(lm.max_abs);
    std::set<std::pair<int, int>> seen;
    std::set<std::pair<int, int>> over;
    for (const MassiveEntry& e : lm.over_threshold) over.insert({e.token, e.dim});
    auto add = [&](const MassiveEntry& e) {
      if (!seen.insert({e.token, e.dim}).second) return;
      mass.push_back({{"layer", e.layer}, {"dim", e.dim}, {"token", e.token}, {"value", e.value},
                      {"ratio_to_median", std::isfinite(e.ratio_to_median) ? e.ratio_to_median : 3.4e38f},
                      {"over_threshold", over.count({e.token, e.dim}) > 0}});
    };
    for (const MassiveEntry& e : lm.over_threshold) add(e);
    for (const MassiveEntry& e : lm.top) add(e);
  }
  j["sinks"] = sinks, j["tags"] = tags, j["release"] = rel, j["massive"] = mass, j["median_abs"] = med, j["max_abs"] = mx;
  return j;
}

std::string to_csv(const Analysis& an) {
  std::ostringstream o;
  o.precision(9);
  o << "section,layer,head,key,token,dim,name,value\n";
  auto row = [&](const char* sec, int l, int h, int k, int t, int d, const char* name, double v) {
    auto f = [&](int x) { return x < 0 ? std::string() : std::to_string(x); };
    o << sec << ',' << f(l) << ',' << f(h) << ',' << f(k) << ',' << f(t) << ',' << f(d) << ',' << name << ',' << v << '\n';
  };
  for (int l = 0; l < an.n_layers; ++l) row("sink1_share", l, -1, -1, -1, -1, "sink1_share", an.sink1_share_per_layer[l]);
  for (int l = 0; l < an.n_layers; ++l)
    for (int h = 0; h < an.n_heads; ++h)
      if (an.T > 0) row("sink_score", l, h, 0, -1, -1, "sink_score", an.score(l, h, 0));
  if (!an.sink_slot_share.empty())
    for (int l = 0; l < an.n_layers; ++l)
      for (int h = 0; h < an.n_heads; ++h) row("sink_slot_share", l, h, -1, -1, -1, "sink_slot_share", an.slot_share(l, h));
  for (const Sink& s : an.sinks) {
    row("sink", s.layer, s.head, s.key, -1, -1, sink_kind_name(s.kind), s.score);
    row("uniform_score", s.layer, s.head, s.key, -1, -1, "uniform_score", s.uniform_score);
    row("catch_span", s.layer, s.head, s.key, s.span_begin, -1, "begin", s.span_begin);
    row("catch_span", s.layer, s.head, s.key, s.span_end, -1, "end", s.span_end);
    row("catch_span", s.layer, s.head, s.key, -1, -1, "n_caught", double(s.caught.size()));
    if (!s.tag.empty()) row("tag", s.layer, s.head, s.key, -1, -1, "tag_norm", s.tag_norm);
    if (s.has_variance) {
      row("tag", s.layer, s.head, s.key, -1, -1, "var_top1", s.var_top1);
      row("tag", s.layer, s.head, s.key, -1, -1, "var_top2", s.var_top2);
      row("tag", s.layer, s.head, s.key, -1, -1, "cos_top_pc_tag", s.cos_top_pc_tag);
    }
    for (const Release& r : s.release) {
      // layer/head are the reading head's; the sink is named by key and the
      // name's suffix "@layer.head".
      std::string tagname = "@" + std::to_string(s.layer) + "." + std::to_string(s.head);
      row("release", r.layer, r.head, s.key, -1, -1, ("lift" + tagname).c_str(), r.lift);
      row("release", r.layer, r.head, s.key, -1, -1, ("mass_caught" + tagname).c_str(), r.mass_caught);
      row("release", r.layer, r.head, s.key, -1, -1, ("uniform_caught" + tagname).c_str(), r.uniform_caught);
      row("release", r.layer, r.head, s.key, -1, -1, ("tag_score_share" + tagname).c_str(), r.tag_score_share);
    }
  }
  for (const LayerMassive& lm : an.massive)
    for (const MassiveEntry& e : lm.top) {
      row("massive", e.layer, -1, -1, e.token, e.dim, "value", e.value);
      row("massive", e.layer, -1, -1, e.token, e.dim, "ratio_to_median", std::isfinite(e.ratio_to_median) ? e.ratio_to_median : 3.4e38);
    }
  return o.str();
}

}  // namespace ss
