#include "backends/webgpu/webgpu_backend.h"

#include <emscripten.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/webgpu/gpu.h"

namespace ss {

namespace {

using webgpu::Buffer;
using webgpu::DeviceState;
using webgpu::Kernel;
using webgpu::Params;

// Where a tap's rows sit in the readback buffer.
struct TapCopy {
  std::string name;
  std::vector<int64_t> shape;
  size_t offset = 0;  // bytes into the readback buffer
};

struct Request {
  const Model* model = nullptr;
  std::vector<int32_t> ids;     // [T] (language models)
  std::optional<Tensor> vectors;  // [T, input_width] (averaging models)
  TapFilter filter;
  std::vector<uint32_t> zero_mask;  // [layers] ZeroHead bits
  std::string unsupported;          // non-empty: answer kFailed with this
  int64_t T = 0;
  enum class Phase { kWaitDevice, kRunning } phase = Phase::kWaitDevice;
  int ticket = 0;
  std::vector<TapCopy> taps;
  size_t readback_bytes = 0;
  double t0 = 0;
};

class WebGpuBackend final : public AsyncBackend {
 public:
  WebGpuBackend() { ss_wgpu_start(); }
  ~WebGpuBackend() override { drop_request(); }
  const char* name() const override { return "webgpu"; }

  Expected<void> submit(const Model& model, const std::string& model_name, const ForwardInput& input,
                        const Hooks& hooks, const TapFilter& filter) override;
  Poll poll(Taps& out, std::string& error) override;
  double last_ms() const override { return last_ms_; }
  bool lost() const override { return webgpu::device_state() == webgpu::DeviceState::kLost; }

 private:
  void drop_request() {
    if (req_ && req_->ticket) {
      ss_wgpu_readback_drop(req_->ticket);
      readback_.reset();  // its map may still be pending: the next pass gets a fresh one
    }
    req_.reset();
  }
  Expected<void> launch();  // records + submits the pass of req_ (device ready)
  const Buffer& weight(const Tensor& t);
  const Buffer& act(const std::string& key, size_t floats);

