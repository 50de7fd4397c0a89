// JSON and CSV of the paper's second half (handoffs, tag_cosines,
// key_dimensions, probes), in report.h's style: key names are the metric
// names of docs/metrics.md, CSV rows are one fact each in to_csv()'s columns
// (section,layer,head,key,token,dim,name,value).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/key_dims.h"
#include "analysis/multi_sink.h"
#include "analysis/probes.h"

namespace ss {

struct SecondHalf {
  std::vector<Handoff> handoffs;
  std::vector<TagCosines> tag_cosines;
  std::vector<KeyDimensions> key_dimensions;
  std::vector<ProbeResult> probes;  // empty unless asked for (they need the probe set's passes)
};

// handoffs, tag_cosines and key_dimensions of one analysed window.
SecondHalf second_half(const Model& model, const Taps& taps, const Analysis& an, const AnalysisSettings& settings,
                       int tag_cosine_heads = 8, int key_dims_top = 8);

// Adds "handoffs", "tag_cosines", "key_dimensions" and, when there are any,
// "probes" to `j` (formats: docs/metrics.md, each metric's JSON line).
void add_second_half_json(const SecondHalf& sh, nlohmann::json& j);

// CSV rows without the header (append to to_csv()'s table). Sections:
// handoff (key = to, token = query, name "from", value = from key),
// tag_cosine (layer, head, key of the row's sink; name "cos@L.H.K" names the
// column's sink; scope "head" as tag_cosine, "model" as tag_cosine_model),
// key_dim (dim, name "contribution", plus name "score" / "bias" rows),
// probe (name "TARGET.SPACE" = accuracy, "TARGET.chance", "TARGET.n_tokens").
std::string second_half_csv(const SecondHalf& sh);

}  // namespace ss
