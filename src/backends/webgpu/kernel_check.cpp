#include "backends/webgpu/kernel_check.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "backends/cpu/kernels.h"
#include "backends/cpu/ops.h"
#include "core/tensor_storage.h"

namespace ss::webgpu {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

std::vector<uint32_t> words(const Tensor& t) {
  std::vector<uint32_t> w(t.data.size());  // [numel]
  std::memcpy(w.data(), t.data.data(), w.size() * 4);
  return w;
}
std::vector<uint32_t> words(const std::vector<int32_t>& v) {
  return std::vector<uint32_t>(v.begin(), v.end());
}

struct Rng {
  std::mt19937 g;
  explicit Rng(uint32_t seed) : g(seed) {}
  Tensor tensor(std::vector<int64_t> shape, float lo = -2.0f, float hi = 2.0f) {
    Tensor t(std::move(shape));
    std::uniform_real_distribution<float> u(lo, hi);
    for (float& v : t.data) v = u(g);
    return t;
  }
  int32_t below(int32_t n) { return std::uniform_int_distribution<int32_t>(0, n - 1)(g); }
};

// The CPU engine's softmax of causal rows (cpu_backend.cpp): [rows, n] with
// query i = row % n seeing keys 0..i.
Tensor causal_softmax(const Tensor& s, int64_t n) {
  Tensor p(s.shape);
  const int64_t rows = s.dim(0);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t i = r % n;
    cpu::softmax_prefix(s.ptr() + r * n, p.ptr() + r * n, i + 1);
  }
  return p;
}

// One check: the CPU reference output, the raw words of each input buffer
// (bindings 1..), and how to record the kernel on those buffers.
using Bufs = std::vector<Buffer>;
using Record = std::function<void(const Bufs& in, const Buffer& out)>;
struct Case {
  Tensor cpu;
  std::vector<std::vector<uint32_t>> inputs;
  Record record;
};

Case embed_case(Rng& rng) {
  const int64_t V = 50, d = 24, n = 13, P = 20;
  Tensor emb = rng.tensor({V, d}), pos = rng.tensor({P, d});  // [V, d], [P, d]
  std::vector<int32_t> ids(n);  // [n]
  for (auto& id : ids) id = rng.below(V);
  Case check;
  check.cpu = Tensor({n, d});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) check.cpu.at(i, j) = emb.at(ids[i], j) + pos.at(i, j);
  check.inputs = {words(ids), words(emb), words(pos)};
  check.record = [=](const Bufs& in, const Buffer& out) {
    dispatch_threads(Kernel::Embed, Params().u(n).u(d).u(1).u(0).u(0), {&in[0], &in[1], &in[2], &out}, n * d);
  };
  return check;
}

Case embed_vectors_case(Rng& rng) {
  const int64_t din1 = 9, d = 16, n = 11;
  // x [n, din1], emb [din1, d], pos [n, d]
  Tensor x = rng.tensor({n, din1}), emb = rng.tensor({din1, d}), pos = rng.tensor({n, d});
  for (int64_t i = 0; i < n; ++i) x.at(i, rng.below(din1)) = 0.0f;  // the zero-skipping path
  Case check;
  check.cpu = Tensor({n, d});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      float v = 0;
      for (int64_t c = 0; c < din1; ++c)
        if (x.at(i, c) != 0.0f) v += x.at(i, c) * emb.at(c, j);
      check.cpu.at(i, j) = v + pos.at(i, j);
    }
  check.inputs = {words(x), words(emb), words(pos)};
  check.record = [=](const Bufs& in, const Buffer& out) {
    dispatch_threads(Kernel::EmbedVectors, Params().u(n).u(d).u(din1).u(1), {&in[0], &in[1], &in[2], &out}, n * d);
  };
  return check;
}

