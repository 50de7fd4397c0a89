#include "backends/webgpu/webgpu_backend.h"

#include <emscripten.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/webgpu/gpu.h"
#include "core/tensor_storage.h"
#include "engine/tap_rows.h"

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
  int64_t T = 0;                  // rows of the input
  int64_t cached = 0;             // rows [0, cached) come from the device's KV cache (0 = a full pass)
  KvCache* cache = nullptr;       // the caller's cache: its length becomes T when the pass lands
  Taps earlier;                   // the earlier rows' taps (Pass::taps), the new rows appended on arrival
  enum class Phase { kWaitDevice, kRunning } phase = Phase::kWaitDevice;
  int ticket = 0;
  std::vector<TapCopy> taps;
  size_t readback_bytes = 0;
  double t0 = 0;
};

// Sizes of one pass (names as in engine/taps.h).
struct Dims {
  int64_t n = 0, d = 0, H = 0, Hkv = 0, dh = 0, dm = 0, V = 0;
  int64_t cached = 0, total = 0;  // rows before the n new ones; cached + n (attention's keys)
  int half = 0;            // rotary_dim / 2; 0 without RoPE
  bool averaging = false;  // averaging models: vector inputs, attention-only blocks
};

// The device buffers of one pass, by role. Shapes for this pass (the buffers
// may be larger: they are kept across passes and grown as T grows). n = the
// new rows, total = every row (the KV cache's).
struct Acts {
  const Buffer* x = nullptr;           // [n, d] residual stream (resid_pre)
  const Buffer* ln1 = nullptr;         // [n, d]
  const Buffer* q = nullptr;           // [n, H*dh]
  const Buffer* k = nullptr;           // [n, Hkv*dh]
  const Buffer* v = nullptr;           // [n, Hkv*dh]
  const Buffer* scores = nullptr;      // [H, n, total]
  const Buffer* pattern = nullptr;     // [H, n, total]
  const Buffer* lse = nullptr;         // [n, H] each row's softmax log-sum-exp
  const Buffer* z = nullptr;           // [n, H*dh]
  const Buffer* gate = nullptr;        // [n, H*dh] gated attention: ln1 W_g^T before the sigmoid
  const Buffer* head_out = nullptr;    // [H, n, d]
  const Buffer* attn_out = nullptr;    // [n, d]
  const Buffer* resid_mid = nullptr;   // [n, d]
  const Buffer* ln2 = nullptr;         // [n, d]
  const Buffer* pre = nullptr;         // [n, dm]
  const Buffer* up = nullptr;          // [n, dm]
  const Buffer* post = nullptr;        // [n, dm]
  const Buffer* mlp_out = nullptr;     // [n, d]
  const Buffer* resid_post = nullptr;  // [n, d]
  const Buffer* lnf = nullptr;         // [n, d]
  const Buffer* logits = nullptr;      // [n, V]
  const Buffer* dummy = nullptr;       // [4] bound where a kernel's optional input is absent
  const Buffer* in = nullptr;          // [n] int32 ids, or [n, input_width] vectors
  const Buffer* cos = nullptr;         // [n, half] positions cached.. (dummy without RoPE)
  const Buffer* sin = nullptr;         // [n, half] (dummy without RoPE)
};

// The readback buffer's layout, made by the plan walk (Request::taps holds
// each tap's place in it).
struct TapPlan {
  size_t total = 0;  // bytes of the readback buffer in use
};

// The Norm kernel's kind (shaders/norm.wgsl): 0 LayerNorm, 1 RMSNorm, 2 copy
// (no weight: averaging models have no norms).
uint32_t norm_kind(const ModelConfig& c, const Tensor& wt) {
  if (wt.empty()) return 2;
  return c.norm == NormKind::LayerNorm ? 0 : 1;
}

// The MlpAct kernel's activation code (shaders/mlp_act.wgsl).
uint32_t act_code(Activation act) {
  switch (act) {
    case Activation::GeluNew: return 0;
    case Activation::Gelu: return 1;
    case Activation::Silu: return 2;
    case Activation::ReLU: return 3;
  }
  return 2;
}

