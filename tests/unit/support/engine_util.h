// Helpers shared by the engine and model tests: golden files and comparisons.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/file.h"
#include "core/tensor.h"
#include "model/loader.h"
#include "model/safetensors.h"

namespace ss::testing {

inline std::string tiny_dir(const std::string& family) {
  return std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tiny/" + family;
}

// A golden.safetensors file read fully into float tensors.
struct Golden {
  MappedFile file;
  SafeTensors st;
  Tensor get(const std::string& name) const {
    const TensorEntry* e = st.find(name);
    if (!e) return Tensor{};
    auto t = SafeTensors::to_float(*e);
    return t ? std::move(*t) : Tensor{};
  }
};

inline Golden load_golden(const std::string& family) {
  Golden g;
  auto f = MappedFile::open(tiny_dir(family) + "/golden.safetensors");
  if (f) g.file = std::move(*f);
  auto st = SafeTensors::parse(g.file.bytes(), "golden");
  if (st) g.st = std::move(*st);
  return g;
}

inline std::vector<int32_t> as_ids(const Tensor& t) {
  std::vector<int32_t> ids;
  for (float v : t.data) ids.push_back(static_cast<int32_t>(v));
  return ids;
}

// Max |a - b| over all elements; +inf when shapes differ (so the check fails).
// Matching -inf entries (masked scores) count as equal.
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape != b.shape || a.empty()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    if (a.data[i] == b.data[i]) continue;
    m = std::max(m, std::fabs(double(a.data[i]) - double(b.data[i])));
    if (std::isnan(a.data[i]) || std::isnan(b.data[i])) return INFINITY;
  }
  return m;
}

// Error relative to the reference's scale: the averaging models have no norms,
// so their activations grow to tens and a float32 sum order (SIMD128 in wasm vs
// Eigen natively) moves the last bits by ~1e-4 in absolute terms.
inline double max_scaled_diff(const Tensor& a, const Tensor& ref) {
  double scale = 1.0;
  for (float v : ref.data) scale = std::max(scale, double(std::fabs(v)));
  return max_abs_diff(a, ref) / scale;
}


}  // namespace ss::testing
