// Tensor: a shape and contiguous row-major float storage. Every activation the
// engine keeps (a "tap") is one of these, so panels, the CLI and tests read the
// same arrays. A weight matrix loaded from an f16 or bf16 checkpoint may stay
// 16-bit (storage f16 / bf16: the values in `half`, `data` empty): it takes
// half the memory and a one-token pass streams half the bytes. Only code that
// knows (the CPU kernels, the WebGPU upload, core/half.h) reads `half`;
// everything else widens first (to_f32, F32View in core/half.h).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <numeric>
#include <string>
#include <vector>

namespace ss {

enum class Storage : uint8_t { f32, f16, bf16 };

struct Tensor {
  std::vector<int64_t> shape;  // row-major; empty shape = scalar
  std::vector<float> data;     // numel() floats (storage f32), else empty
  Storage storage = Storage::f32;
  std::vector<uint16_t> half;  // numel() IEEE half or bfloat16 bit patterns (storage f16 / bf16), else empty

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> s) : shape(std::move(s)), data(count(shape), 0.0f) {}
  Tensor(std::initializer_list<int64_t> s) : Tensor(std::vector<int64_t>(s)) {}

  static int64_t count(const std::vector<int64_t>& s) {
    return std::accumulate(s.begin(), s.end(), int64_t{1}, [](int64_t a, int64_t b) { return a * b; });
  }
  int64_t numel() const { return static_cast<int64_t>(storage == Storage::f32 ? data.size() : half.size()); }
  bool empty() const { return numel() == 0; }
  bool is_f32() const { return storage == Storage::f32; }
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t dim(int i) const { return shape[i < 0 ? shape.size() + i : i]; }
  float* ptr() { return data.data(); }
  const float* ptr() const { return data.data(); }

  // Element access for rank 2 and 3 (no bounds checks on the hot path).
  float& at(int64_t i, int64_t j) { return data[i * shape[1] + j]; }
  float at(int64_t i, int64_t j) const { return data[i * shape[1] + j]; }
  float& at(int64_t i, int64_t j, int64_t k) { return data[(i * shape[1] + j) * shape[2] + k]; }
  float at(int64_t i, int64_t j, int64_t k) const { return data[(i * shape[1] + j) * shape[2] + k]; }

  std::string shape_str() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
  }
};

}  // namespace ss
