// Which file is which when a user hands the page a model: files dropped on
// the page or picked in a dialog (any names, maybe with folder paths), and
// the shard list a Hub repo's model.safetensors.index.json names. The page
// only moves bytes; every decision about names is made here, so a fuzzer can
// feed it anything.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ss {

// The shard files of a sharded checkpoint, from its index (the checks of
// parse_safetensors_index: plain *.safetensors names in the same folder, no
// "/" or "..", no tensor listed twice, at most kMaxShards files).
struct ShardList {
  std::vector<std::string> shards;  // distinct file names, sorted
  uint64_t total_size = 0;          // metadata.total_size (tensor bytes), 0 when the index gives none
};
Expected<ShardList> shard_files(std::string_view index_json);

// The most names one file set may have (a dropped folder with a .git inside).
inline constexpr int kMaxDroppedFiles = 100000;

// A model's files among `names`: indices into names, -1 = not there.
struct FileSet {
  int config = -1;              // config.json
  int tokenizer = -1;           // tokenizer.json
  int weights = -1;             // model.safetensors (a single-file checkpoint)
  int index = -1;               // model.safetensors.index.json (a sharded one)
  std::vector<int> shards;      // with an index and its text: the shards it names, in its order
  bool needs_index = false;     // sharded, and the index's text was not given: read it, ask again
  uint64_t total_size = 0;      // the index's metadata.total_size, 0 when absent
};

// Classifies a file set by base name (after the last '/' or '\\'); of two
// files with the same base name the one nearer the top of the folder wins,
// two at the same depth are refused. Refused with one sentence naming what is
// missing: "config.json is missing", "the index names
// model-00002-of-00002.safetensors, which was not dropped", a set with only
// pytorch_model.bin (with the line that converts it), shards without their
// index. model.safetensors wins over an index, as in a folder on disk.
Expected<FileSet> classify_files(const std::vector<std::string>& names, std::string_view index_json = {});

// Splits a newline-separated list (what the page passes) into names; empty
// lines are dropped.
std::vector<std::string> split_names(std::string_view text);

}  // namespace ss