// k: norm_layer, norm_rms or norm_copy (no weight: the kernel copies x).
Case norm_case(const std::string& k, Rng& rng) {
  const int64_t n = 7, d = 300;  // d > 256: each thread sums more than one element
  Tensor x = rng.tensor({n, d}, -3.0f, 5.0f), w = rng.tensor({d}), b = rng.tensor({d});  // [n, d], [d], [d]
  x.at(0, 5) = 120.0f;  // a massive activation, as sinks make
  const uint32_t kind = k == "norm_layer" ? 0 : k == "norm_rms" ? 1 : 2;
  const float eps = 1e-5f;
  Case check;
  cpu::norm(x, kind == 2 ? Tensor() : w, b, kind == 0 ? NormKind::LayerNorm : NormKind::RMSNorm, eps, check.cpu);
  check.inputs = {words(x), words(w), words(b)};
  check.record = [=](const Bufs& in, const Buffer& out) {
    dispatch(Kernel::Norm, Params().u(n).u(d).u(kind).u(1).f(eps), {&in[0], &in[1], &in[2], &out},
             static_cast<uint32_t>(n));
  };
  return check;
}

// A weight matrix as the kernels bind it (shaders/weights.wgsl): wt 0 float32
// words; wt 1 / 2 its values rounded to IEEE half / bfloat16 first (so w then
// holds exactly what the GPU widens) and two to a word, padded.
std::vector<uint32_t> weight_words(Tensor& w, uint32_t wt) {
  if (wt == 0) return words(w);
  // |v| <= 2 on a grid of 2^-10 (half) or 2^-7 (bfloat16): 11 or 8
  // significant bits at most, so every value is exactly one.
  const float step = wt == 2 ? 128.0f : 1024.0f;
  for (float& v : w.data) v = std::nearbyint(v * step) / step;
  Tensor t = w;
  if (!compact_16bit(t, wt == 2 ? Compact16{true, false} : Compact16{false, true})) return {};
  std::vector<uint32_t> out((t.half.size() + 1) / 2, 0u);  // [ceil(numel / 2)]
  std::memcpy(out.data(), t.half.data(), t.half.size() * 2);
  return out;
}

// k: matmul (16 x 16 tiles), matmul_blocked (64 x 64 tiles of 4 x 4 blocks),
// matmul_rows (one thread per output, no barriers) or matmul_vec (one
// workgroup per output, for a few rows); a suffix _f16 / _bf16
// binds the weights 16-bit, as a 16-bit checkpoint's are.
Case matmul_case(const std::string& name, Rng& rng) {
  const uint32_t wt = name.ends_with("_bf16") ? 2 : name.ends_with("_f16") ? 1 : 0;
  const std::string k = name.substr(0, name.size() - (wt == 2 ? 5 : wt == 1 ? 4 : 0));
  // None a multiple of a tile; matmul_blocked gets two tiles each way; k odd
  // for the 16-bit cases, so a row starts mid-word.
  const bool blocked = k == "matmul_blocked", vec = k == "matmul_vec";
  const int64_t n = blocked ? 97 : vec ? 3 : 37, kk = wt ? 71 : vec ? 150 : 70, m = blocked ? 75 : 45;
  Tensor x = rng.tensor({n, kk}), w = rng.tensor({m, kk}), b = rng.tensor({m});  // [n, kk], [m, kk], [m]
  Case check;
  std::vector<uint32_t> wwords = weight_words(w, wt);
  check.cpu = Tensor({n, m});
  cpu::linear_plain(x.ptr(), n, kk, w.ptr(), m, b.ptr(), check.cpu.ptr());
  check.inputs = {words(x), std::move(wwords), words(b)};
  const Kernel kernel = k == "matmul_rows" ? Kernel::MatmulRows
                        : blocked           ? Kernel::MatmulBlocked
                        : vec               ? Kernel::MatmulVec
                                            : Kernel::Matmul;
  check.record = [=](const Bufs& in, const Buffer& out) {
    if (kernel == Kernel::MatmulRows) {
      dispatch_threads(kernel, Params().u(n).u(kk).u(m).u(1).u(wt), {&in[0], &in[1], &in[2], &out}, n * m);
    } else {
      const auto [gx, gy] = matmul_groups(kernel, n, m);
      dispatch(kernel, Params().u(n).u(kk).u(m).u(1).u(wt), {&in[0], &in[1], &in[2], &out}, gx, gy);
    }
  };
  return check;
}