Dims dims_of(const Request& r) {
  const ModelConfig& c = r.model->config;
  Dims s;
  s.n = r.T - r.cached, s.cached = r.cached, s.total = r.T;
  s.d = c.d_model, s.H = c.n_heads, s.Hkv = c.n_kv_heads, s.dh = c.d_head, s.dm = c.d_mlp;
  s.V = r.model->weights.lm_head.dim(0);
  s.averaging = c.family == Family::Averaging;
  s.half = c.rotary ? c.rotary_dim / 2 : 0;
  return s;
}

// RoPE's cos/sin tables, computed as the CPU engine does so the taps match it:
// the explicit inverse frequencies when given, else theta^(-2i/rotary_dim).
struct RopeTables {
  std::vector<float> cos;  // [n, half]
  std::vector<float> sin;  // [n, half]
};

// Rows n at positions pos0 .. pos0 + n - 1.
RopeTables rope_tables(const ModelConfig& c, int64_t n, int half, int64_t pos0) {
  std::vector<float> inv_freq(half), cs(n * half), sn(n * half);  // [half], [n, half], [n, half]
  for (int i = 0; i < half; ++i)
    inv_freq[i] = static_cast<int>(c.rope_inv_freq.size()) == half
                      ? c.rope_inv_freq[i]
                      : 1.0f / std::pow(c.rope_theta, static_cast<float>(2 * i) / static_cast<float>(c.rotary_dim));
  for (int64_t t = 0; t < n; ++t)
    for (int i = 0; i < half; ++i) {
      const float a = static_cast<float>(pos0 + t) * inv_freq[i];
      cs[t * half + i] = std::cos(a), sn[t * half + i] = std::sin(a);
    }
  return RopeTables{std::move(cs), std::move(sn)};
}

// The families of its kernels (GPT-2, Llama, GPT-NeoX, averaging), with
// gated attention and sink logits (the twins of demo-lm); every tap but the
// norms' outputs ln1/ln2 (their kernels write straight into the next
// matmul's input); the ZeroHead hook; the KV cache (incremental passes).
Capabilities webgpu_capabilities() {
  Capabilities caps;
  caps.families = {Family::GPT2, Family::Llama, Family::NeoX, Family::Averaging};
  for (const char* k : kLayerTapKinds)
    if (std::string_view(k) != "ln1" && std::string_view(k) != "ln2")
      caps.taps.push_back(k);
  for (const char* k : kModelTapKinds) caps.taps.push_back(k);
  caps.hooks = {HookKind::ZeroHead};
  caps.incremental = true;  // the KV cache stays on the device (language models; vectors run whole)
  caps.attention_gate = caps.sink_logit = true;  // shaders/gate.wgsl; the sink logit in softmax.wgsl
  return caps;
}

class WebGpuBackend final : public Backend {
 public:
  WebGpuBackend() { ss_wgpu_start(); }
  ~WebGpuBackend() override { drop_request(); }
  const char* name() const override { return "webgpu"; }
  const Capabilities& capabilities() const override {
    static const Capabilities caps = webgpu_capabilities();
    return caps;
  }

  Poll poll(Taps& out, std::string& error) override;
  double last_ms() const override { return last_ms_; }
  int64_t last_rows() const override { return last_rows_; }
  bool lost() const override { return webgpu::device_state() == webgpu::DeviceState::kLost; }

 protected:
  Expected<void> start(Pass pass) override;

 private:
  struct Walk;  // one walk over the forward pass (plan or record)

  void drop_request() {
    if (req_ && req_->ticket) {
      ss_wgpu_readback_drop(req_->ticket);
      readback_.reset();  // its map may still be pending: the next pass gets a fresh one
      // Its commands ran: the cache rows it wrote no longer hold the rows
      // the caller's cache describes.
      kv_rows_ = std::min(kv_rows_, req_->cached);
    }
    req_.reset();
  }
  int64_t usable_cache_rows(const Pass& pass) const;
  void grow_kv_cache(const Dims& s);
  Expected<void> launch();  // records + submits the pass of req_ (device ready)
  // The steps of launch(), in the order it runs them.
  void use_weights_of(const Model& model);
  Expected<void> alloc_acts(const Dims& s, Acts& a);
  void upload_inputs(const Request& r, const Dims& s, Acts& a);
  Expected<void> alloc_readback(Request& r, size_t total);
  Expected<void> submit_and_read(Request& r);
  const Buffer& weight(const Tensor& t);
  const Buffer& act(const std::string& key, size_t floats);

