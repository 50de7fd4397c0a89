// libFuzzer: a dropped file set (model/file_set.h). The input is a list of
// file names (one a line, as the page passes them), then a NUL, then the text
// of model.safetensors.index.json. Any input must give a FileSet or an
// Error, never a crash; a FileSet must point at files with the right base
// names, and every shard it lists must be a plain *.safetensors name the
// index gives (shard_files, checked on its own too).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/file_set.h"

namespace {
std::string_view base(std::string_view p) {
  const size_t s = p.find_last_of("/\\");
  return s == std::string_view::npos ? p : p.substr(s + 1);
}
bool in_range(int i, size_t n) { return i >= 0 && static_cast<size_t>(i) < n; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nul = in.find('\0');
  const std::string_view list = in.substr(0, nul);
  const std::string_view index = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);

  if (auto shards = ss::shard_files(index)) {
    for (const std::string& s : shards->shards)
      if (s.empty() || s.find('/') != std::string::npos || s.find('\\') != std::string::npos || s.front() == '.' ||
          s.size() < 13 || s.compare(s.size() - 12, 12, ".safetensors") != 0)
        __builtin_trap();
  }

  const std::vector<std::string> names = ss::split_names(list);
  for (const std::string& n : names)
    if (n.empty() || n.find('\n') != std::string::npos) __builtin_trap();
  for (std::string_view idx : {std::string_view(), index}) {
    auto set = ss::classify_files(names, idx);
    if (!set) {
      if (set.error().message.empty()) __builtin_trap();
      continue;
    }
    if (!in_range(set->config, names.size()) || base(names[size_t(set->config)]) != "config.json") __builtin_trap();
    if (!in_range(set->tokenizer, names.size()) || base(names[size_t(set->tokenizer)]) != "tokenizer.json") __builtin_trap();
    if (set->weights >= 0) {
      if (!in_range(set->weights, names.size()) || base(names[size_t(set->weights)]) != "model.safetensors") __builtin_trap();
      if (!set->shards.empty() || set->needs_index) __builtin_trap();
      continue;
    }
    if (!in_range(set->index, names.size()) || base(names[size_t(set->index)]) != "model.safetensors.index.json") __builtin_trap();
    if (set->needs_index != idx.empty()) __builtin_trap();
    if (!set->needs_index && set->shards.empty()) __builtin_trap();
    for (int s : set->shards) {
      if (!in_range(s, names.size())) __builtin_trap();
      const std::string_view b = base(names[size_t(s)]);
      if (b.size() < 13 || b.substr(b.size() - 12) != ".safetensors") __builtin_trap();
    }
  }
  return 0;
}
