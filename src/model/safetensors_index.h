// model.safetensors.index.json: how a sharded checkpoint says which shard file
// holds each tensor, {"metadata": {...}, "weight_map": {tensor: file}}. The
// file names come from the user, so each must be a plain *.safetensors name
// in the same folder (no path, no "..").
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ss {

struct ShardIndex {
  std::vector<std::string> shards;          // the distinct file names, sorted
  std::map<std::string, int> tensor_shard;  // tensor name -> index into shards
};

// The most shard files one index may name (a 70B checkpoint has ~30).
inline constexpr int kMaxShards = 1024;

Expected<ShardIndex> parse_safetensors_index(std::string_view json_text);

}  // namespace ss
