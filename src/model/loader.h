// Loading a model: config.json text plus safetensors bytes -> Model with
// canonical Weights. The browser passes the bytes of user-dropped files to
// load_model; native code memory-maps a folder with load_model_dir.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/tensor_storage.h"
#include "model/safetensors.h"
#include "model/weights.h"
#include "tokenizer/tokenizer.h"

namespace ss {

// max_bytes: the most tensor data (and float32 weights) to accept; the
// headless module, with 4 GB of memory, passes more (webapi_timing.cpp).
Expected<Model> load_model(std::string_view config_json, std::span<const uint8_t> safetensors_bytes, std::string name,
                           uint64_t max_bytes = kMaxModelBytes);

// One file of a sharded checkpoint: its name as the index spells it, and its bytes.
struct ShardBytes {
  std::string name;
  std::span<const uint8_t> bytes;
};

// A sharded checkpoint: config.json, model.safetensors.index.json and the
// shard files it names (every one must be given; others are ignored). Refused:
// a shard the index names but `shards` lacks, a tensor the index places in a
// shard that does not hold it, a tensor held by two shards, more tensor bytes
// in all than kMaxModelBytes.
Expected<Model> load_model_sharded(std::string_view config_json, std::string_view index_json,
                                   const std::vector<ShardBytes>& shards, std::string name);

// The one reader of a model folder: DIR/config.json with DIR/model.safetensors,
// or with DIR/model.safetensors.index.json and its shards (all memory-mapped).
// A folder with only pytorch_model.bin is refused with the line that converts
// it. name = the folder's name.
Expected<Model> load_model_dir(const std::string& dir);

// A tokenizer.json for a model: BOS from config.json when the tokenizer names
// none (GPT-2 style), and refused when its vocabulary does not fit the
// model's (a tokenizer from another model would read outside the embedding).
Expected<Tokenizer> load_tokenizer_for(std::string_view tokenizer_json, const ModelConfig& config);

// Maps one family's Hugging Face tensor names into canonical Weights,
// checking every shape against the config and every value for NaN/Inf.
Expected<Weights> map_weights(const ModelConfig& config, const SafeTensors& file);
// The same over the shards of a sharded checkpoint (each tensor in one shard).
Expected<Weights> map_weights(const ModelConfig& config, const std::vector<const SafeTensors*>& files);

// Every weight of w as float32 (loading keeps big matrices 16-bit where that
// loses nothing; code that edits or reads weights element by element, like
// the tests, may want them all float32).
void widen_weights(Weights& w);
// The other way: every matrix (and the embeddings) 16-bit where that loses
// nothing and `allow` permits (the loader's own choice is documented in
// map_families.cpp); returns how many tensors it stored 16-bit.
int compact_weights(Weights& w, Compact16 allow = {});

}  // namespace ss
