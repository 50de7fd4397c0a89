#include "core/half.h"

namespace ss {

void widen_f16(const uint16_t* src, float* dst, int64_t n) noexcept {
  for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_float_fast(src[i]);
}

void widen_bf16(const uint16_t* src, float* dst, int64_t n) noexcept {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = static_cast<uint32_t>(src[i]) << 16;
    std::memcpy(dst + i, &bits, 4);
  }
}

bool float_to_bf16_exact(float f, uint16_t& h) noexcept {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0xffffu) != 0 || f != f) return false;
  h = static_cast<uint16_t>(bits >> 16);
  return true;
}

bool float_to_f16_exact(float f, uint16_t& h) noexcept {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const int exp = int((bits >> 23) & 0xff);
  const uint32_t man = bits & 0x7fffffu;
  if (exp == 0 && man == 0) {  // +-0
    h = static_cast<uint16_t>(sign);
    return true;
  }
  if (exp == 0xff) {  // inf fits, NaN is refused (its payload need not survive)
    if (man) return false;
    h = static_cast<uint16_t>(sign | 0x7c00u);
    return true;
  }
  if (exp == 0) return false;  // a float32 subnormal is below the smallest half
  const int e = exp - 127;     // f = 1.man * 2^e
  if (e > 15) return false;
  if (e >= -14) {  // a normal half: the 13 low mantissa bits must be zero
    if (man & 0x1fffu) return false;
    h = static_cast<uint16_t>(sign | uint32_t(e + 15) << 10 | man >> 13);
    return true;
  }
  // A subnormal half: frac * 2^-24 with frac < 1024, frac = (1.man as a
  // 24-bit integer) * 2^(e + 1): shift right by -(e + 1), losing nothing.
  const int shift = -(e + 1);
  if (shift > 23) return false;
  const uint32_t full = man | 0x800000u;
  if (full & ((1u << shift) - 1)) return false;
  h = static_cast<uint16_t>(sign | (full >> shift));
  return true;
}

}  // namespace ss
