#include "backends/webgpu/gpu.h"

#include <algorithm>
#include <string>
#include <vector>

// Embedded by cmake/webgpu.cmake (sinkscope_embed): NUL-terminated WGSL text.
#define SS_WGSL(name) extern const unsigned char ss_wgsl_##name[];
SS_WGSL(embed)
SS_WGSL(embed_vectors)
SS_WGSL(norm)
SS_WGSL(matmul)
SS_WGSL(matmul_rows)
SS_WGSL(matmul_blocked)
SS_WGSL(matmul_vec)
SS_WGSL(rope)
SS_WGSL(attn_scores)
SS_WGSL(softmax)
SS_WGSL(attn_pv)
SS_WGSL(gate)
SS_WGSL(head_out)
SS_WGSL(add)
SS_WGSL(mlp_act)
SS_WGSL(weights)  // the prelude of the kernels that read a weight matrix
#undef SS_WGSL

namespace ss::webgpu {

namespace {
const char* own_wgsl(Kernel k) {
  switch (k) {
    case Kernel::Embed: return reinterpret_cast<const char*>(ss_wgsl_embed);
    case Kernel::EmbedVectors: return reinterpret_cast<const char*>(ss_wgsl_embed_vectors);
    case Kernel::Norm: return reinterpret_cast<const char*>(ss_wgsl_norm);
    case Kernel::Matmul: return reinterpret_cast<const char*>(ss_wgsl_matmul);
    case Kernel::MatmulRows: return reinterpret_cast<const char*>(ss_wgsl_matmul_rows);
    case Kernel::MatmulBlocked: return reinterpret_cast<const char*>(ss_wgsl_matmul_blocked);
    case Kernel::MatmulVec: return reinterpret_cast<const char*>(ss_wgsl_matmul_vec);
    case Kernel::Rope: return reinterpret_cast<const char*>(ss_wgsl_rope);
    case Kernel::AttnScores: return reinterpret_cast<const char*>(ss_wgsl_attn_scores);
    case Kernel::Softmax: return reinterpret_cast<const char*>(ss_wgsl_softmax);
    case Kernel::AttnPv: return reinterpret_cast<const char*>(ss_wgsl_attn_pv);
    case Kernel::Gate: return reinterpret_cast<const char*>(ss_wgsl_gate);
    case Kernel::HeadOut: return reinterpret_cast<const char*>(ss_wgsl_head_out);
    case Kernel::Add: return reinterpret_cast<const char*>(ss_wgsl_add);
    case Kernel::MlpAct: return reinterpret_cast<const char*>(ss_wgsl_mlp_act);
  }
  return "";
}

// A kernel's WGSL module: its file, after shaders/weights.wgsl (wload: float32
// or 16-bit weights) for the kernels that read a weight matrix.
const char* wgsl(Kernel k) {
  if (!reads_weights(k)) return own_wgsl(k);
  static std::string with_prelude[int(Kernel::MlpAct) + 1];  // built once per kernel
  std::string& s = with_prelude[int(k)];
  if (s.empty()) s = std::string(reinterpret_cast<const char*>(ss_wgsl_weights)) + own_wgsl(k);
  return s.c_str();
}
}  // namespace

bool reads_weights(Kernel k) {
  return k == Kernel::Matmul || k == Kernel::MatmulRows || k == Kernel::MatmulBlocked || k == Kernel::MatmulVec ||
         k == Kernel::Embed || k == Kernel::HeadOut;
}

uint32_t weight_type(const Tensor& t) {
  switch (t.storage) {
    case Storage::f16: return 1;
    case Storage::bf16: return 2;
    default: return 0;
  }
}

const char* kernel_name(Kernel k) {
  switch (k) {
    case Kernel::Embed: return "embed";
    case Kernel::EmbedVectors: return "embed_vectors";
    case Kernel::Norm: return "norm";
    case Kernel::Matmul: return "matmul";
    case Kernel::MatmulRows: return "matmul_rows";
    case Kernel::MatmulBlocked: return "matmul_blocked";
    case Kernel::MatmulVec: return "matmul_vec";
    case Kernel::Rope: return "rope";
    case Kernel::AttnScores: return "attn_scores";
    case Kernel::Softmax: return "softmax";
    case Kernel::AttnPv: return "attn_pv";
    case Kernel::Gate: return "gate";
    case Kernel::HeadOut: return "head_out";
    case Kernel::Add: return "add";
    case Kernel::MlpAct: return "mlp_act";
  }
  return "?";
}

DeviceState device_state() { return static_cast<DeviceState>(ss_wgpu_state()); }
bool software_adapter() { return ss_wgpu_is_fallback() != 0; }

namespace {
KernelSet g_kernel_set = KernelSet::kAuto;
}
void set_kernel_set(KernelSet k) { g_kernel_set = k; }
KernelSet kernel_set() { return g_kernel_set; }
Kernel matmul_kernel(int64_t n, int64_t m) {
  switch (g_kernel_set) {
    case KernelSet::kTiled: return Kernel::Matmul;
    case KernelSet::kBlocked: return Kernel::MatmulBlocked;
    case KernelSet::kBarrierFree: return Kernel::MatmulRows;
    case KernelSet::kAuto: break;
  }
  if (software_adapter()) return Kernel::MatmulRows;
  if (n < 16) return Kernel::MatmulVec;
  return n >= 64 && m >= 64 ? Kernel::MatmulBlocked : Kernel::Matmul;
}

std::pair<uint32_t, uint32_t> matmul_groups(Kernel k, int64_t n, int64_t m) {
  if (k == Kernel::MatmulVec) {  // one workgroup per output, wrapped at 65535 a row
    const int64_t g = n * m, gx = std::min<int64_t>(g, 65535);
    return {static_cast<uint32_t>(gx), static_cast<uint32_t>((g + gx - 1) / std::max<int64_t>(gx, 1))};
  }
  const int64_t tile = k == Kernel::MatmulBlocked ? 64 : 16;
  return {static_cast<uint32_t>((m + tile - 1) / tile), static_cast<uint32_t>((n + tile - 1) / tile)};
}

std::string device_error() {
  char buf[512];
  ss_wgpu_error(buf, sizeof buf);
  return buf;
}

Buffer::Buffer(size_t bytes, bool readback)
    : h_(ss_wgpu_buffer_create(static_cast<double>(bytes), readback ? 1 : 0)), bytes_(h_ ? bytes : 0) {}

void Buffer::reset() {
  if (h_) ss_wgpu_buffer_destroy(h_);
  h_ = 0, bytes_ = 0;
}

void Buffer::write(const void* src, size_t bytes, size_t offset) const {
  if (h_ && bytes) ss_wgpu_buffer_write(h_, static_cast<double>(offset), src, static_cast<double>(bytes));
}

void dispatch(Kernel k, const Params& p, std::initializer_list<const Buffer*> binds, uint32_t gx, uint32_t gy) {
  if (gx == 0 || gy == 0) return;
  int hs[8];  // [nbind] buffer handles, bindings 1..nbind
  int n = 0;
  for (const Buffer* b : binds) hs[n++] = b->handle();
  ss_wgpu_dispatch(kernel_name(k), wgsl(k), p.w.data(), hs, n, static_cast<int>(gx), static_cast<int>(gy));
}

namespace {
constexpr uint64_t kMaxX = 65535;  // WebGPU's default maxComputeWorkgroupsPerDimension
}

void dispatch_threads(Kernel k, const Params& p, std::initializer_list<const Buffer*> binds, uint64_t threads) {
  const uint64_t groups = (threads + 255) / 256;
  const uint64_t gx = std::min(groups, kMaxX), gy = (groups + gx - 1) / std::max<uint64_t>(gx, 1);
  dispatch(k, p, binds, static_cast<uint32_t>(gx), static_cast<uint32_t>(gy));
}

void dispatch_rows(Kernel k, const Params& p, std::initializer_list<const Buffer*> binds, uint64_t rows) {
  const uint64_t gx = std::min(rows, kMaxX), gy = (rows + gx - 1) / std::max<uint64_t>(gx, 1);
  dispatch(k, p, binds, static_cast<uint32_t>(gx), static_cast<uint32_t>(gy));
}

}  // namespace ss::webgpu
