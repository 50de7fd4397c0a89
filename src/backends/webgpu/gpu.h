// The C++ face of web/webgpu.js: buffers as RAII handles, one dispatch call
// per kernel, the embedded WGSL of shaders/*.wgsl. Browser only.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "core/tensor.h"

extern "C" {
// web/webgpu.js (--js-library); see there for what each does.
int ss_wgpu_present();
void ss_wgpu_start();
int ss_wgpu_state();
int ss_wgpu_is_fallback();
void ss_wgpu_error(char* buf, int cap);
int ss_wgpu_buffer_create(double bytes, int usage);
void ss_wgpu_buffer_destroy(int h);
void ss_wgpu_buffer_write(int h, double offset, const void* src, double bytes);
int ss_wgpu_begin();
void ss_wgpu_dispatch(const char* name, const char* wgsl, const uint32_t* params, const int* binds, int nbind,
                      int gx, int gy);
void ss_wgpu_copy(int src, double src_off, int dst, double dst_off, double bytes);
int ss_wgpu_submit_and_read(int readback, double bytes);
int ss_wgpu_readback_state(int ticket);
void ss_wgpu_readback_error(int ticket, char* buf, int cap);
int ss_wgpu_readback_take(int ticket, void* dst, double cap);
void ss_wgpu_readback_drop(int ticket);
}

namespace ss::webgpu {

enum class DeviceState { kStarting = 0, kReady = 1, kFailed = -1, kLost = -2 };
DeviceState device_state();
// A software adapter (SwiftShader): barrier-heavy kernels are slow there.
bool software_adapter();

// Which kernels the backend records: kAuto picks by the adapter and the
// shape (below); the tests force the tiled sets on SwiftShader so CI runs
// the kernels real GPUs run, and the GPU runner (bench/gpu) times each.
//   kTiled        matmul.wgsl: 16x16 tiles, one output per thread
//   kBlocked      matmul_blocked.wgsl: 64x64 tiles, 4x4 outputs per thread
//   kBarrierFree  matmul_rows.wgsl: one thread per output, no workgroup memory
enum class KernelSet { kAuto, kTiled, kBlocked, kBarrierFree };
void set_kernel_set(KernelSet k);
KernelSet kernel_set();
std::string device_error();

class Buffer {
 public:
  Buffer() = default;
  Buffer(size_t bytes, bool readback);  // handle 0 when the device is not ready
  Buffer(Buffer&& o) noexcept : h_(std::exchange(o.h_, 0)), bytes_(std::exchange(o.bytes_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) reset(), h_ = std::exchange(o.h_, 0), bytes_ = std::exchange(o.bytes_, 0);
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { reset(); }
  void reset();
  int handle() const { return h_; }
  size_t bytes() const { return bytes_; }
  explicit operator bool() const { return h_ != 0; }
  void write(const void* src, size_t bytes, size_t offset = 0) const;

 private:
  int h_ = 0;
  size_t bytes_ = 0;
};

enum class Kernel {
  Embed, EmbedVectors, Norm, Matmul, MatmulRows, MatmulBlocked, MatmulVec, Rope, AttnScores, Softmax, AttnPv, Gate,
  HeadOut, Add, MlpAct
};

// The kernels that read a weight matrix through shaders/weights.wgsl (its
// uniform's last word is the weight type), and that type for a tensor:
// 0 float32, 1 IEEE half, 2 bfloat16 (core/tensor.h's storage).
bool reads_weights(Kernel k);
uint32_t weight_type(const Tensor& t);
const char* kernel_name(Kernel k);

// The matmul kernel for y [n, m] = x W^T. kAuto: matmul_rows on a software
// adapter (SwiftShader emulates barriers: 7x faster there); matmul_vec for
// n < 16 rows (a keystroke's one row: a matrix-vector product, where tiles
// idle and matmul_rows' one thread per output walks k serially); 64x64
// blocks from n >= 64; 16x16 tiles between. bench/gpu/run.mjs times them all
// at the models' shapes on hardware (bench/gpu/results/).
Kernel matmul_kernel(int64_t n, int64_t m);
// Workgroups of a matmul dispatch of kernel k.
std::pair<uint32_t, uint32_t> matmul_groups(Kernel k, int64_t n, int64_t m);

// Up to 16 words of kernel parameters (the WGSL struct P, in field order).
struct Params {
  std::array<uint32_t, 16> w{};
  int n = 0;
  Params& u(uint64_t v) { return w[n++] = static_cast<uint32_t>(v), *this; }
  Params& f(float v) {
    uint32_t b;
    static_assert(sizeof b == sizeof v);
    __builtin_memcpy(&b, &v, sizeof b);
    return w[n++] = b, *this;
  }
};

// gx x gy workgroups (the kernel's own workgroup shape).
void dispatch(Kernel k, const Params& p, std::initializer_list<const Buffer*> binds, uint32_t gx, uint32_t gy = 1);
// `threads` threads in workgroups of 256, spread over x and y (x <= 65535).
void dispatch_threads(Kernel k, const Params& p, std::initializer_list<const Buffer*> binds, uint64_t threads);
// One workgroup per row, rows spread over x and y.
void dispatch_rows(Kernel k, const Params& p, std::initializer_list<const Buffer*> binds, uint64_t rows);

}  // namespace ss::webgpu