Case rope_case(Rng& rng) {
  const int64_t n = 9, heads = 3, dh = 16;
  const int rotary = 8, half = rotary / 2;  // partial rotary, as NeoX
  const float theta = 10000.0f;
  Tensor x = rng.tensor({n, heads * dh});  // [n, heads*dh]
  Case check;
  check.cpu = x;
  cpu::rope(check.cpu, heads, dh, rotary, theta, {}, 0);
  Tensor cs({n, half}), sn({n, half});  // [n, half] each
  for (int64_t t = 0; t < n; ++t)
    for (int i = 0; i < half; ++i) {
      const float a = static_cast<float>(t) * (1.0f / std::pow(theta, static_cast<float>(2 * i) / rotary));
      cs.at(t, i) = std::cos(a), sn.at(t, i) = std::sin(a);
    }
  check.inputs = {words(cs), words(sn), words(x)};
  // rope works in place: the output buffer is first filled with x by a copy.
  check.record = [=](const Bufs& in, const Buffer& out) {
    ss_wgpu_copy(in[2].handle(), 0, out.handle(), 0, static_cast<double>(n * heads * dh * 4));
    dispatch_threads(Kernel::Rope, Params().u(n).u(heads).u(dh).u(half), {&in[0], &in[1], &out}, n * heads * half);
  };
  return check;
}

Case attn_scores_case(Rng& rng) {
  const int64_t n = 19, H = 4, Hkv = 2, dh = 8;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  Tensor q = rng.tensor({n, H * dh}), kk = rng.tensor({n, Hkv * dh});  // [n, H*dh], [n, Hkv*dh]
  Case check;
  check.cpu = Tensor({H, n, n});
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        if (j > i) { check.cpu.at(h, i, j) = kNegInf; continue; }
        float acc = 0;
        for (int64_t e = 0; e < dh; ++e) acc += q.data[(i * H + h) * dh + e] * kk.data[(j * Hkv + h / 2) * dh + e];
        check.cpu.at(h, i, j) = acc * scale;
      }
  check.inputs = {words(q), words(kk)};
  check.record = [=](const Bufs& in, const Buffer& out) {
    dispatch_threads(Kernel::AttnScores, Params().u(n).u(H).u(Hkv).u(dh).f(scale).u(n).u(0), {&in[0], &in[1], &out}, H * n * n);
  };
  return check;
}

// k: softmax, or softmax_sink (a learned sink logit per head in the
// denominator, as attention_sink_logit models have).
Case softmax_case(const std::string& k, Rng& rng) {
  const int64_t H = 2, n = 70;  // rows longer than the 64-thread workgroup
  const bool sink = k == "softmax_sink";
  Tensor s = rng.tensor({H * n, n}, -8.0f, 8.0f);  // [H*n, n]
  Tensor sinks = rng.tensor({H}, -1.0f, 6.0f);     // [H]
  for (int64_t r = 0; r < H * n; ++r)
    for (int64_t j = r % n + 1; j < n; ++j) s.at(r, j) = kNegInf;
  Case check;
  check.cpu = causal_softmax(s, n);
  if (sink)
    for (int64_t r = 0; r < H * n; ++r)
      cpu::softmax_prefix_sink(s.ptr() + r * n, check.cpu.ptr() + r * n, r % n + 1, sinks.data[r / n]);
  // in[2]: the rows' log-sum-exp (the attn_lse tap; the parity table checks it).
  check.inputs = {words(s), words(sinks), words(Tensor({n, H}))};
  check.record = [=](const Bufs& in, const Buffer& out) {
    dispatch_rows(Kernel::Softmax, Params().u(H * n).u(n).u(n).u(0).u(sink), {&in[0], &out, &in[1], &in[2]}, H * n);
  };
  return check;
}

