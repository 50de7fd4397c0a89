// libFuzzer: the safetensors header and offsets parser, then the mapping into
// canonical Weights with the tiny llama config. Any input must give a value or
// an Error, never a crash, leak or out-of-bounds read.
#include <cstddef>
#include <cstdint>
#include <span>

#include "model/loader.h"
#include "model/safetensors.h"

static const char* kConfig = R"({"model_type":"llama","vocab_size":8,"hidden_size":4,"intermediate_size":4,
  "num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":1,"tie_word_embeddings":true})";

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto st = ss::SafeTensors::parse(bytes);
  if (st) {
    for (const auto& e : st->entries()) (void)ss::SafeTensors::to_float(e);
  }
  (void)ss::load_model(kConfig, bytes, "fuzz");
  return 0;
}
