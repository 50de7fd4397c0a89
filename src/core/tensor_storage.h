// 16-bit weight storage (Tensor::storage f16 / bf16): keeping a matrix as it
// came from an f16 or bf16 checkpoint, and reading it back as float32.
// compact_16bit keeps a tensor 16-bit only when that loses nothing, so every
// result stays bit for bit what the float32 tensor gives.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace ss {

// Which 16-bit storages compact_16bit may pick.
struct Compact16 {
  bool bf16 = true;  // widening is one shift: as fast as float32 everywhere
  bool f16 = true;   // widening is one instruction with F16C (x86), ~13 in SIMD128
};

// Stores t as bf16 or f16 when every value of it is exactly one (bf16 tried
// first: its test is one mask per value) and `allow` permits it; returns
// whether it did. A tensor already 16-bit, or with a value neither holds, is
// left as it is.
bool compact_16bit(Tensor& t, Compact16 allow = {});

// A float32 copy of t (of any storage).
Tensor to_f32(const Tensor& t);

// dst[0, count) = elements [offset, offset + count) of t as float32.
void widen_range(const Tensor& t, int64_t offset, int64_t count, float* dst) noexcept;

// The float32 values of t: t's own array when it is float32, else a widened
// copy owned by the view. For code that reads a weight now and then
// (analysis, exports), not for hot loops.
struct F32View {
  const float* p = nullptr;
  std::vector<float> own;  // [numel] when t is 16-bit
  const float* data() const { return p; }
};
F32View f32_view(const Tensor& t);

// Bytes the values of t take in memory.
int64_t storage_bytes(const Tensor& t);

}  // namespace ss
