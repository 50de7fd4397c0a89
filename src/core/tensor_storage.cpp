#include "core/tensor_storage.h"

#include <algorithm>

#include "core/half.h"

namespace ss {

bool compact_16bit(Tensor& t, Compact16 allow) {
  if (!t.is_f32() || t.data.empty()) return false;
  const int64_t n = t.numel();
  std::vector<uint16_t> h(static_cast<size_t>(n));  // [numel]
  for (Storage s : {Storage::bf16, Storage::f16}) {
    if (!(s == Storage::bf16 ? allow.bf16 : allow.f16)) continue;
    auto exact = s == Storage::bf16 ? float_to_bf16_exact : float_to_f16_exact;
    int64_t i = 0;
    while (i < n && exact(t.data[i], h[i])) ++i;
    if (i < n) continue;
    t.storage = s;
    t.half = std::move(h);
    std::vector<float>().swap(t.data);  // give the float32 memory back
    return true;
  }
  return false;
}

void widen_range(const Tensor& t, int64_t offset, int64_t count, float* dst) noexcept {
  switch (t.storage) {
    case Storage::f16: return widen_f16(t.half.data() + offset, dst, count);
    case Storage::bf16: return widen_bf16(t.half.data() + offset, dst, count);
    default: std::copy_n(t.data.data() + offset, count, dst);
  }
}

Tensor to_f32(const Tensor& t) {
  if (t.is_f32()) return t;
  Tensor o;
  o.shape = t.shape;
  o.data.resize(t.half.size());
  widen_range(t, 0, t.numel(), o.data.data());
  return o;
}

F32View f32_view(const Tensor& t) {
  F32View v;
  if (t.is_f32()) {
    v.p = t.data.data();
    return v;
  }
  v.own.resize(t.half.size());
  widen_range(t, 0, t.numel(), v.own.data());
  v.p = v.own.data();
  return v;
}

int64_t storage_bytes(const Tensor& t) { return t.numel() * (t.is_f32() ? 4 : 2); }

}  // namespace ss
