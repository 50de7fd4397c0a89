// The CPU forward pass for every family, row-incremental: it computes the
// rows [cache.length, T) of every tap, reading earlier rows' keys and values
// from the KV cache. A full pass is the case cache.length == 0.
#include <Eigen/Core>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "backends/cpu/kernels.h"
#include "backends/cpu/ops.h"
#include "core/parallel.h"
#include "engine/backend.h"
#include "engine/tap_rows.h"

namespace ss {

namespace {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using StridedMap = Eigen::Map<const Mat, 0, Eigen::OuterStride<>>;
using StridedMapMut = Eigen::Map<Mat, 0, Eigen::OuterStride<>>;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

Tensor reshaped(const Tensor& t, std::vector<int64_t> shape) {
  Tensor r;
  r.shape = std::move(shape);
  r.data = t.data;
  return r;
}

// y = x W^T + b as a new [n, out] tensor.
Tensor project(const Tensor& x, const Tensor& W, const Tensor& b) {
  const int64_t n = x.dim(0), in = x.dim(1), out = W.dim(0);
  Tensor y({n, out});
  cpu::linear(x.ptr(), n, in, W.ptr(), out, b.data.empty() ? nullptr : b.ptr(), y.ptr());
  return y;
}

Expected<void> check_hooks(const ModelConfig& c, const Hooks& hooks) {
  for (const Hook& h : hooks) {
    if (h.layer < 0 || h.layer >= c.n_layers)
      return make_error("hook: layer " + std::to_string(h.layer) + " out of range (model has " + std::to_string(c.n_layers) + ")");
    if (h.head < -1 || h.head >= c.n_heads)
      return make_error("hook: head " + std::to_string(h.head) + " out of range (model has " + std::to_string(c.n_heads) + ")");
    if (h.kind == HookKind::ZeroHead && h.head < 0) return make_error("hook ZeroHead needs a head");
    if (h.kind == HookKind::RemoveKey && h.position < 0) return make_error("hook RemoveKey needs a position");
    if (h.kind == HookKind::SubtractDirection && static_cast<int>(h.vec.size()) != c.d_model)
      return make_error("hook SubtractDirection needs a vector of length d_model = " + std::to_string(c.d_model));
    if (h.kind == HookKind::ReplaceValue && (static_cast<int>(h.vec.size()) != c.d_head || h.head < 0 || h.position < 0))
      return make_error("hook ReplaceValue needs a head, a position and a vector of length d_head = " + std::to_string(c.d_head));
  }
  return {};
}

class Stopwatch {
 public:
  explicit Stopwatch(StageTimes* t) : t_(t), start_(std::chrono::steady_clock::now()) {}
  void lap(std::string name) {
    if (!t_) return;
    auto now = std::chrono::steady_clock::now();
    t_->add(std::move(name), std::chrono::duration<double, std::milli>(now - start_).count());
    start_ = now;
  }

 private:
  StageTimes* t_;
  std::chrono::steady_clock::time_point start_;
};

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  bool can_extend() const override { return true; }

  Expected<void> forward(const Model& model, std::span<const int32_t> ids, const Hooks& hooks, const TapFilter& filter,
                         Taps& out) override {
    KvCache cache;
    return extend(model, ForwardInput{ids, nullptr}, hooks, filter, cache, out);
  }

  Expected<void> forward_inputs(const Model& model, const Tensor& inputs, const Hooks& hooks, const TapFilter& filter,
                                Taps& out) override {
    KvCache cache;
    return extend(model, ForwardInput{{}, &inputs}, hooks, filter, cache, out);
  }

