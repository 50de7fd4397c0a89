// safetensors: an 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}}, then the data. Parsing
// never trusts the file: every length and offset is checked against the
// buffer before a byte is read, so truncated or hostile files give an Error.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace ss {

enum class DType { F32, F16, BF16, I32, I64, Other };

struct TensorEntry {
  std::string name;
  std::string dtype_name;        // as written in the header ("F32", "BF16", ...)
  DType dtype = DType::Other;
  std::vector<int64_t> shape;
  std::span<const uint8_t> bytes;  // this tensor's data, inside the buffer
};

// The most tensor data (and float32 weights) one model may take: wasm32's heap
// ends at 2 GB and the file's bytes sit next to the weights while loading.
// Bigger headers are refused, with the size, before anything is allocated.
inline constexpr uint64_t kMaxModelBytes = sizeof(void*) == 4 ? (1ull << 30) : (16ull << 30);

class SafeTensors {
 public:
  // `buffer` must outlive the returned object (it keeps views into it).
  static Expected<SafeTensors> parse(std::span<const uint8_t> buffer, const std::string& what = "safetensors",
                                     uint64_t max_bytes = kMaxModelBytes);
  const TensorEntry* find(std::string_view name) const;
  const std::vector<TensorEntry>& entries() const { return entries_; }
  // Converts F32/F16/BF16 (and I32/I64, for test data) into a float Tensor.
  static Expected<Tensor> to_float(const TensorEntry& e);

 private:
  std::vector<TensorEntry> entries_;  // sorted by name
};

}  // namespace ss