  std::optional<Request> req_;
  double last_ms_ = -1;
  int64_t last_rows_ = -1;
  // The KV cache on the device: per layer K (after RoPE) and V [kv_cap_,
  // Hkv*dh]; rows [0, kv_rows_) hold the rows of kv_owner_ (the caller's
  // KvCache) for (kv_model_, kv_version_). Every pass attends through it.
  std::vector<Buffer> kv_k_, kv_v_;
  std::vector<Buffer> kv_retired_;  // grown-out buffers, kept until their copies have run
  int64_t kv_cap_ = 0, kv_rows_ = 0;
  size_t kv_row_bytes_ = 0;  // Hkv*dh floats of the model the buffers were made for
  const KvCache* kv_owner_ = nullptr;
  const Model* kv_model_ = nullptr;
  uint64_t kv_version_ = 0;
  // Weights on the device, keyed by host data pointer; valid for one (model, version).
  const Model* weights_model_ = nullptr;
  uint64_t weights_version_ = 0;
  std::map<const void*, Buffer> weights_;
  Buffer dummy_;                        // bound where a kernel's optional input is absent
  std::map<std::string, Buffer> acts_;  // activations by role, grown as T grows
  Buffer readback_;
};

const Buffer& WebGpuBackend::weight(const Tensor& t) {
  if (t.empty()) {
    if (!dummy_) dummy_ = Buffer(16, false);
    return dummy_;
  }
  const void* key = t.is_f32() ? static_cast<const void*>(t.data.data()) : t.half.data();
  auto it = weights_.find(key);
  if (it != weights_.end()) return it->second;
  // 16-bit weights go up as they are, two to a 32-bit word (shaders/weights.wgsl
  // widens them), padded to whole words.
  const size_t bytes = t.is_f32() ? size_t(t.numel()) * sizeof(float) : (size_t(t.numel()) + 1) / 2 * 4;
  Buffer b(bytes, false);
  if (t.is_f32() || t.numel() % 2 == 0) {
    b.write(key, t.is_f32() ? bytes : size_t(t.numel()) * 2);
  } else {
    std::vector<uint16_t> padded(t.half);  // [numel + 1]
    padded.push_back(0);
    b.write(padded.data(), bytes);
  }
  return weights_.emplace(key, std::move(b)).first->second;
}

const Buffer& WebGpuBackend::act(const std::string& key, size_t floats) {
  Buffer& b = acts_[key];
  const size_t bytes = std::max<size_t>(floats, 4) * sizeof(float);
  if (!b || b.bytes() < bytes) b = Buffer(bytes, false);
  return b;
}

Expected<void> WebGpuBackend::start(Pass pass) {
  drop_request();  // a request in flight is superseded
  const DeviceState st = webgpu::device_state();
  if (st == DeviceState::kFailed || st == DeviceState::kLost) return make_error(webgpu::device_error());
  const Model& model = *pass.model;
  const ModelConfig& c = model.config;
  if (c.n_heads > 32) return make_error("webgpu: more than 32 heads per layer");  // zero_mask is 32 bits
  Request r;
  r.model = &model;
  r.T = pass.input.length();
  r.filter = pass.filter;
  r.zero_mask.assign(c.n_layers, 0u);
  if (pass.input.vectors) r.vectors = *pass.input.vectors;
  else r.ids.assign(pass.input.ids.begin(), pass.input.ids.end());
  r.cache = pass.cache;
  r.cached = usable_cache_rows(pass);
  if (r.cached > 0) r.earlier = std::move(pass.taps);
  for (const Hook& h : pass.hooks) r.zero_mask[h.layer] |= 1u << h.head;  // ZeroHead: all it claims
  r.t0 = emscripten_get_now();
  req_ = std::move(r);
  if (st == DeviceState::kReady) {
    if (auto e = launch(); !e) {
      drop_request();
      return e;
    }
  }
  return {};
}