Case attn_pv_case(Rng& rng) {
  const int64_t n = 21, H = 4, Hkv = 2, dh = 8;
  const uint32_t zero_mask = 1u << 1;  // ZeroHead on head 1
  Tensor s = rng.tensor({H * n, n}, -4.0f, 4.0f);  // [H*n, n]
  Tensor a = causal_softmax(s, n);                 // [H*n, n]
  Tensor v = rng.tensor({n, Hkv * dh});            // [n, Hkv*dh]
  Case check;
  check.cpu = Tensor({n, H * dh});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t e = 0; e < dh; ++e) {
        float acc = 0;
        if (!(zero_mask & (1u << h)))
          for (int64_t j = 0; j <= i; ++j) acc += a.at(h * n + i, j) * v.data[(j * Hkv + h / 2) * dh + e];
        check.cpu.data[(i * H + h) * dh + e] = acc;
      }
  check.inputs = {words(a), words(v)};
  check.record = [=](const Bufs& in, const Buffer& out) {
    dispatch_threads(Kernel::AttnPv, Params().u(n).u(H).u(Hkv).u(dh).u(zero_mask).u(n).u(0), {&in[0], &in[1], &out}, n * H * dh);
  };
  return check;
}

Case head_out_case(Rng& rng) {
  const int64_t n = 5, H = 3, dh = 8, d = 20;
  Tensor z = rng.tensor({n, H * dh}), wo = rng.tensor({d, H * dh});  // [n, H*dh], [d, H*dh]
  Case check;
  check.cpu = Tensor({H, n, d});
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j) {
        float acc = 0;
        for (int64_t e = 0; e < dh; ++e) acc += z.at(i, h * dh + e) * wo.at(j, h * dh + e);
        check.cpu.at(h, i, j) = acc;
      }
  check.inputs = {words(z), words(wo)};
  check.record = [=](const Bufs& in, const Buffer& out) {
    dispatch_threads(Kernel::HeadOut, Params().u(n).u(H).u(dh).u(d).u(0), {&in[0], &in[1], &out}, H * n * d);
  };
  return check;
}

Case add_case(Rng& rng) {
  const int64_t count = 1000;
  Tensor a = rng.tensor({count}), b = rng.tensor({count});  // [count] each
  Case check;
  check.cpu = Tensor({count});
  for (int64_t i = 0; i < count; ++i) check.cpu.data[i] = a.data[i] + b.data[i];
  check.inputs = {words(a), words(b)};
  check.record = [=](const Bufs& in, const Buffer& out) {
    dispatch_threads(Kernel::Add, Params().u(count), {&in[0], &in[1], &out}, count);
  };
  return check;
}

// k: act_gelu_new, act_gelu, act_silu, act_relu, or swiglu (silu(pre) * up).
Expected<Case> act_case(const std::string& k, Rng& rng) {
  const int64_t count = 777;
  const std::string a = k == "swiglu" ? "silu" : k.substr(4);
  Activation act;
  uint32_t code;  // the MlpAct kernel's activation code
  if (a == "gelu_new") act = Activation::GeluNew, code = 0;
  else if (a == "gelu") act = Activation::Gelu, code = 1;
  else if (a == "silu") act = Activation::Silu, code = 2;
  else if (a == "relu") act = Activation::ReLU, code = 3;
  else return make_error("unknown kernel check '" + k + "'");
  const bool gated = k == "swiglu";
  Tensor pre = rng.tensor({count}, -6.0f, 6.0f), up = rng.tensor({count});  // [count] each
  Case check;
  check.cpu = pre;
  cpu::activate(check.cpu, act);
  if (gated)
    for (int64_t i = 0; i < count; ++i) check.cpu.data[i] *= up.data[i];
  check.inputs = {words(pre), words(up)};
  check.record = [=](const Bufs& in, const Buffer& out) {
    dispatch_threads(Kernel::MlpAct, Params().u(count).u(code).u(gated), {&in[0], &in[1], &out}, count);
  };
  return check;
}

