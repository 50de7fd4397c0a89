// Fetches tensors from a parsed safetensors file by Hugging Face name with the
// checks every family needs: present, float dtype, the shape the config
// implies, finite values. Errors name the tensor as the file spells it.
#pragma once
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "model/safetensors.h"

namespace ss {

class TensorSource {
 public:
  explicit TensorSource(const SafeTensors& file) : files_{&file} {}
  // A sharded checkpoint: a tensor is looked up in each shard in turn (the
  // loader checked that every tensor sits in exactly one).
  explicit TensorSource(std::vector<const SafeTensors*> files) : files_(std::move(files)) {}
  // Required tensor with exactly `shape`.
  Expected<Tensor> get(const std::string& name, const std::vector<int64_t>& shape) const;
  // Optional tensor: an empty Tensor when absent (checked like get when present).
  Expected<Tensor> get_optional(const std::string& name, const std::vector<int64_t>& shape) const;
  bool has(const std::string& name) const { return lookup(name) != nullptr; }

 private:
  // Accepts the name with or without the wrapper prefix ("transformer.",
  // "model.", "gpt_neox."), since bare-model checkpoints omit it.
  const TensorEntry* lookup(const std::string& name) const;
  std::vector<const SafeTensors*> files_;
};

// [r, c] -> [c, r] (GPT-2 Conv1D weights are stored [in, out]).
Tensor transpose2d(const Tensor& t);
// Rows [begin, begin + n) of a 2-D tensor, or elements of a 1-D one.
Tensor slice_rows(const Tensor& t, int64_t begin, int64_t n);

}  // namespace ss