// One walk over the forward pass. launch() walks twice over the same steps:
// the plan walk only lays the wanted taps out in the readback buffer (their
// sizes are known before anything is recorded), the record walk dispatches
// every kernel and copies each wanted tap into the readback buffer right after
// the kernel that made it (the same buffers serve every layer). Both walks
// meet the taps in the same order, so the record walk's i-th copy goes to
// r.taps[i].
struct WebGpuBackend::Walk : Dims {
  WebGpuBackend& be;
  Request& r;
  const ModelConfig& c;
  const Weights& w;
  const Acts& a;
  TapPlan& plan;
  const bool rec;        // false: the plan walk (no GPU calls)
  size_t next_copy = 0;  // the record walk's next entry of r.taps / plan.copies
  // The residual stream rotates through three buffers: a block reads xs and
  // writes rm (and rp); its output becomes the next block's xs.
  const Buffer* xs;  // [n, d] resid_pre of the current block
  const Buffer* rm;  // [n, d] resid_mid
  const Buffer* rp;  // [n, d] resid_post

  Walk(WebGpuBackend& backend, Request& req, const Dims& dims, const Acts& acts, TapPlan& tap_plan, bool record)
      : Dims(dims), be(backend), r(req), c(req.model->config), w(req.model->weights), a(acts), plan(tap_plan),
        rec(record), xs(acts.x), rm(acts.resid_mid), rp(acts.resid_post) {}

  void run() {
    embed();
    for (int l = 0; l < c.n_layers; ++l) block(l);
    final_norm_and_logits();
  }

  // One transformer block: attention, then (language models) the MLP.
  void block(int l) {
    const LayerWeights& lw = w.layers[l];
    qkv(l, lw);
    rope(l);
    cache_kv(l);
    attention(l);
    head_out(l, lw);
    attn_out(l, lw);
    const Buffer* out = rm;  // resid_post (averaging models: attention only)
    if (!averaging) {
      mlp(l, lw);
      out = rp;
    }
    tap(l, "resid_post", *out, {n, d});
    // The next block reads this layer's output as its resid_pre.
    if (out == rp) std::swap(xs, rp);
    else std::swap(xs, rm);
  }

  // Token (+ learned position) embeddings, or the averaging models' input
  // vectors through tok_emb: block 0's resid_pre.
  void embed() {
    if (!rec) return;
    if (averaging)
      webgpu::dispatch_threads(Kernel::EmbedVectors, Params().u(n).u(d).u(c.input_width).u(c.learned_pos),
                               {a.in, &be.weight(w.tok_emb), &be.weight(w.pos_emb), xs}, n * d);
    else
      webgpu::dispatch_threads(Kernel::Embed, Params().u(n).u(d).u(c.learned_pos).u(cached).u(webgpu::weight_type(w.tok_emb)),
                               {a.in, &be.weight(w.tok_emb), &be.weight(w.pos_emb), xs}, n * d);
  }

  // resid_pre -> ln1 -> q, k, v.
  void qkv(int l, const LayerWeights& lw) {
    tap(l, "resid_pre", *xs, {n, d});
    norm(*xs, lw.ln1_w, lw.ln1_b, *a.ln1);
    if (!averaging) tap(l, "ln1", *a.ln1, {n, d});
    matmul(*a.ln1, d, lw.wq, lw.bq, *a.q);
    matmul(*a.ln1, d, lw.wk, lw.bk, *a.k);
    matmul(*a.ln1, d, lw.wv, lw.bv, *a.v);
  }

  // Rotates q and k in place; q and k are tapped after the rotation.
  void rope(int l) {
    if (half > 0 && rec) {
      webgpu::dispatch_threads(Kernel::Rope, Params().u(n).u(H).u(dh).u(half), {a.cos, a.sin, a.q}, n * H * half);
      webgpu::dispatch_threads(Kernel::Rope, Params().u(n).u(Hkv).u(dh).u(half), {a.cos, a.sin, a.k}, n * Hkv * half);
    }
    tap(l, "q", *a.q, {n, H, dh});
    tap(l, "k", *a.k, {n, Hkv, dh});
    tap(l, "v", *a.v, {n, Hkv, dh});
  }

