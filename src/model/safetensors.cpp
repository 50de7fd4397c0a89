#include "model/safetensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/half.h"
#include "core/json.h"

namespace ss {

namespace {

DType dtype_of(const std::string& s, size_t& item) {
  if (s == "F32") return item = 4, DType::F32;
  if (s == "F16") return item = 2, DType::F16;
  if (s == "BF16") return item = 2, DType::BF16;
  if (s == "I32") return item = 4, DType::I32;
  if (s == "I64") return item = 8, DType::I64;
  if (s == "F64" || s == "U64") return item = 8, DType::Other;
  if (s == "I16" || s == "U16") return item = 2, DType::Other;
  if (s == "U32") return item = 4, DType::Other;
  if (s == "I8" || s == "U8" || s == "BOOL" || s == "F8_E4M3" || s == "F8_E5M2") return item = 1, DType::Other;
  return item = 0, DType::Other;
}

// Header sizes beyond this are not real checkpoints (HF caps at 100 MB).
constexpr uint64_t kMaxHeader = 100ull << 20;

std::string gigabytes(uint64_t n) {
  char b[32];
  if (n >= (1ull << 30)) std::snprintf(b, sizeof b, "%.1f GB", static_cast<double>(n) / (1ull << 30));
  else std::snprintf(b, sizeof b, "%.1f MB", static_cast<double>(n) / (1ull << 20));
  return b;
}

}  // namespace

Expected<SafeTensors> SafeTensors::parse(std::span<const uint8_t> buf, const std::string& what, uint64_t max_bytes) {
  if (buf.size() < 8) return make_error(what + ": file is " + std::to_string(buf.size()) + " bytes, too short for a safetensors header");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | buf[i];
  if (n > kMaxHeader) return make_error(what + ": header length " + std::to_string(n) + " is implausibly large");
  if (n > buf.size() - 8)
    return make_error(what + ": header length " + std::to_string(n) + " runs past the end of the file (" +
                      std::to_string(buf.size()) + " bytes): truncated file?");
  std::string_view header(reinterpret_cast<const char*>(buf.data() + 8), n);
  auto parsed = json::parse(header, what + " header");
  if (!parsed) return parsed.error();
  const json::Json& j = *parsed;
  if (!j.is_object()) return make_error(what + ": header is not a JSON object");
  std::span<const uint8_t> data = buf.subspan(8 + n);

  SafeTensors st;
  uint64_t announced = 0;    // end of the last tensor's data, as the header says
  uint64_t float_bytes = 0;  // what the canonical float32 weights would take
  std::vector<std::pair<uint64_t, uint64_t>> spans;  // [entries] data_offsets, checked after the size
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") continue;
    const auto& e = it.value();
    auto bad = [&](const std::string& why) { return make_error(what + ": tensor '" + name + "': " + why); };
    if (!e.is_object()) return bad("entry is not an object");
    auto dt = e.find("dtype");
    auto sh = e.find("shape");
    auto off = e.find("data_offsets");
    if (dt == e.end() || !dt->is_string()) return bad("missing or non-string dtype");
    if (sh == e.end() || !sh->is_array()) return bad("missing or non-array shape");
    if (off == e.end() || !off->is_array() || off->size() != 2) return bad("data_offsets must be [begin, end]");
    TensorEntry t;
    t.name = name;
    t.dtype_name = dt->get<std::string>();
    size_t item = 0;
    t.dtype = dtype_of(t.dtype_name, item);
    if (item == 0) return bad("unknown dtype '" + t.dtype_name + "'");
    uint64_t numel = 1;
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<long long>() >= 0))
        return bad("shape entries must be non-negative integers");
      uint64_t v = d.get<uint64_t>();
      if (v > (1ull << 40) || (v && numel > (1ull << 40) / v)) return bad("shape is implausibly large");
      numel *= v;
      t.shape.push_back(static_cast<int64_t>(v));
    }
    const auto& b = (*off)[0];
    const auto& en = (*off)[1];
    if (!b.is_number_unsigned() || !en.is_number_unsigned()) return bad("data_offsets must be non-negative integers");
    uint64_t begin = b.get<uint64_t>(), end = en.get<uint64_t>();
    if (begin > end) return bad("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] are reversed");
    if (end - begin != numel * item)
      return bad("holds " + std::to_string(end - begin) + " bytes but shape and dtype " + t.dtype_name + " need " +
                 std::to_string(numel * item));
    announced = std::max(announced, end);
    float_bytes = std::min<uint64_t>(float_bytes + numel * 4, 1ull << 62);  // saturates: no wrap to small
    spans.push_back({begin, end});
    st.entries_.push_back(std::move(t));
  }
  // The size check comes before any offset is trusted, so a header announcing
  // 40 GB is refused with its size (not as a truncated file) and nothing is
  // allocated for it.
  if (announced > max_bytes || float_bytes > max_bytes)
    return make_error(what + ": the model needs " + gigabytes(std::max(announced, float_bytes)) +
                      " (tensor data " + gigabytes(announced) + ", " + gigabytes(float_bytes) +
                      " as float32), more than the " + gigabytes(max_bytes) +
                      " this build can hold; refused before loading");
  for (size_t i = 0; i < st.entries_.size(); ++i) {
    const auto [begin, end] = spans[i];
    if (end > data.size())
      return make_error(what + ": tensor '" + st.entries_[i].name + "': data_offsets [" + std::to_string(begin) + ", " +
                        std::to_string(end) + "] lie outside the " + std::to_string(data.size()) +
                        " data bytes: truncated file?");
    st.entries_[i].bytes = data.subspan(begin, end - begin);
  }
  if (announced < data.size())
    return make_error(what + ": " + std::to_string(data.size() - announced) +
                      " bytes follow the last tensor (the header accounts for " + std::to_string(announced) +
                      "): a damaged file, or two files joined?");
  std::sort(st.entries_.begin(), st.entries_.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return st;
}

const TensorEntry* SafeTensors::find(std::string_view name) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const TensorEntry& e, std::string_view n) { return e.name < n; });
  return it != entries_.end() && it->name == name ? &*it : nullptr;
}

Expected<Tensor> SafeTensors::to_float(const TensorEntry& e) {
  Tensor t(e.shape);
  const uint8_t* p = e.bytes.data();
  const size_t n = t.data.size();
  float* out = t.ptr();
  switch (e.dtype) {
    case DType::F32:
      std::memcpy(out, p, n * 4);  // safetensors is little-endian, as are our targets
      break;
    case DType::F16:
      for (size_t i = 0; i < n; ++i) out[i] = f16_to_float(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
      break;
    case DType::BF16:
      for (size_t i = 0; i < n; ++i) out[i] = bf16_to_float(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
      break;
    case DType::I32:
      for (size_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        out[i] = static_cast<float>(v);
      }
      break;
    case DType::I64:
      for (size_t i = 0; i < n; ++i) {
        int64_t v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
      break;
    default:
      return make_error("tensor '" + e.name + "' has dtype " + e.dtype_name + ", which sinkscope cannot read");
  }
  return t;
}

}  // namespace ss