// The check named k (see names()), its inputs drawn from rng.
Expected<Case> make_case(const std::string& k, Rng& rng) {
  if (k == "embed") return embed_case(rng);
  if (k == "embed_vectors") return embed_vectors_case(rng);
  if (k == "norm_layer" || k == "norm_rms" || k == "norm_copy") return norm_case(k, rng);
  if (k.rfind("matmul", 0) == 0) return matmul_case(k, rng);
  if (k == "rope") return rope_case(rng);
  if (k == "attn_scores") return attn_scores_case(rng);
  if (k == "softmax" || k == "softmax_sink") return softmax_case(k, rng);
  if (k == "attn_pv") return attn_pv_case(rng);
  if (k == "head_out") return head_out_case(rng);
  if (k == "add") return add_case(rng);
  if (k.rfind("act_", 0) == 0 || k == "swiglu") return act_case(k, rng);
  return make_error("unknown kernel check '" + k + "'");
}

}  // namespace

std::vector<std::string> KernelCheck::names() {
  return {"embed", "embed_vectors", "norm_layer", "norm_rms", "norm_copy", "matmul", "matmul_rows", "matmul_blocked",
          "matmul_f16", "matmul_rows_bf16", "matmul_blocked_f16", "matmul_vec", "matmul_vec_bf16", "rope",
          "attn_scores", "softmax", "softmax_sink", "attn_pv", "head_out", "add", "act_gelu_new", "act_gelu", "act_silu", "act_relu", "swiglu"};
}

Expected<void> KernelCheck::start(const std::string& k, uint32_t seed) {
  Rng rng(seed);
  inputs_.clear();
  Expected<Case> check = make_case(k, rng);
  if (!check) return check.error();
  cpu_ = std::move(check->cpu);
  inputs_ = std::move(check->inputs);
  record_ = std::move(check->record);
  // The device may still be starting: poll() launches once it is ready.
  ss_wgpu_start();
  const auto st = device_state();
  if (st == DeviceState::kFailed || st == DeviceState::kLost) return make_error(device_error());
  launched_ = false;
  if (st == DeviceState::kReady) return launch();
  return {};
}

Expected<void> KernelCheck::launch() {
  launched_ = true;
  in_bufs_.clear();
  for (const auto& w : inputs_) {
    in_bufs_.emplace_back(w.size() * 4, false);
    in_bufs_.back().write(w.data(), w.size() * 4);
  }
  const size_t bytes = cpu_.data.size() * 4;
  out_ = Buffer(bytes, false);
  readback_ = Buffer(bytes, true);
  if (!out_ || !readback_) return make_error("could not allocate buffers: " + device_error());
  if (!ss_wgpu_begin()) return make_error(device_error());
  record_(in_bufs_, out_);
  ss_wgpu_copy(out_.handle(), 0, readback_.handle(), 0, static_cast<double>(bytes));
  ticket_ = ss_wgpu_submit_and_read(readback_.handle(), static_cast<double>(bytes));
  if (!ticket_) return make_error("submit failed: " + device_error());
  return {};
}

int KernelCheck::poll(std::string& error) {
  const auto st = device_state();
  if (st == DeviceState::kLost || st == DeviceState::kFailed) return error = device_error(), -2;
  if (!launched_) {
    if (st != DeviceState::kReady) return 0;
    if (auto e = launch(); !e) return error = e.error().message, -1;
  }
  const int rs = ss_wgpu_readback_state(ticket_);
  if (rs == 0) return 0;
  if (rs < 0) {
    char buf[512];
    ss_wgpu_readback_error(ticket_, buf, sizeof buf);
    return error = buf, -1;
  }
  gpu_ = Tensor(cpu_.shape);
  ss_wgpu_readback_take(ticket_, gpu_.ptr(), static_cast<double>(gpu_.data.size() * 4));
  ticket_ = 0;
  return 1;
}

}  // namespace ss::webgpu
