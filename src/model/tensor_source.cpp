#include "model/tensor_source.h"

#include <cmath>
#include <cstring>

namespace ss {

namespace {
std::string shape_str(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}
}  // namespace

const TensorEntry* TensorSource::lookup(const std::string& name) const {
  for (const SafeTensors* file : files_)
    if (const TensorEntry* e = file->find(name)) return e;
  for (const char* prefix : {"transformer.", "model.", "gpt_neox."}) {
    size_t n = std::strlen(prefix);
    if (name.compare(0, n, prefix) == 0)
      for (const SafeTensors* file : files_)
        if (const TensorEntry* e = file->find(name.substr(n))) return e;
  }
  return nullptr;
}

Expected<Tensor> TensorSource::get(const std::string& name, const std::vector<int64_t>& shape) const {
  const TensorEntry* e = lookup(name);
  if (!e) return make_error("tensor '" + name + "' is missing from the checkpoint");
  if (e->dtype != DType::F32 && e->dtype != DType::F16 && e->dtype != DType::BF16)
    return make_error("tensor '" + name + "' has dtype " + e->dtype_name + "; weights must be F32, F16 or BF16");
  if (e->shape != shape)
    return make_error("tensor '" + name + "' has shape " + shape_str(e->shape) + " but the config implies " + shape_str(shape));
  auto t = SafeTensors::to_float(*e);
  if (!t) return t.error();
  const float* p = t->ptr();
  for (int64_t i = 0; i < t->numel(); ++i)
    if (!std::isfinite(p[i]))
      return make_error("tensor '" + name + "' holds a non-finite value (" + std::to_string(p[i]) + ") at element " + std::to_string(i));
  return t;
}

Expected<Tensor> TensorSource::get_optional(const std::string& name, const std::vector<int64_t>& shape) const {
  if (!lookup(name)) return Tensor{};
  return get(name, shape);
}

Tensor transpose2d(const Tensor& t) {
  const int64_t r = t.dim(0), c = t.dim(1);
  Tensor o({c, r});
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) o.data[j * r + i] = t.data[i * c + j];
  return o;
}

Tensor slice_rows(const Tensor& t, int64_t begin, int64_t n) {
  std::vector<int64_t> shape = t.shape;
  shape[0] = n;
  Tensor o(shape);
  const int64_t row = t.rank() > 1 ? t.numel() / t.dim(0) : 1;
  std::memcpy(o.ptr(), t.ptr() + begin * row, sizeof(float) * n * row);
  return o;
}

}  // namespace ss
