// Argument parsing shared by the CLI's commands.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace ss::cli {

// --ids 1,2,3: token ids, each in [0, 2^30].
Expected<std::vector<int32_t>> parse_ids(const std::string& s);
// --inputs x,x,...: finite floats, row-major rows of `width` columns -> [T, width].
Expected<Tensor> parse_inputs(const std::string& s, int64_t width);

}  // namespace ss::cli
