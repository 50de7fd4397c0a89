// libFuzzer: config.json parsing for every model_type. Any input must give a
// ModelConfig or an Error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = ss::parse_config(text);
  if (c) {
    // A config that parses must be internally consistent.
    if (c->n_kv_heads <= 0 || c->n_heads % c->n_kv_heads != 0) __builtin_trap();
    if (c->rotary && (c->rotary_dim <= 0 || c->rotary_dim > c->d_head)) __builtin_trap();
  }
  return 0;
}
