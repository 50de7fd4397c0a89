// Reading files natively: whole-file reads for small text (config.json) and a
// memory map for weights, so a 100 MB checkpoint costs no copy before the
// dtype conversion. In wasm the browser hands us bytes instead (see
// model/loader.h), so nothing here is needed there.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace ss {

Expected<std::string> read_text_file(const std::string& path);

// A read-only view of a whole file: mmap where the platform has it, a heap
// copy otherwise. Move-only; unmaps on destruction.
class MappedFile {
 public:
  static Expected<MappedFile> open(const std::string& path);
  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  void release();
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::vector<uint8_t> copy_;  // used when mmap is unavailable
};

}  // namespace ss