  // The new rows' k (after RoPE) and v into the layer's KV cache, after the
  // rows it already holds: attention reads every row's keys from there.
  void cache_kv(int l) {
    if (!rec) return;
    const double row = static_cast<double>(Hkv * dh * sizeof(float));
    ss_wgpu_copy(a.k->handle(), 0, be.kv_k_[l].handle(), cached * row, n * row);
    ss_wgpu_copy(a.v->handle(), 0, be.kv_v_[l].handle(), cached * row, n * row);
  }

  // scores = q k^T * attention_scale (causal) of the n new queries against all
  // `total` keys, pattern = softmax(scores), z = pattern v (z = 0 for this
  // layer's ZeroHead heads).
  void attention(int l) {
    const float scale = attention_scale(c);
    if (rec) {
      const Buffer* K = &be.kv_k_[l];  // [total, Hkv*dh]
      const Buffer* V = &be.kv_v_[l];  // [total, Hkv*dh]
      webgpu::dispatch_threads(Kernel::AttnScores, Params().u(n).u(H).u(Hkv).u(dh).f(scale).u(total).u(cached),
                               {a.q, K, a.scores}, H * n * total);
      const Tensor& sinks = w.layers[l].sink_logits;  // [H] attention_sink_logit, else empty
      webgpu::dispatch_rows(Kernel::Softmax, Params().u(H * n).u(total).u(n).u(cached).u(!sinks.empty()),
                            {a.scores, a.pattern, &be.weight(sinks), a.lse}, H * n);
      webgpu::dispatch_threads(Kernel::AttnPv, Params().u(n).u(H).u(Hkv).u(dh).u(r.zero_mask[l]).u(total).u(cached),
                               {a.pattern, V, a.z}, n * H * dh);
    }
    // Gated attention: z *= sigmoid(ln1 W_g^T), head by head (ZeroHead's
    // zeros stay zero).
    if (c.attn_gate) {
      matmul(*a.ln1, d, w.layers[l].w_attn_gate, Tensor(), *a.gate);
      if (rec) webgpu::dispatch_threads(Kernel::Gate, Params().u(n * H * dh), {a.gate, a.z}, n * H * dh);
    }
    tap(l, "attn_scores", *a.scores, {H, n, total});
    tap(l, "attn_pattern", *a.pattern, {H, n, total});
    tap(l, "attn_lse", *a.lse, {n, H});
  }

  // Each head's own output z_h W_O^h: computed only when someone taps it
  // (attn_out below does not need it).
  void head_out(int l, const LayerWeights& lw) {
    if (!r.filter.wants(tap_name(l, "head_out"))) return;
    if (rec)
      webgpu::dispatch_threads(Kernel::HeadOut, Params().u(n).u(H).u(dh).u(d).u(webgpu::weight_type(lw.wo)),
                               {a.z, &be.weight(lw.wo), a.head_out},
                               H * n * d);
    tap(l, "head_out", *a.head_out, {H, n, d});
  }

  // attn_out = z W_O + b_O; resid_mid = resid_pre + attn_out.
  void attn_out(int l, const LayerWeights& lw) {
    matmul(*a.z, H * dh, lw.wo, lw.bo, *a.attn_out);
    tap(l, "z", *a.z, {n, H, dh});
    add(*xs, *a.attn_out, *rm, n * d);
    tap(l, "attn_out", *a.attn_out, {n, d});
    tap(l, "resid_mid", *rm, {n, d});
  }

  // ln2 -> gate and up (gated) or fc_in -> act -> down; resid_post = resid_mid
  // + mlp_out. Parallel-residual models normalise resid_pre instead.
  void mlp(int l, const LayerWeights& lw) {
    norm(c.parallel_residual ? *xs : *rm, lw.ln2_w, lw.ln2_b, *a.ln2);
    if (c.gated_mlp) {
      matmul(*a.ln2, d, lw.w_gate, Tensor(), *a.pre);
      matmul(*a.ln2, d, lw.w_up, lw.b_up, *a.up);
    } else {
      matmul(*a.ln2, d, lw.w_up, lw.b_up, *a.pre);
    }
    if (rec)
      webgpu::dispatch_threads(Kernel::MlpAct, Params().u(n * dm).u(act_code(c.act)).u(c.gated_mlp),
                               {a.pre, c.gated_mlp ? a.up : a.dummy, a.post}, n * dm);
    matmul(*a.post, dm, lw.w_down, lw.b_down, *a.mlp_out);
    add(*rm, *a.mlp_out, *rp, n * d);
    tap(l, "ln2", *a.ln2, {n, d});
    tap(l, "mlp_pre", *a.pre, {n, dm});
    tap(l, "mlp_post", *a.post, {n, dm});
    tap(l, "mlp_out", *a.mlp_out, {n, d});
  }

