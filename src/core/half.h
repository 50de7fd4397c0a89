// F16 and BF16 to float, bit-exact (safetensors checkpoints are often half
// precision; the engine computes in float32), one value at a time and in
// bulk (the kernels widen 16-bit weights on the fly), and the way back for
// values that fit exactly.
#pragma once
#include <cstdint>
#include <cstring>

namespace ss {

inline float bf16_to_float(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline float f16_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalise into a float32 normal
      exp = 127 - 15 + 1;
      while (!(man & 0x400u)) {
        man <<= 1;
        --exp;
      }
      man &= 0x3ffu;
      bits = sign | (exp << 23) | (man << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);  // inf / nan
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// The same as f16_to_float without branches on the value, so a loop of it
// vectorises, and without float32 subnormals anywhere (x86 takes a
// microcode assist of ~100 cycles on each, also under wasm): the 15 bits
// below the sign move to float32's place and the exponent is rebased
// (normals); a subnormal half m * 2^-24 is built as (2^-14 + m * 2^-24) -
// 2^-14, both normal floats, exact; Inf and NaN keep their payload.
inline float f16_to_float_fast(uint16_t h) {
  const uint32_t em = h & 0x7fffu;
  uint32_t bits = (em << 13) + (112u << 23);
  uint32_t sub_bits = (em << 13) + (113u << 23);
  float sub;
  std::memcpy(&sub, &sub_bits, 4);
  sub -= 0x1p-14f;
  std::memcpy(&sub_bits, &sub, 4);
  bits = em < 0x400u ? sub_bits : bits;
  bits = em >= 0x7c00u ? (0x7f800000u | (em << 13)) : bits;
  bits |= static_cast<uint32_t>(h & 0x8000u) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// The bit pattern of a float (tests compare results bit for bit).
inline uint32_t float_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// dst[i] = the float of src[i], i < n.
void widen_f16(const uint16_t* src, float* dst, int64_t n) noexcept;
void widen_bf16(const uint16_t* src, float* dst, int64_t n) noexcept;

// The half (or bfloat16) that is exactly f, when there is one: false for a
// value that would round (too precise, too large or too small) and for NaN.
bool float_to_f16_exact(float f, uint16_t& h) noexcept;
bool float_to_bf16_exact(float f, uint16_t& h) noexcept;

}  // namespace ss
