// Argument parsing shared by the CLI's commands.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace ss::cli {

// --ids 1,2,3: token ids, each in [0, 2^30].
Expected<std::vector<int32_t>> parse_ids(const std::string& s);
// --inputs x,x,...: finite floats, row-major rows of `width` columns -> [T, width].
Expected<Tensor> parse_inputs(const std::string& s, int64_t width);
// --probe-heads 6.2,4.4: (layer, head) pairs, each within [0, n_layers) x [0, n_heads).
Expected<std::vector<std::pair<int, int>>> parse_heads(const std::string& s, int n_layers, int n_heads);
// --labels A:8-24,B:26-40: label ranges over token positions (inclusive, 0-based,
// BOS counted) -> [T]: 0 = A, 1 = B, -1 = unlabelled; a position labelled twice is an error.
Expected<std::vector<int>> parse_labels(const std::string& s, int T);

}  // namespace ss::cli