  // After the last block: ln_final, then the unembedding.
  void final_norm_and_logits() {
    norm(*xs, w.lnf_w, w.lnf_b, *a.lnf);
    matmul(*a.lnf, d, w.lm_head, Tensor(), *a.logits);
    tap(-1, "ln_final", *a.lnf, {n, d});
    tap(-1, "logits", *a.logits, {n, V});
  }

  // A tap the filter wants: the plan walk gives it the next bytes of the
  // readback buffer, the record walk copies src there.
  void tap(int l, const char* what, const Buffer& src, std::vector<int64_t> shape) {
    const std::string name = l < 0 ? std::string(what) : tap_name(l, what);
    if (!r.filter.wants(name)) return;
    if (!rec) {
      const size_t bytes = static_cast<size_t>(Tensor::count(shape)) * sizeof(float);
      r.taps.push_back(TapCopy{name, std::move(shape), plan.total});
      plan.total += bytes;
      return;
    }
    const TapCopy& tc = r.taps[next_copy++];
    const size_t bytes = static_cast<size_t>(Tensor::count(tc.shape)) * sizeof(float);
    ss_wgpu_copy(src.handle(), 0, be.readback_.handle(), static_cast<double>(tc.offset), static_cast<double>(bytes));
  }

  // dst [n, d] = norm(src [n, d]) * wt (+ bt).
  void norm(const Buffer& src, const Tensor& wt, const Tensor& bt, const Buffer& dst) {
    if (rec)
      webgpu::dispatch(Kernel::Norm, Params().u(n).u(d).u(norm_kind(c, wt)).u(!bt.empty()).f(c.norm_eps),
                       {&src, &be.weight(wt), &be.weight(bt), &dst}, static_cast<uint32_t>(n));
  }

  // dst [n, m] = src [n, kdim] W^T (+ b), W [m, kdim].
  void matmul(const Buffer& src, int64_t kdim, const Tensor& W, const Tensor& b, const Buffer& dst) {
    const int64_t m = W.dim(0);
    if (!rec) return;
    const Params prm = Params().u(n).u(kdim).u(m).u(!b.empty()).u(webgpu::weight_type(W));
    const Kernel k = webgpu::matmul_kernel(n, m);  // gpu.h says which, when
    if (k == Kernel::MatmulRows) {
      webgpu::dispatch_threads(k, prm, {&src, &be.weight(W), &be.weight(b), &dst}, n * m);
    } else {
      const auto [gx, gy] = webgpu::matmul_groups(k, n, m);
      webgpu::dispatch(k, prm, {&src, &be.weight(W), &be.weight(b), &dst}, gx, gy);
    }
  }

  // dst [count] = x + y.
  void add(const Buffer& x, const Buffer& y, const Buffer& dst, int64_t count) {
    if (rec) webgpu::dispatch_threads(Kernel::Add, Params().u(count), {&x, &y, &dst}, count);
  }
};

// Weights on the device are valid for one (model, version): drop them on a change.
void WebGpuBackend::use_weights_of(const Model& model) {
  if (weights_model_ != &model || weights_version_ != model.weights.version) {
    weights_.clear();
    weights_model_ = &model;
    weights_version_ = model.weights.version;
  }
}