  Expected<void> extend(const Model& model, const ForwardInput& input, const Hooks& hooks, const TapFilter& filter,
                        KvCache& cache, Taps& out) override;
};

Expected<void> CpuBackend::extend(const Model& model, const ForwardInput& input, const Hooks& hooks,
                                  const TapFilter& filter, KvCache& cache, Taps& out) {
  const ModelConfig& c = model.config;
  const Weights& w = model.weights;
  const int64_t T = input.length(), s = cache.length, n = T - s;
  const int64_t d = c.d_model, H = c.n_heads, Hkv = c.n_kv_heads, dh = c.d_head;
  const int64_t group = H / Hkv;
  if (T <= 0) return make_error("forward: empty input (no tokens)");
  if (s > T) return make_error("forward: cache holds more rows than the input");
  if (static_cast<int64_t>(w.layers.size()) != c.n_layers) return make_error("forward: weights do not match the config");
  if (!c.rope_inv_freq.empty() && static_cast<int>(c.rope_inv_freq.size()) != c.rotary_dim / 2)
    return make_error("forward: rope_inv_freq must hold rotary_dim / 2 = " + std::to_string(c.rotary_dim / 2) + " values");
  if (auto e = check_hooks(c, hooks); !e) return e;
  if (c.learned_pos && T > c.max_positions)
    return make_error("forward: " + std::to_string(T) + " tokens exceed the model's " + std::to_string(c.max_positions) + " positions");
  if (s == 0) {
    out.named.clear();
    cache.clear();
    cache.k.resize(c.n_layers), cache.v.resize(c.n_layers);
  }
  if (n == 0) return {};
  Stopwatch clock(timings_);
  auto keep = [&](int l, const char* what, Tensor&& t) {
    std::string name = l < 0 ? std::string(what) : tap_name(l, what);
    if (!filter.wants(name)) return;
    const RowAxis axis = row_axis_of(name);
    const float fill = axis == RowAxis::Square && std::strcmp(what, "attn_scores") == 0 ? kNegInf : 0.0f;
    append_rows(out.named[std::move(name)], s, std::move(t), axis, fill);
  };

  // Embedding: x [n, d]
  Tensor x({n, d});
  if (c.family == Family::Averaging) {
    const Tensor* in = input.vectors;
    if (!in || in->rank() != 2 || in->dim(1) != c.input_width)
      return make_error("forward: averaging models take inputs [T, input_width] = [T, " + std::to_string(c.input_width) + "]");
    // x = inputs[s:T] @ tok_emb ([input_width, d]); tiny, so a plain loop.
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < c.input_width; ++k) {
        const float a = in->at(s + i, k);
        if (a != 0.0f)
          for (int64_t j = 0; j < d; ++j) x.data[i * d + j] += a * w.tok_emb.data[k * d + j];
      }
    if (c.learned_pos)  // e_t = x_t @ tok_emb + P[t]
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < d; ++j) x.data[i * d + j] += w.pos_emb.data[(s + i) * d + j];
  } else {
    if (input.vectors) return make_error("forward: language models take token ids, not input vectors");
    for (int64_t i = 0; i < n; ++i) {
      const int32_t id = input.ids[s + i];
      if (id < 0 || id >= c.vocab_size)
        return make_error("forward: token id " + std::to_string(id) + " at position " + std::to_string(s + i) +
                          " is outside the vocabulary (" + std::to_string(c.vocab_size) + ")");
      std::copy_n(w.tok_emb.ptr() + int64_t{id} * d, d, x.ptr() + i * d);
      if (c.learned_pos)
        for (int64_t j = 0; j < d; ++j) x.data[i * d + j] += w.pos_emb.data[(s + i) * d + j];
    }
  }
  clock.lap("embed");

  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  for (int l = 0; l < c.n_layers; ++l) {
    const LayerWeights& lw = w.layers[l];
    keep(l, "resid_pre", Tensor(x));
    Tensor ln1;  // [n, d]
    cpu::norm(x, lw.ln1_w, lw.ln1_b, c.norm, c.norm_eps, ln1);
    if (c.family != Family::Averaging) keep(l, "ln1", Tensor(ln1));
    Tensor q = project(ln1, lw.wq, lw.bq);  // [n, H*dh]
    Tensor k = project(ln1, lw.wk, lw.bk);  // [n, Hkv*dh]
    Tensor v = project(ln1, lw.wv, lw.bv);  // [n, Hkv*dh]
    if (c.rotary) {
      cpu::rope(q, H, dh, c.rotary_dim, c.rope_theta, c.rope_inv_freq, s);
      cpu::rope(k, Hkv, dh, c.rotary_dim, c.rope_theta, c.rope_inv_freq, s);
    }
    for (const Hook& h : hooks) {  // value edits: what a position writes
      if (h.layer != l || (h.kind != HookKind::ZeroValue && h.kind != HookKind::ReplaceValue)) continue;
      for (int64_t i = 0; i < n; ++i) {
        if (h.position >= 0 && h.position != s + i) continue;
        for (int64_t g = 0; g < Hkv; ++g) {
          if (h.head >= 0 && g != h.head / group) continue;
          float* vg = v.ptr() + (i * Hkv + g) * dh;
          for (int64_t e = 0; e < dh; ++e) vg[e] = h.kind == HookKind::ZeroValue ? 0.0f : h.vec[e];
        }
      }
    }
    keep(l, "q", reshaped(q, {n, H, dh}));
    keep(l, "k", reshaped(k, {n, Hkv, dh}));
    keep(l, "v", reshaped(v, {n, Hkv, dh}));
    append_rows(cache.k[l], s, std::move(k), RowAxis::First, 0.0f);  // K [T, Hkv*dh]
    append_rows(cache.v[l], s, std::move(v), RowAxis::First, 0.0f);  // V [T, Hkv*dh]
    const Tensor& K = cache.k[l];
    const Tensor& Vc = cache.v[l];

    // Attention for the n new queries over all T keys.
    Tensor scores({H, n, T});   // [H, n, T]
    Tensor pattern({H, n, T});  // [H, n, T]
    Tensor z({n, H * dh});      // [n, H*dh]
    // Heads are independent: threads take whole heads, each with its own
    // scratch, and write only their heads' slices of scores, pattern and z.
    auto zeroed = [&](int64_t h) {
      for (const Hook& hk : hooks)
        if (hk.kind == HookKind::ZeroHead && hk.layer == l && hk.head == h) return true;
      return false;
    };
    // Scaled scores -> causal softmax (and RemoveKey hooks) for head h.
    auto softmax_head = [&](int64_t h) {
      Eigen::Map<Mat> S(scores.ptr() + h * n * T, n, T);
      Eigen::Map<Mat> P(pattern.ptr() + h * n * T, n, T);
      S *= scale;
      for (int64_t i = 0; i < n; ++i) {
        const int64_t qi = s + i;  // this query's position: it sees keys 0..qi
        float* srow = S.data() + i * T;
        float* prow = P.data() + i * T;
        for (int64_t j = qi + 1; j < T; ++j) srow[j] = kNegInf;
        float mx = kNegInf;
        for (int64_t j = 0; j <= qi; ++j) mx = std::max(mx, srow[j]);
        double sum = 0;
        for (int64_t j = 0; j <= qi; ++j) sum += prow[j] = std::exp(srow[j] - mx);
        const float inv = static_cast<float>(1.0 / sum);
        for (int64_t j = 0; j <= qi; ++j) prow[j] *= inv;
        for (const Hook& hk : hooks) {  // remove a key, renormalise what is left
          if (hk.kind != HookKind::RemoveKey || hk.layer != l || (hk.head >= 0 && hk.head != h) || hk.position > qi) continue;
          prow[hk.position] = 0.0f;
          double rest = 0;
          for (int64_t j = 0; j <= qi; ++j) rest += prow[j];
          const float r = rest > 0 ? static_cast<float>(1.0 / rest) : 0.0f;
          for (int64_t j = 0; j <= qi; ++j) prow[j] *= r;
        }
      }
    };
    parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
      if (n < 4) {
        // A few new queries (a keystroke): dot products with the cached keys
        // and sums of the cached values where they are, key by key, so each
        // K and V row is read once, front to back, for all of this thread's
        // heads. (Head by head, the reads strode through the cache once per
        // head: 1.4 ms of a keystroke at T = 128 in wasm.) Every head's dot
        // products and sums run in the same order as the per-head loop did.
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < T; ++j) {
            const float* krow = K.ptr() + j * Hkv * dh;  // [Hkv*dh]
            for (int64_t h = h0; h < h1; ++h)
              scores.data[(h * n + i) * T + j] = cpu::dot(q.ptr() + (i * H + h) * dh, krow + (h / group) * dh, dh);
          }
        for (int64_t h = h0; h < h1; ++h) softmax_head(h);
        for (int64_t i = 0; i < n; ++i) {
          for (int64_t h = h0; h < h1; ++h) std::fill_n(z.ptr() + (i * H + h) * dh, dh, 0.0f);
          for (int64_t j = 0; j <= s + i; ++j) {
            const float* vrow = Vc.ptr() + j * Hkv * dh;  // [Hkv*dh]
            for (int64_t h = h0; h < h1; ++h)
              cpu::axpy(pattern.data[(h * n + i) * T + j], vrow + (h / group) * dh, z.ptr() + (i * H + h) * dh, dh);
          }
          for (int64_t h = h0; h < h1; ++h)
            if (zeroed(h)) std::fill_n(z.ptr() + (i * H + h) * dh, dh, 0.0f);
        }
        return;
      }
      // Many queries: the two attention products go through cpu::linear
      // (wasm: the SIMD128 kernel; Eigen has no wasm SIMD path and took a
      // quarter of the forward at T = 256), on contiguous copies of this
      // head's operands.
      std::vector<float> qh(n * dh), kg(T * dh), vt(dh * T), zh(n * dh);  // [n,dh] [T,dh] [dh,T] [n,dh]
      for (int64_t h = h0; h < h1; ++h) {
        const int64_t g = h / group;
        StridedMap Qh(q.ptr() + h * dh, n, dh, Eigen::OuterStride<>(H * dh));
        StridedMap Kg(K.ptr() + g * dh, T, dh, Eigen::OuterStride<>(Hkv * dh));
        StridedMap Vg(Vc.ptr() + g * dh, T, dh, Eigen::OuterStride<>(Hkv * dh));
        Eigen::Map<Mat> S(scores.ptr() + h * n * T, n, T);
        Eigen::Map<Mat> P(pattern.ptr() + h * n * T, n, T);
        for (int64_t i = 0; i < n; ++i) std::copy_n(Qh.row(i).data(), dh, qh.data() + i * dh);
        for (int64_t j = 0; j < T; ++j) std::copy_n(Kg.row(j).data(), dh, kg.data() + j * dh);
        cpu::linear(qh.data(), n, dh, kg.data(), T, nullptr, S.data());  // S = Qh Kg^T
        softmax_head(h);
        StridedMapMut Zh(z.ptr() + h * dh, n, dh, Eigen::OuterStride<>(H * dh));
        if (zeroed(h)) {
          Zh.setZero();
          continue;
        }
        for (int64_t j = 0; j < T; ++j)
          for (int64_t e = 0; e < dh; ++e) vt[e * T + j] = Vg(j, e);
        cpu::linear(P.data(), n, T, vt.data(), dh, nullptr, zh.data());  // Zh = P Vg
        Zh = Eigen::Map<const Mat>(zh.data(), n, dh);
      }
    });
    keep(l, "attn_scores", std::move(scores));
    keep(l, "attn_pattern", std::move(pattern));
    if (filter.wants(tap_name(l, "head_out"))) {
      // Through cpu::linear as well: on Eigen's path (scalar in wasm) this
      // product was most of what keeping every tap cost over logits only.
      Tensor head_out({H, n, d});     // [H, n, d]: z_h W_O^h, no bias
      parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
        std::vector<float> zh(n * dh), wh(d * dh);  // [n, dh] z of head h; [d, dh] W_O's columns of head h
        for (int64_t h = h0; h < h1; ++h) {
          for (int64_t i = 0; i < n; ++i) std::copy_n(z.ptr() + (i * H + h) * dh, dh, zh.data() + i * dh);
          for (int64_t j = 0; j < d; ++j) std::copy_n(lw.wo.ptr() + (j * H + h) * dh, dh, wh.data() + j * dh);
          cpu::linear(zh.data(), n, dh, wh.data(), d, nullptr, head_out.ptr() + h * n * d);
        }
      });
      keep(l, "head_out", std::move(head_out));
    }
    Tensor attn_out = project(z, lw.wo, lw.bo);  // [n, d]
    keep(l, "z", reshaped(z, {n, H, dh}));
    Tensor resid_mid(x);  // [n, d]
    for (int64_t i = 0; i < n * d; ++i) resid_mid.data[i] += attn_out.data[i];
    keep(l, "attn_out", std::move(attn_out));
    keep(l, "resid_mid", Tensor(resid_mid));
    clock.lap(tap_name(l, "attn"));

    Tensor resid_post = std::move(resid_mid);  // [n, d]
    if (c.family != Family::Averaging) {
      Tensor ln2;  // [n, d]: parallel residual (NeoX) normalises the block input
      cpu::norm(c.parallel_residual ? x : resid_post, lw.ln2_w, lw.ln2_b, c.norm, c.norm_eps, ln2);
      Tensor pre, post;  // [n, dm]
      if (c.gated_mlp) {
        pre = project(ln2, lw.w_gate, Tensor());
        post = pre;
        cpu::activate(post, c.act);
        Tensor up = project(ln2, lw.w_up, lw.b_up);
        for (size_t i = 0; i < post.data.size(); ++i) post.data[i] *= up.data[i];
      } else {
        pre = project(ln2, lw.w_up, lw.b_up);
        post = pre;
        cpu::activate(post, c.act);
      }
      Tensor mlp_out = project(post, lw.w_down, lw.b_down);  // [n, d]
      for (int64_t i = 0; i < n * d; ++i) resid_post.data[i] += mlp_out.data[i];
      keep(l, "ln2", std::move(ln2));
      keep(l, "mlp_pre", std::move(pre));
      keep(l, "mlp_post", std::move(post));
      keep(l, "mlp_out", std::move(mlp_out));
      clock.lap(tap_name(l, "mlp"));
    }
    for (const Hook& hk : hooks) {  // remove a direction (e.g. a tag) from the stream
      if (hk.kind != HookKind::SubtractDirection || hk.layer != l) continue;
      double nn = 0;
      for (float u : hk.vec) nn += double(u) * u;
      if (nn <= 0) continue;
      const float inv = static_cast<float>(1.0 / std::sqrt(nn));
      for (int64_t i = 0; i < n; ++i) {
        if (hk.position >= 0 && hk.position != s + i) continue;
        float* r = resid_post.ptr() + i * d;
        double dot = 0;
        for (int64_t j = 0; j < d; ++j) dot += double(r[j]) * hk.vec[j] * inv;
        for (int64_t j = 0; j < d; ++j) r[j] -= static_cast<float>(dot) * hk.vec[j] * inv;
      }
    }
    keep(l, "resid_post", Tensor(resid_post));
    x = std::move(resid_post);
  }

  Tensor ln_final;  // [n, d]
  cpu::norm(x, w.lnf_w, w.lnf_b, c.norm, c.norm_eps, ln_final);
  Tensor logits = project(ln_final, w.lm_head, Tensor());  // [n, V]
  keep(-1, "ln_final", std::move(ln_final));
  keep(-1, "logits", std::move(logits));
  cache.length = T;
  clock.lap("logits");
  return {};
}

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace ss
