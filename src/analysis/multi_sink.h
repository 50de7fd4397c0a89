// Several sinks of one head (docs/metrics.md, "handoffs", "tag_cosines"):
// where a head's attention moves from one of its sinks to the next, and how
// alike the tags of its sinks (and of the model's strongest sink heads) are.
// Pure functions of an Analysis (its sinks and tags) and the taps' patterns.
#pragma once
#include <string>
#include <vector>

#include "analysis/analysis.h"

namespace ss {

// Query `query` of head (layer, head) puts more attention on sink `to` than on
// any other of the head's sinks it sees, and query - 1 did so on `from`.
struct Handoff {
  int layer = 0, head = 0, query = 0, from = 0, to = 0;
  float from_attention = 0, to_attention = 0;  // A[query, from], A[query, to]
};

// The handoffs of one head's pattern A [T, T] (rows = queries) among its
// sink keys (ascending); none with fewer than two sinks.
std::vector<Handoff> handoffs(const float* A, int T, const std::vector<int>& sink_keys, int layer, int head);
// Every head's handoffs, from the analysis's sinks and the attention
// patterns (kept or recomputed: analysis/pattern.h).
std::vector<Handoff> all_handoffs(const Model& model, const Analysis& an, const Taps& taps);

struct SinkRef {
  int layer = 0, head = 0, key = 0;
};
struct TagCosines {
  std::string scope;          // "head": all sinks of one head; "model": the strongest sink heads
  int layer = -1, head = -1;  // the head (scope "head" only)
  std::vector<SinkRef> sinks; // [n]  whose tags, in matrix order
  std::vector<float> cos;     // [n, n]  signed cosine between tags (0 when either is 0)
};

// [n, n] signed cosines between n tags of one length d (row-major).
std::vector<float> cosine_matrix(const std::vector<const std::vector<float>*>& tags);
// One entry per head with at least two tagged sinks (scope "head"), then one
// for the `max_heads` strongest sink heads by the sink map (scope "model";
// ties: earlier layer, then head), each by its strongest sink's tag.
std::vector<TagCosines> tag_cosines(const Analysis& an, int max_heads = 8);

}  // namespace ss