Expected<void> WebGpuBackend::alloc_acts(const Dims& s, Acts& a) {
  const int64_t n = s.n, d = s.d, H = s.H, Hkv = s.Hkv, dh = s.dh, dm = s.dm, V = s.V;
  a.x = &act("x", n * d);
  a.ln1 = &act("ln1", n * d);
  a.q = &act("q", n * H * dh);
  a.k = &act("k", n * Hkv * dh);
  a.v = &act("v", n * Hkv * dh);
  a.scores = &act("scores", H * n * s.total);
  a.pattern = &act("pattern", H * n * s.total);
  a.lse = &act("lse", n * H);
  a.z = &act("z", n * H * dh);
  a.gate = &act("gate", n * H * dh);
  a.head_out = &act("head_out", H * n * d);
  a.attn_out = &act("attn_out", n * d);
  a.resid_mid = &act("resid_mid", n * d);
  a.ln2 = &act("ln2", n * d);
  a.pre = &act("pre", n * dm);
  a.up = &act("up", n * dm);
  a.post = &act("post", n * dm);
  a.mlp_out = &act("mlp_out", n * d);
  a.resid_post = &act("resid_post", n * d);
  a.lnf = &act("lnf", n * d);
  a.logits = &act("logits", n * V);
  a.dummy = &weight(Tensor());
  for (const auto& [key, b] : acts_)
    if (!b) return make_error("webgpu: could not allocate buffers (" + webgpu::device_error() + ")");
  return {};
}

// Inputs: ids or vectors, and RoPE's cos/sin tables.
void WebGpuBackend::upload_inputs(const Request& r, const Dims& s, Acts& a) {
  if (s.averaging) {
    a.in = &act("vectors", r.vectors->data.size());
    a.in->write(r.vectors->ptr(), r.vectors->data.size() * sizeof(float));
  } else {
    a.in = &act("ids", s.n);
    a.in->write(r.ids.data() + s.cached, s.n * sizeof(int32_t));  // the new rows' ids
  }
  a.cos = a.dummy;
  a.sin = a.dummy;
  if (s.half > 0) {
    const RopeTables rt = rope_tables(r.model->config, s.n, s.half, s.cached);
    a.cos = &act("cos", s.n * s.half);
    a.sin = &act("sin", s.n * s.half);
    a.cos->write(rt.cos.data(), rt.cos.size() * sizeof(float));
    a.sin->write(rt.sin.data(), rt.sin.size() * sizeof(float));
  }
}

// The readback buffer is reused across passes, grown when too small.
Expected<void> WebGpuBackend::alloc_readback(Request& r, size_t total) {
  r.readback_bytes = total;
  if (!readback_ || readback_.bytes() < total) readback_ = Buffer(std::max<size_t>(total, 16), true);
  if (!readback_) return make_error("webgpu: could not allocate the readback buffer (" + std::to_string(total) +
                                    " bytes): " + webgpu::device_error());
  return {};
}

Expected<void> WebGpuBackend::submit_and_read(Request& r) {
  r.ticket = ss_wgpu_submit_and_read(readback_.handle(), static_cast<double>(r.readback_bytes));
  if (!r.ticket) return make_error("webgpu: submit failed: " + webgpu::device_error());
  r.phase = Request::Phase::kRunning;
  return {};
}

// Rows of pass.cache this backend can take from its device KV cache: all the
// caller's cache holds, when the device rows are that cache's, for this model
// and weights, and at least one new row is left to run; else 0 (a full pass).
// Vector inputs (averaging models) always run whole: their embedding has no
// position offset.
int64_t WebGpuBackend::usable_cache_rows(const Pass& pass) const {
  if (!pass.cache || pass.input.vectors) return 0;
  const int64_t want = pass.cache->length;
  const bool ours = kv_owner_ == pass.cache && kv_model_ == pass.model && kv_version_ == pass.model->weights.version;
  return want > 0 && ours && want <= kv_rows_ && want < pass.input.length() ? want : 0;
}

