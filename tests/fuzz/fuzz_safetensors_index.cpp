// libFuzzer: model.safetensors.index.json (a sharded checkpoint's map from
// tensor to shard file), then a sharded load with the input as the index and
// one tiny shard. Any input must give a value or an Error, never a crash; a
// parsed index must name only plain *.safetensors files, each tensor's shard
// among them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/loader.h"
#include "model/safetensors_index.h"

static const char* kConfig = R"({"model_type":"llama","vocab_size":8,"hidden_size":4,"intermediate_size":4,
  "num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":1,"tie_word_embeddings":true})";

// A shard holding one F32 tensor "a" [1] (a valid safetensors file).
static std::vector<uint8_t> tiny_shard() {
  const std::string h = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  std::vector<uint8_t> out(8, 0);
  out[0] = static_cast<uint8_t>(h.size());
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), 4, 0);
  return out;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto idx = ss::parse_safetensors_index(text);
  if (idx) {
    for (const std::string& s : idx->shards)
      if (s.find('/') != std::string::npos || s.find('\\') != std::string::npos || s.rfind("..", 0) == 0) __builtin_trap();
    for (const auto& [tensor, shard] : idx->tensor_shard)
      if (shard < 0 || shard >= static_cast<int>(idx->shards.size())) __builtin_trap();
  }
  static const std::vector<uint8_t> shard = tiny_shard();
  (void)ss::load_model_sharded(kConfig, text, {{"model-00001-of-00002.safetensors", shard}, {"b.safetensors", shard}}, "fuzz");
  return 0;
}