  std::optional<Request> req_;
  double last_ms_ = -1;
  // Weights on the device, keyed by host data pointer; valid for one (model, version).
  const Model* weights_model_ = nullptr;
  uint64_t weights_version_ = 0;
  std::map<const float*, Buffer> weights_;
  Buffer dummy_;                        // bound where a kernel's optional input is absent
  std::map<std::string, Buffer> acts_;  // activations by role, grown as T grows
  Buffer readback_;
};

const Buffer& WebGpuBackend::weight(const Tensor& t) {
  if (t.data.empty()) {
    if (!dummy_) dummy_ = Buffer(16, false);
    return dummy_;
  }
  auto it = weights_.find(t.ptr());
  if (it != weights_.end()) return it->second;
  Buffer b(t.data.size() * sizeof(float), false);
  b.write(t.ptr(), t.data.size() * sizeof(float));
  return weights_.emplace(t.ptr(), std::move(b)).first->second;
}

const Buffer& WebGpuBackend::act(const std::string& key, size_t floats) {
  Buffer& b = acts_[key];
  const size_t bytes = std::max<size_t>(floats, 4) * sizeof(float);
  if (!b || b.bytes() < bytes) b = Buffer(bytes, false);
  return b;
}

Expected<void> WebGpuBackend::submit(const Model& model, const std::string& model_name, const ForwardInput& input,
                                     const Hooks& hooks, const TapFilter& filter) {
  (void)model_name;
  drop_request();  // a request in flight is superseded
  const DeviceState st = webgpu::device_state();
  if (st == DeviceState::kFailed || st == DeviceState::kLost) return make_error(webgpu::device_error());
  const ModelConfig& c = model.config;
  const int64_t T = input.length();
  if (T <= 0) return make_error("forward: empty input (no tokens)");
  if (static_cast<int64_t>(model.weights.layers.size()) != c.n_layers)
    return make_error("forward: weights do not match the config");
  if (c.n_heads > 32) return make_error("webgpu: more than 32 heads per layer");
  if (c.learned_pos && T > c.max_positions)
    return make_error("forward: " + std::to_string(T) + " tokens exceed the model's " +
                      std::to_string(c.max_positions) + " positions");
  Request r;
  r.model = &model;
  r.T = T;
  r.filter = filter;
  r.zero_mask.assign(c.n_layers, 0u);
  if (c.family == Family::Averaging) {
    if (!input.vectors || input.vectors->rank() != 2 || input.vectors->dim(1) != c.input_width)
      return make_error("forward: averaging models take inputs [T, input_width] = [T, " + std::to_string(c.input_width) + "]");
    r.vectors = *input.vectors;
  } else {
    if (input.vectors) return make_error("forward: language models take token ids, not input vectors");
    r.ids.assign(input.ids.begin(), input.ids.end());
    for (int64_t i = 0; i < T; ++i)
      if (r.ids[i] < 0 || r.ids[i] >= c.vocab_size)
        return make_error("forward: token id " + std::to_string(r.ids[i]) + " at position " + std::to_string(i) +
                          " is outside the vocabulary (" + std::to_string(c.vocab_size) + ")");
  }
  for (const Hook& h : hooks) {
    if (h.layer < 0 || h.layer >= c.n_layers || h.head < -1 || h.head >= c.n_heads)
      return make_error("hook: layer or head out of range");
    if (h.kind == HookKind::ZeroHead && h.head >= 0)
      r.zero_mask[h.layer] |= 1u << h.head;
    else
      r.unsupported = "this intervention runs on CPU only (WebGPU supports ZeroHead)";
  }
  r.t0 = emscripten_get_now();
  req_ = std::move(r);
  if (st == DeviceState::kReady && req_->unsupported.empty()) {
    if (auto e = launch(); !e) {
      drop_request();
      return e;
    }
  }
  return {};
}

Expected<void> WebGpuBackend::launch() {
  Request& r = *req_;
  const Model& model = *r.model;
  const ModelConfig& c = model.config;
  const Weights& w = model.weights;
  if (weights_model_ != &model || weights_version_ != w.version) {
    weights_.clear();
    weights_model_ = &model;
    weights_version_ = w.version;
  }
  const int64_t n = r.T, d = c.d_model, H = c.n_heads, Hkv = c.n_kv_heads, dh = c.d_head, dm = c.d_mlp;
  const int64_t V = w.lm_head.dim(0);
  const bool averaging = c.family == Family::Averaging;
  const bool software = webgpu::software_adapter();

  // Activations, by role. Shapes for this pass (the buffers may be larger).
  const Buffer* x = &act("x", n * d);              // [n, d] residual stream (resid_pre)
  const Buffer* ln1 = &act("ln1", n * d);          // [n, d]
  const Buffer& q = act("q", n * H * dh);          // [n, H*dh]
  const Buffer& k = act("k", n * Hkv * dh);        // [n, Hkv*dh]
  const Buffer& v = act("v", n * Hkv * dh);        // [n, Hkv*dh]
  const Buffer& scores = act("scores", H * n * n); // [H, n, n]
  const Buffer& pattern = act("pattern", H * n * n);  // [H, n, n]
  const Buffer& z = act("z", n * H * dh);          // [n, H*dh]
  const Buffer& head_out = act("head_out", H * n * d);  // [H, n, d]
  const Buffer& attn_out = act("attn_out", n * d); // [n, d]
  const Buffer* resid_mid = &act("resid_mid", n * d);   // [n, d]
  const Buffer& ln2 = act("ln2", n * d);           // [n, d]
  const Buffer& pre = act("pre", n * dm);          // [n, dm]
  const Buffer& up = act("up", n * dm);            // [n, dm]
  const Buffer& post = act("post", n * dm);        // [n, dm]
  const Buffer& mlp_out = act("mlp_out", n * d);   // [n, d]
  const Buffer* resid_post = &act("resid_post", n * d);  // [n, d]
  const Buffer& lnf = act("lnf", n * d);           // [n, d]
  const Buffer& logits = act("logits", n * V);     // [n, V]
  const Buffer& dummy = weight(Tensor());
  for (const auto& [key, b] : acts_)
    if (!b) return make_error("webgpu: could not allocate buffers (" + webgpu::device_error() + ")");

  // Inputs: ids or vectors, and RoPE's cos/sin computed as the CPU engine does.
  const Buffer* in = nullptr;
  if (averaging) {
    in = &act("vectors", r.vectors->data.size());
    in->write(r.vectors->ptr(), r.vectors->data.size() * sizeof(float));
  } else {
    in = &act("ids", n);
    in->write(r.ids.data(), n * sizeof(int32_t));
  }
  const int half = c.rotary ? c.rotary_dim / 2 : 0;
  const Buffer* cosb = &dummy;
  const Buffer* sinb = &dummy;
  if (half > 0) {
    std::vector<float> inv_freq(half), cs(n * half), sn(n * half);  // [half], [n, half], [n, half]
    for (int i = 0; i < half; ++i)
      inv_freq[i] = static_cast<int>(c.rope_inv_freq.size()) == half
                        ? c.rope_inv_freq[i]
                        : 1.0f / std::pow(c.rope_theta, static_cast<float>(2 * i) / static_cast<float>(c.rotary_dim));
    for (int64_t t = 0; t < n; ++t)
      for (int i = 0; i < half; ++i) {
        const float a = static_cast<float>(t) * inv_freq[i];
        cs[t * half + i] = std::cos(a), sn[t * half + i] = std::sin(a);
      }
    cosb = &act("cos", n * half);
    sinb = &act("sin", n * half);
    cosb->write(cs.data(), cs.size() * sizeof(float));
    sinb->write(sn.data(), sn.size() * sizeof(float));
  }

  // Taps: each wanted one is copied into the readback buffer right after the
  // kernel that made it (the same buffers serve every layer).
  r.taps.clear();
  size_t total = 0;
  struct PlannedCopy { size_t bytes; };
  std::vector<PlannedCopy> copies;
  auto keep = [&](int l, const char* what, const Buffer& src, std::vector<int64_t> shape) {
    const std::string name = l < 0 ? std::string(what) : tap_name(l, what);
    if (!r.filter.wants(name)) return;
    const size_t bytes = static_cast<size_t>(Tensor::count(shape)) * sizeof(float);
    r.taps.push_back(TapCopy{name, std::move(shape), total});
    (void)src;
    copies.push_back({bytes});
    total += bytes;
  };
  // Sizes are known before recording: plan once with a dry run of keep().
  // (Recording happens below; copies[] is consumed in the same order.)
  auto norm_kind = [&](const Tensor& wt) -> uint32_t {
    if (wt.data.empty()) return 2;
    return c.norm == NormKind::LayerNorm ? 0 : 1;
  };
  auto act_code = [&]() -> uint32_t {
    switch (c.act) {
      case Activation::GeluNew: return 0;
      case Activation::Gelu: return 1;
      case Activation::Silu: return 2;
      case Activation::ReLU: return 3;
    }
    return 2;
  };

  // Pass 1 plans the taps (sizes), pass 2 records; both walk the same steps.
  for (int pass = 0; pass < 2; ++pass) {
    const bool rec = pass == 1;
    size_t next_copy = 0;
    auto tap = [&](int l, const char* what, const Buffer& src, std::vector<int64_t> shape) {
      if (!rec) return keep(l, what, src, std::move(shape));
      const std::string name = l < 0 ? std::string(what) : tap_name(l, what);
      if (!r.filter.wants(name)) return;
      const TapCopy& tc = r.taps[next_copy];
      const PlannedCopy& pc = copies[next_copy++];
      ss_wgpu_copy(src.handle(), 0, readback_.handle(), static_cast<double>(tc.offset),
                   static_cast<double>(pc.bytes));
    };
    auto norm = [&](const Buffer& src, const Tensor& wt, const Tensor& bt, const Buffer& dst) {
      if (rec)
        webgpu::dispatch(Kernel::Norm, Params().u(n).u(d).u(norm_kind(wt)).u(!bt.data.empty()).f(c.norm_eps),
                         {&src, &weight(wt), &weight(bt), &dst}, static_cast<uint32_t>(n));
    };
    auto matmul = [&](const Buffer& src, int64_t kdim, const Tensor& W, const Tensor& b, const Buffer& dst) {
      const int64_t m = W.dim(0);
      if (!rec) return;
      const Params prm = Params().u(n).u(kdim).u(m).u(!b.data.empty());
      if (software)  // no workgroup barriers: 7x faster on SwiftShader (matmul_rows.wgsl)
        webgpu::dispatch_threads(Kernel::MatmulRows, prm, {&src, &weight(W), &weight(b), &dst}, n * m);
      else
        webgpu::dispatch(Kernel::Matmul, prm, {&src, &weight(W), &weight(b), &dst}, static_cast<uint32_t>((m + 15) / 16),
                         static_cast<uint32_t>((n + 15) / 16));
    };
    auto add = [&](const Buffer& a, const Buffer& b, const Buffer& dst, int64_t count) {
      if (rec) webgpu::dispatch_threads(Kernel::Add, Params().u(count), {&a, &b, &dst}, count);
    };
    if (rec) {
      if (!ss_wgpu_begin()) return make_error("webgpu: " + webgpu::device_error());
    }
    const Buffer* xs = x;
    const Buffer* rm = resid_mid;
    const Buffer* rp = resid_post;
    if (rec) {
      if (averaging)
        webgpu::dispatch_threads(Kernel::EmbedVectors, Params().u(n).u(d).u(c.input_width).u(c.learned_pos),
                                 {in, &weight(w.tok_emb), &weight(w.pos_emb), xs}, n * d);
      else
        webgpu::dispatch_threads(Kernel::Embed, Params().u(n).u(d).u(c.learned_pos).u(0),
                                 {in, &weight(w.tok_emb), &weight(w.pos_emb), xs}, n * d);
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
    for (int l = 0; l < c.n_layers; ++l) {
      const LayerWeights& lw = w.layers[l];
      tap(l, "resid_pre", *xs, {n, d});
      norm(*xs, lw.ln1_w, lw.ln1_b, *ln1);
      if (!averaging) tap(l, "ln1", *ln1, {n, d});
      matmul(*ln1, d, lw.wq, lw.bq, q);
      matmul(*ln1, d, lw.wk, lw.bk, k);
      matmul(*ln1, d, lw.wv, lw.bv, v);
      if (half > 0 && rec) {
        webgpu::dispatch_threads(Kernel::Rope, Params().u(n).u(H).u(dh).u(half), {cosb, sinb, &q}, n * H * half);
        webgpu::dispatch_threads(Kernel::Rope, Params().u(n).u(Hkv).u(dh).u(half), {cosb, sinb, &k}, n * Hkv * half);
      }
      tap(l, "q", q, {n, H, dh});
      tap(l, "k", k, {n, Hkv, dh});
      tap(l, "v", v, {n, Hkv, dh});
      if (rec) {
        webgpu::dispatch_threads(Kernel::AttnScores, Params().u(n).u(H).u(Hkv).u(dh).f(scale), {&q, &k, &scores},
                                 H * n * n);
        webgpu::dispatch_rows(Kernel::Softmax, Params().u(H * n).u(n), {&scores, &pattern}, H * n);
        webgpu::dispatch_threads(Kernel::AttnPv, Params().u(n).u(H).u(Hkv).u(dh).u(r.zero_mask[l]),
                                 {&pattern, &v, &z}, n * H * dh);
      }
      tap(l, "attn_scores", scores, {H, n, n});
      tap(l, "attn_pattern", pattern, {H, n, n});
      if (r.filter.wants(tap_name(l, "head_out"))) {
        if (rec)
          webgpu::dispatch_threads(Kernel::HeadOut, Params().u(n).u(H).u(dh).u(d), {&z, &weight(lw.wo), &head_out},
                                   H * n * d);
        tap(l, "head_out", head_out, {H, n, d});
      }
      matmul(z, H * dh, lw.wo, lw.bo, attn_out);
      tap(l, "z", z, {n, H, dh});
      add(*xs, attn_out, *rm, n * d);
      tap(l, "attn_out", attn_out, {n, d});
      tap(l, "resid_mid", *rm, {n, d});
      const Buffer* out = rm;  // resid_post (averaging models: attention only)
      if (!averaging) {
        norm(c.parallel_residual ? *xs : *rm, lw.ln2_w, lw.ln2_b, ln2);
        if (c.gated_mlp) {
          matmul(ln2, d, lw.w_gate, Tensor(), pre);
          matmul(ln2, d, lw.w_up, lw.b_up, up);
        } else {
          matmul(ln2, d, lw.w_up, lw.b_up, pre);
        }
        if (rec)
          webgpu::dispatch_threads(Kernel::MlpAct, Params().u(n * dm).u(act_code()).u(c.gated_mlp),
                                   {&pre, c.gated_mlp ? &up : &dummy, &post}, n * dm);
        matmul(post, dm, lw.w_down, lw.b_down, mlp_out);
        add(*rm, mlp_out, *rp, n * d);
        out = rp;
        tap(l, "ln2", ln2, {n, d});
        tap(l, "mlp_pre", pre, {n, dm});
        tap(l, "mlp_post", post, {n, dm});
        tap(l, "mlp_out", mlp_out, {n, d});
      }
      tap(l, "resid_post", *out, {n, d});
      // The next block reads this layer's output as its resid_pre.
      if (out == rp) std::swap(xs, rp);
      else std::swap(xs, rm);
    }
    norm(*xs, w.lnf_w, w.lnf_b, lnf);
    matmul(lnf, d, w.lm_head, Tensor(), logits);
    tap(-1, "ln_final", lnf, {n, d});
    tap(-1, "logits", logits, {n, V});
    if (!rec) {
      r.readback_bytes = total;
      if (!readback_ || readback_.bytes() < total) readback_ = Buffer(std::max<size_t>(total, 16), true);
      if (!readback_) return make_error("webgpu: could not allocate the readback buffer (" + std::to_string(total) +
                                        " bytes): " + webgpu::device_error());
    }
  }
  r.ticket = ss_wgpu_submit_and_read(readback_.handle(), static_cast<double>(r.readback_bytes));
  if (!r.ticket) return make_error("webgpu: submit failed: " + webgpu::device_error());
  r.phase = Request::Phase::kRunning;
  return {};
}

AsyncBackend::Poll WebGpuBackend::poll(Taps& out, std::string& error) {
  if (!req_) return Poll::kIdle;
  const DeviceState st = webgpu::device_state();
  if (st == DeviceState::kLost || st == DeviceState::kFailed) {
    error = webgpu::device_error();
    drop_request();
    return Poll::kLost;
  }
  Request& r = *req_;
  if (!r.unsupported.empty()) {
    error = r.unsupported;
    drop_request();
    return Poll::kFailed;
  }
  if (r.phase == Request::Phase::kWaitDevice) {
    if (st != DeviceState::kReady) return Poll::kPending;
    if (auto e = launch(); !e) {
      error = e.error().message;
      drop_request();
      return Poll::kFailed;
    }
    return Poll::kPending;
  }
  const int rs = ss_wgpu_readback_state(r.ticket);
  if (rs == 0) return Poll::kPending;
  if (rs < 0) {
    char buf[512];
    ss_wgpu_readback_error(r.ticket, buf, sizeof buf);
    error = buf;
    const bool lost = webgpu::device_state() == DeviceState::kLost;
    drop_request();
    return lost ? Poll::kLost : Poll::kFailed;
  }
  std::vector<float> host(r.readback_bytes / sizeof(float));  // [readback_bytes / 4]
  ss_wgpu_readback_take(r.ticket, host.data(), static_cast<double>(r.readback_bytes));
  r.ticket = 0;
  out.named.clear();
  for (const TapCopy& tc : r.taps) {
    Tensor t(tc.shape);
    std::copy_n(host.data() + tc.offset / sizeof(float), t.data.size(), t.data.data());
    out.named[tc.name] = std::move(t);
  }
  last_ms_ = emscripten_get_now() - r.t0;
  req_.reset();
  return Poll::kReady;
}

}  // namespace

std::unique_ptr<AsyncBackend> make_webgpu_backend() { return std::make_unique<WebGpuBackend>(); }
bool webgpu_present() { return ss_wgpu_present() != 0; }

}  // namespace ss