// Makes every layer's K and V buffers hold `total` rows; when they grow, the
// rows already cached are copied over (recorded into the pass) and the old
// buffers live until the next launch, after the copies ran.
void WebGpuBackend::grow_kv_cache(const Dims& s) {
  kv_retired_.clear();
  const int layers = static_cast<int>(req_->model->config.n_layers);
  const size_t row = static_cast<size_t>(s.Hkv * s.dh) * sizeof(float);
  const bool same_shape = static_cast<int>(kv_k_.size()) == layers && kv_row_bytes_ == row;
  if (same_shape && kv_cap_ >= s.total) return;
  const int64_t cap = std::max<int64_t>({s.total, same_shape ? 2 * kv_cap_ : 0, 64});
  const bool keep = same_shape && s.cached > 0;
  std::vector<Buffer> k(layers), v(layers);
  for (int l = 0; l < layers; ++l) {
    k[l] = Buffer(cap * row, false);
    v[l] = Buffer(cap * row, false);
    if (keep && k[l] && v[l]) {
      ss_wgpu_copy(kv_k_[l].handle(), 0, k[l].handle(), 0, static_cast<double>(s.cached * row));
      ss_wgpu_copy(kv_v_[l].handle(), 0, v[l].handle(), 0, static_cast<double>(s.cached * row));
    }
  }
  for (auto* old : {&kv_k_, &kv_v_})
    for (Buffer& b : *old) kv_retired_.push_back(std::move(b));
  kv_k_ = std::move(k), kv_v_ = std::move(v);
  kv_cap_ = cap;
  kv_row_bytes_ = row;
}

Expected<void> WebGpuBackend::launch() {
  Request& r = *req_;
  use_weights_of(*r.model);
  const Dims s = dims_of(r);
  Acts a;
  if (auto e = alloc_acts(s, a); !e) return e;
  upload_inputs(r, s, a);
  r.taps.clear();
  TapPlan plan;
  Walk(*this, r, s, a, plan, /*rec=*/false).run();  // lays out the taps: no GPU calls
  if (auto e = alloc_readback(r, plan.total); !e) return e;
  if (!ss_wgpu_begin()) return make_error("webgpu: " + webgpu::device_error());
  grow_kv_cache(s);  // may record copies of the kept rows into bigger buffers
  for (const Buffer& b : kv_k_)
    if (!b) return make_error("webgpu: could not allocate the KV cache (" + webgpu::device_error() + ")");
  // From here the cache holds this pass's rows, valid once it lands.
  kv_owner_ = r.cache;
  kv_model_ = r.model;
  kv_version_ = r.model->weights.version;
  kv_rows_ = r.cached;
  Walk(*this, r, s, a, plan, /*rec=*/true).run();  // records every kernel and tap copy
  return submit_and_read(r);
}

Backend::Poll WebGpuBackend::poll(Taps& out, std::string& error) {
  if (!req_) return Poll::kIdle;
  const DeviceState st = webgpu::device_state();
  if (st == DeviceState::kLost || st == DeviceState::kFailed) {
    error = webgpu::device_error();
    drop_request();
    return Poll::kLost;
  }
  Request& r = *req_;
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
  // The new rows of each tap; after the earlier rows when the pass extended
  // the cache (Square taps: the earlier rows' new columns are causal zeros,
  // -inf for scores).
  out.named.clear();
  Taps fresh_taps;
  for (const TapCopy& tc : r.taps) {
    Tensor t(tc.shape);
    std::copy_n(host.data() + tc.offset / sizeof(float), t.data.size(), t.data.data());
    fresh_taps.named[tc.name] = std::move(t);
  }
  if (r.cached > 0) {
    for (auto& [name, fresh] : fresh_taps.named) {
      auto it = r.earlier.named.find(name);
      if (it == r.earlier.named.end()) {
        error = "webgpu: an incremental pass without the earlier rows of " + name;
        drop_request();
        return Poll::kFailed;
      }
      const RowAxis axis = row_axis_of(name);
      append_rows(it->second, r.cached, std::move(fresh), axis, tap_kind(name) == "attn_scores" ? -INFINITY : 0.0f);
    }
    for (auto& [name, t] : r.earlier.named)
      if (fresh_taps.named.count(name)) out.named[name] = std::move(t);
  } else {
    out = std::move(fresh_taps);
  }
  if (r.cache) {  // the device holds every row's K and V now; the host cache only counts them
    r.cache->k.clear(), r.cache->v.clear();
    r.cache->length = r.vectors ? 0 : r.T;
    kv_rows_ = r.vectors ? 0 : r.T;
  }
  last_ms_ = emscripten_get_now() - r.t0;
  last_rows_ = r.T - r.cached;
  req_.reset();
  return Poll::kReady;
}

}  // namespace

std::unique_ptr<Backend> make_webgpu_backend() { return std::make_unique<WebGpuBackend>(); }
bool webgpu_present() { return ss_wgpu_present() != 0; }

}  // namespace ss
