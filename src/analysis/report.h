// Analysis as JSON (nlohmann) and CSV, for the CLI and for anyone who wants
// numbers instead of pictures. Key names are the metric names of docs/metrics.md.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/analysis.h"

namespace ss {

// {"T", "n_layers", "n_heads", "settings" (every AnalysisSettings threshold),
//  "sink1_share_per_layer", "sink1_share", "sink_score" [L][H][T], "sinks": [{layer,
//  head, key, score, uniform_score, kind, catch_span [b, e), caught_after [b, e)
//  (the span without the sink), caught}], "tags": [{layer, head, key, tag_norm, tag, tag_alignment, var_top1,
//  var_top2, cos_top_pc_tag, tag_projection, tag_projection_others}],
//  "release": [{sink_layer, sink_head, sink_key, layer, head, mass_caught,
//  uniform_caught, lift, tag_score_share}], "massive": [{layer, dim, token, value,
//  ratio_to_median, over_threshold}] (top-k and over-threshold entries, deduplicated),
//  "median_abs" [L], "max_abs" [L]}
nlohmann::json to_json(const Analysis& an, const AnalysisSettings& settings);

// One table, one row per fact: section,layer,head,key,token,dim,name,value.
// Sections: sink1_share, sink_score (key 0 only, per head), sink (name = kind,
// value = score), uniform_score, catch_span,
// tag, release, massive.
std::string to_csv(const Analysis& an);

}  // namespace ss
