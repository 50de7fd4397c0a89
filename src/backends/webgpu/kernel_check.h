// One WGSL kernel against a CPU reference on random inputs, in the spirit of
// ggml's test-backend-ops: the browser suite runs every kernel here through
// ss_webgpu_kernel_check (src/platform/webapi_webgpu.cpp). Shapes are chosen off
// the tile sizes (37 x 70 x 45 for the matmul, rows longer than a workgroup
// for the reductions) so the edges are exercised. Browser only.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backends/webgpu/gpu.h"
#include "core/status.h"
#include "core/tensor.h"

namespace ss::webgpu {

class KernelCheck {
 public:
  // embed, embed_vectors, norm_layer, norm_rms, norm_copy, the four matmuls
  // (matmul, matmul_rows, matmul_blocked, matmul_vec; some also _f16 / _bf16:
  // 16-bit weights), rope, attn_scores, softmax(_sink), attn_pv, head_out,
  // add, act_gelu_new, act_gelu, act_silu, act_relu, swiglu
  static std::vector<std::string> names();

  Expected<void> start(const std::string& kernel, uint32_t seed);
  // 0 running, 1 done (gpu_out / cpu_out filled), -1 failed, -2 device lost.
  int poll(std::string& error);
  const Tensor& gpu_out() const { return gpu_; }
  const Tensor& cpu_out() const { return cpu_; }

 private:
  Expected<void> launch();

  std::vector<std::vector<uint32_t>> inputs_;  // raw words of each input buffer, bindings 1..
  std::function<void(const std::vector<Buffer>& in, const Buffer& out)> record_;
  Tensor cpu_, gpu_;
  std::vector<Buffer> in_bufs_;
  Buffer out_, readback_;
  int ticket_ = 0;
  bool launched_ = false;
};

}  // namespace ss::webgpu
