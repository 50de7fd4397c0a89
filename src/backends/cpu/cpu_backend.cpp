// The CPU forward pass for every family, row-incremental: it computes the
// rows [cache.length, T) of every tap, reading earlier rows' keys and values
// from the KV cache. A full pass is the case cache.length == 0.
//
// CpuBackend::compute is a list of steps, one function each (the input was
// checked by validate_pass, engine/validate.h, before the backend saw it):
//   embed_rows                  x = embeddings of the new rows (+ learned positions)
//   block_rows, per layer:
//     ln1_rows                  the attention block's norm
//     attention_rows            q/k/v (qkv_rows), KV cache, scores, softmax,
//                               pattern, z (attend_few / attend_many)
//     head_out_rows             z_h W_O^h per head, only when that tap is wanted
//     attn_out_rows             z W_O + b_O, resid_mid = x + attn_out
//     mlp_rows                  ln2, MLP, resid_post = resid_mid + mlp_out
//   final_rows                  ln_final, logits
// Gated attention (gate_heads) scales z in attention_rows; a sink logit joins
// each softmax row in causal_softmax_row. The newer families' steps
// (docs/families.md): q/k norms in qkv_rows (qk_norm_rows), soft-capping and
// sliding windows in softmax_head / causal_softmax_row, post norms where
// attn_out and mlp_out join the residual (add_sublayer), the embedding scale and
// position offset in embed_rows, the logit cap in final_rows.
// Each hook kind is applied by one function, at one place:
//   value_hooks (ZeroValue, ReplaceValue)  in qkv_rows, before v is cached
//   remove_key_hooks (RemoveKey)           in softmax_head, per query row
//   zero_head_hooks (ZeroHead)             in attention_rows, on z
//   subtract_direction_hooks               in block_rows, on resid_post
//   clamp_dim_hooks (ClampDim)             in block_rows, on resid_pre (before the tap)
//
// Shapes: n = new rows, s = cached rows, T = s + n, d = model width,
// H / Hkv = query / key-value heads, dh = head width, dm = MLP width,
// V = vocabulary. Tensors are row-major, and every step works on the n new
// rows only: earlier rows are read from the KV cache, never recomputed.
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "backends/cpu/ops.h"
#include "core/allocator.h"
#include "core/parallel.h"
#include "core/tensor_storage.h"
#include "engine/backend.h"
#include "engine/tap_rows.h"

namespace ss {

namespace {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Below this many new rows (a keystroke adds one) attention reads the cached
// keys and values in place (attend_few); from it on, it copies each head's
// operands and runs the two products through cpu::linear (attend_many).
constexpr int64_t kFewRows = 4;

// ---------------------------------------------------------------------------
// Setup: sizes, tap output, timing, input checks

// The sizes every step reads. Rows [s, T) are the new ones.
struct Rows {
  const ModelConfig& c;
  const Hooks& hooks;
  int64_t T, s, n;  // all rows, cached rows, new rows (n = T - s)
  int64_t d, H, Hkv, dh;
  int64_t group;    // query heads per key-value head (H / Hkv)
  float scale;      // 1 / sqrt(dh) (gemma2: query_pre_attn_scalar^-1/2), the attention scores' scale
  bool kv_taps = true;  // keep the k and v taps (false: they are the cache's rows, Pass::kv_in_cache)
};

Rows make_rows(const ModelConfig& c, const Hooks& hooks, int64_t T, int64_t s) {
  return Rows{c, hooks, T, s, T - s, c.d_model, c.n_heads, c.n_kv_heads, c.d_head, c.n_heads / c.n_kv_heads,
              attention_scale(c)};
}

// Appends the n new rows of a tap to `out`, when the filter wants it.
struct TapWriter {
  const TapFilter& filter;
  Taps& out;
  int64_t s;

  bool wants(int l, const char* what) const { return filter.wants(tap_name(l, what)); }
  // l < 0: a tap outside the blocks (ln_final, logits).
  void keep(int l, const char* what, Tensor&& t) const {
    std::string name = l < 0 ? std::string(what) : tap_name(l, what);
    if (!filter.wants(name)) return;
    const RowAxis axis = row_axis_of(name);
    // Old query rows see none of the new keys: masked, so -inf in scores.
    const float fill = axis == RowAxis::Square && std::strcmp(what, "attn_scores") == 0 ? kNegInf : 0.0f;
    append_rows(out.named[std::move(name)], s, std::move(t), axis, fill);
  }
};

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

// ---------------------------------------------------------------------------
// Small helpers: projections and row copies

// Same storage, another shape (the q/k/v/z taps are [n, heads, dh]).
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
  const float* bias = b.empty() ? nullptr : b.ptr();
  if (W.is_f32()) cpu::linear(x.ptr(), n, in, W.ptr(), out, bias, y.ptr());
  else cpu::linear_16(x.ptr(), n, in, W.half.data(), W.storage == Storage::bf16, out, bias, y.ptr());
  return y;
}

// acc += t, element by element (the residual adds).
void add_into(Tensor& acc, const Tensor& t) noexcept {
  const int64_t count = acc.numel();
  for (int64_t i = 0; i < count; ++i) acc.data[i] += t.data[i];
}

// dst [rows, dh] = head h's columns of src [rows, heads*dh], so cpu::linear
// gets contiguous operands.
void gather_head(const float* src, int64_t rows, int64_t heads, int64_t dh, int64_t h, float* dst) noexcept {
  for (int64_t i = 0; i < rows; ++i) std::copy_n(src + (i * heads + h) * dh, dh, dst + i * dh);
}

// The same from a weight matrix W [rows, heads*dh] of any storage.
void gather_head_weight(const Tensor& W, int64_t heads, int64_t dh, int64_t h, float* dst) noexcept {
  if (W.is_f32()) return gather_head(W.ptr(), W.dim(0), heads, dh, h, dst);
  const bool bf16 = W.storage == Storage::bf16;
  for (int64_t i = 0; i < W.dim(0); ++i) cpu::widen(W.half.data() + (i * heads + h) * dh, dst + i * dh, dh, bf16);
}

// Head h's columns of dst [rows, heads*dh] = src [rows, dh].
void scatter_head(const float* src, int64_t rows, int64_t heads, int64_t dh, int64_t h, float* dst) noexcept {
  for (int64_t i = 0; i < rows; ++i) std::copy_n(src + i * dh, dh, dst + (i * heads + h) * dh);
}

// dst [dh, rows] = head g's columns of src [rows, heads*dh], transposed:
// cpu::linear takes its second operand as [out, in].
void transpose_head(const float* src, int64_t rows, int64_t heads, int64_t dh, int64_t g, float* dst) noexcept {
  for (int64_t j = 0; j < rows; ++j)
    for (int64_t e = 0; e < dh; ++e) dst[e * rows + j] = src[(j * heads + g) * dh + e];
}

// ---------------------------------------------------------------------------
// Hooks: one function per kind (value edits share one, as the list's order
// decides which of a ZeroValue and a ReplaceValue on the same slot wins)

// ZeroValue / ReplaceValue: what a position writes. v [n, Hkv*dh].
void value_hooks(const Rows& p, int l, Tensor& v) noexcept {
  for (const Hook& h : p.hooks) {
    if (h.layer != l || (h.kind != HookKind::ZeroValue && h.kind != HookKind::ReplaceValue)) continue;
    for (int64_t i = 0; i < p.n; ++i) {
      if (h.position >= 0 && h.position != p.s + i) continue;
      for (int64_t g = 0; g < p.Hkv; ++g) {
        if (h.head >= 0 && g != h.head / p.group) continue;
        float* vg = v.ptr() + (i * p.Hkv + g) * p.dh;
        for (int64_t e = 0; e < p.dh; ++e) vg[e] = h.kind == HookKind::ZeroValue ? 0.0f : h.vec[e];
      }
    }
  }
}

// RemoveKey: head h's query at position qi stops attending to the key; what
// is left is renormalised. prow [T], softmaxed over keys 0..qi.
void remove_key_hooks(const Rows& p, int l, int64_t h, int64_t qi, float* prow) noexcept {
  for (const Hook& hk : p.hooks) {
    if (hk.kind != HookKind::RemoveKey || hk.layer != l || (hk.head >= 0 && hk.head != h) || hk.position > qi) continue;
    prow[hk.position] = 0.0f;
    double rest = 0;
    for (int64_t j = 0; j <= qi; ++j) rest += prow[j];
    const float r = rest > 0 ? static_cast<float>(1.0 / rest) : 0.0f;
    for (int64_t j = 0; j <= qi; ++j) prow[j] *= r;
  }
}

// ZeroHead: the head's z (and so its head_out and share of attn_out) := 0.
// z [n, H*dh]. Scores and pattern are kept as computed. Applied once, after
// either attention path (attend_many still computes the zeroed head's P V:
// one head's product, and only while such a hook is set).
void zero_head_hooks(const Rows& p, int l, Tensor& z) noexcept {
  for (const Hook& hk : p.hooks) {
    if (hk.kind != HookKind::ZeroHead || hk.layer != l) continue;
    for (int64_t i = 0; i < p.n; ++i) std::fill_n(z.ptr() + (i * p.H + hk.head) * p.dh, p.dh, 0.0f);
  }
}

// SubtractDirection: removes a direction (e.g. a tag) from the stream,
// r -= (r . u) u with u = vec / |vec|. resid [n, d].
void subtract_direction_hooks(const Rows& p, int l, Tensor& resid) noexcept {
  for (const Hook& hk : p.hooks) {
    if (hk.kind != HookKind::SubtractDirection || hk.layer != l) continue;
    double nn = 0;
    for (float u : hk.vec) nn += double(u) * u;
    if (nn <= 0) continue;
    const float inv = static_cast<float>(1.0 / std::sqrt(nn));
    for (int64_t i = 0; i < p.n; ++i) {
      if (hk.position >= 0 && hk.position != p.s + i) continue;
      float* r = resid.ptr() + i * p.d;
      double dot = 0;
      for (int64_t j = 0; j < p.d; ++j) dot += double(r[j]) * hk.vec[j] * inv;
      for (int64_t j = 0; j < p.d; ++j) r[j] -= static_cast<float>(dot) * hk.vec[j] * inv;
    }
  }
}

// ---------------------------------------------------------------------------
// Embedding

// Averaging models: x = inputs[s:T] @ tok_emb ([input_width, d]); tiny, so
// a plain loop. x [n, d] starts at 0. (validate_pass checked the shape.)
void embed_vectors(const Rows& p, const Tensor& tok_emb, const Tensor* in, Tensor& x) {
  for (int64_t i = 0; i < p.n; ++i)
    for (int64_t k = 0; k < p.c.input_width; ++k) {
      const float a = in->at(p.s + i, k);
      if (a != 0.0f)
        for (int64_t j = 0; j < p.d; ++j) x.data[i * p.d + j] += a * tok_emb.data[k * p.d + j];
    }
}

// Language models: x [n, d] = rows of tok_emb [V, d] (validate_pass checked the ids).
void embed_tokens(const Rows& p, const Tensor& tok_emb, const ForwardInput& input, Tensor& x) {
  for (int64_t i = 0; i < p.n; ++i) {
    const int32_t id = input.ids[p.s + i];
    widen_range(tok_emb, int64_t{id} * p.d, p.d, x.ptr() + i * p.d);
  }
}

// x [n, d] = the new rows' embeddings; with learned positions (gpt2's wpe,
// opt's table read at t + 2, some averaging models) e_t = x_t + P[t + offset];
// gemma scales the token embeddings by sqrt(d).
void embed_rows(const Rows& p, const Weights& w, const ForwardInput& input, Tensor& x) {
  x = Tensor({p.n, p.d});
  if (p.c.family == Family::Averaging) embed_vectors(p, w.tok_emb, input.vectors, x);
  else embed_tokens(p, w.tok_emb, input, x);
  if (p.c.embed_scale != 1.0f)
    for (float& v : x.data) v *= p.c.embed_scale;
  if (p.c.learned_pos)
    for (int64_t i = 0; i < p.n; ++i)
      for (int64_t j = 0; j < p.d; ++j) x.data[i * p.d + j] += w.pos_emb.data[(p.c.pos_offset + p.s + i) * p.d + j];
}

// ---------------------------------------------------------------------------
// Attention

// The new rows' queries, keys and values.
struct Qkv {
  Tensor q;  // [n, H*dh]   after RoPE
  Tensor k;  // [n, Hkv*dh] after RoPE
  Tensor v;  // [n, Hkv*dh]
};

// One layer's attention for the n new queries over all T keys. Without
// `square` (neither attn_scores nor attn_pattern is kept: the compact taps of
// a long prompt), scores and pattern stay empty and each thread works in a
// [n, T] scratch per head instead of the [H, n, T] pair: at T = 2048 and 12
// heads that pair is 400 MB, more than a wasm page can spare.
struct Attention {
  bool square = true;
  Tensor scores;   // [H, n, T] scaled; keys after the query's position = -inf
  Tensor pattern;  // [H, n, T] softmax of scores (0 past the query's position)
  Tensor z;        // [n, H*dh] pattern-weighted sums of the values
  Tensor lse;      // [n, H] each row's log-sum-exp: pattern = exp(score - lse)
};

// What the attention products read, all row-major.
struct AttnIn {
  const float* q;  // [n, H*dh]   the new queries
  const float* K;  // [T, Hkv*dh] every row's keys (the cache)
  const float* V;  // [T, Hkv*dh] every row's values (the cache)
  const float* sinks = nullptr;  // [H] the layer's sink logits (attention_sink_logit), else null
};

// Qwen3 / OLMo 2: RMSNorm of q [n, heads*dh] and k, per head (w [dh]) or
// over the whole projection (w [heads*dh]), before RoPE.
void qk_norm_rows(const Rows& p, const Tensor& w, int64_t heads, Tensor& x) {
  const Tensor rows = p.c.qk_norm == QkNorm::PerHead ? reshaped(x, {p.n * heads, p.dh}) : x;  // [rows, width]
  Tensor y;
  cpu::norm(rows, w, Tensor(), NormKind::RMSNorm, p.c.norm_eps, y);
  x.data = std::move(y.data);
}

// Projections, q/k norms (qwen3, olmo2), then RoPE at positions s..T-1, then
// the value hooks (before v reaches the cache, so later rows read the edited
// values too).
Qkv qkv_rows(const Rows& p, const LayerWeights& lw, int l, const Tensor& ln1) {
  Qkv r{project(ln1, lw.wq, lw.bq), project(ln1, lw.wk, lw.bk), project(ln1, lw.wv, lw.bv)};
  if (p.c.qk_norm != QkNorm::None) {
    qk_norm_rows(p, lw.q_norm, p.H, r.q);
    qk_norm_rows(p, lw.k_norm, p.Hkv, r.k);
  }
  if (p.c.rotary) {
    cpu::rope(r.q, p.H, p.dh, p.c.rotary_dim, p.c.rope_theta, p.c.rope_inv_freq, p.s);
    cpu::rope(r.k, p.Hkv, p.dh, p.c.rotary_dim, p.c.rope_theta, p.c.rope_inv_freq, p.s);
  }
  value_hooks(p, l, r.v);
  return r;
}

// One query row at position qi: keys after qi masked to -inf, and under a
// sliding window (window > 0) the keys before qi - window + 1 too; softmax
// over the keys left (max subtracted, sum in double), with the head's sink
// logit in the denominator when the model has one (sink = nullptr: none).
// Masked keys get pattern 0. srow, prow [T].
// Returns the row's log-sum-exp.
float causal_softmax_row(float* srow, float* prow, int64_t qi, int64_t T, const float* sink, int64_t window) noexcept {
  for (int64_t j = qi + 1; j < T; ++j) srow[j] = kNegInf;
  const int64_t lo = window > 0 ? std::max<int64_t>(0, qi - window + 1) : 0;  // first key in the window
  for (int64_t j = 0; j < lo; ++j) srow[j] = kNegInf, prow[j] = 0.0f;
  if (sink) return cpu::softmax_prefix_sink(srow + lo, prow + lo, qi + 1 - lo, *sink);
  return cpu::softmax_prefix(srow + lo, prow + lo, qi + 1 - lo);
}

// Gemma 2's soft-capping: x = cap * tanh(x / cap), bounding scores (and
// logits) to (-cap, cap). n values at x.
void softcap(float* x, int64_t n, float cap) noexcept {
  for (int64_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] / cap);
}

// Head h: raw products Q K^T in S [n, T] -> scaled scores, causal softmax
// into P [n, T] and each row's log-sum-exp into a.lse, then the RemoveKey
// hooks (which renormalise P after the fact: attn_lse is the softmax's, so a
// pattern recomputed from it is the one before those hooks).
void softmax_head(const Rows& p, int l, int64_t h, const float* sinks, float* S, float* P, Attention& a) noexcept {
  Eigen::Map<Mat>(S, p.n, p.T) *= p.scale;
  if (p.c.attn_softcap > 0) softcap(S, p.n * p.T, p.c.attn_softcap);
  const int64_t window = attention_window(p.c, l);
  const float* sink = sinks ? sinks + h : nullptr;  // the head's sink logit, if the model has them
  for (int64_t i = 0; i < p.n; ++i) {
    const int64_t qi = p.s + i;  // this query's position: it sees keys 0..qi
    a.lse.data[i * p.H + h] = causal_softmax_row(S + i * p.T, P + i * p.T, qi, p.T, sink, window);
    remove_key_hooks(p, l, h, qi, P + i * p.T);
  }
}

// A few new queries (a keystroke), heads [h0, h1): dot products with the
// cached keys and sums of the cached values where they are, key by key, so
// each K and V row is read once, front to back, for all of this thread's
// heads. (Head by head, the reads strode through the cache once per head:
// 1.4 ms of a keystroke at T = 128 in wasm.) Every head's dot products and
// sums run in the same order as a per-head loop would.
void attend_few(const Rows& p, int l, const AttnIn& in, Attention& a, int64_t h0, int64_t h1) noexcept {
  const int64_t n = p.n, T = p.T, H = p.H, dh = p.dh, kv = p.Hkv * p.dh;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < T; ++j) {
      const float* krow = in.K + j * kv;  // [Hkv*dh]
      for (int64_t h = h0; h < h1; ++h)
        a.scores.data[(h * n + i) * T + j] = cpu::dot(in.q + (i * H + h) * dh, krow + (h / p.group) * dh, dh);
    }
  for (int64_t h = h0; h < h1; ++h)
    softmax_head(p, l, h, in.sinks, a.scores.ptr() + h * n * T, a.pattern.ptr() + h * n * T, a);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t h = h0; h < h1; ++h) std::fill_n(a.z.ptr() + (i * H + h) * dh, dh, 0.0f);
    for (int64_t j = 0; j <= p.s + i; ++j) {
      const float* vrow = in.V + j * kv;  // [Hkv*dh]
      for (int64_t h = h0; h < h1; ++h)
        cpu::axpy(a.pattern.data[(h * n + i) * T + j], vrow + (h / p.group) * dh, a.z.ptr() + (i * H + h) * dh, dh);
    }
  }
}

// Many new queries, heads [h0, h1): the two attention products go through
// cpu::linear (wasm: the SIMD128 kernel; Eigen has no wasm SIMD path and
// took a quarter of the forward at T = 256), on contiguous copies of each
// head's operands.
void attend_many(const Rows& p, int l, const AttnIn& in, Attention& a, int64_t h0, int64_t h1) {
  const int64_t n = p.n, T = p.T, dh = p.dh;
  std::vector<float> qh(n * dh), kg(T * dh), vt(dh * T), zh(n * dh);  // [n,dh] [T,dh] [dh,T] [n,dh]
  std::vector<float> sp(a.square ? 0 : 2 * n * T);  // [2, n, T] this thread's S and P when they are not kept
  for (int64_t h = h0; h < h1; ++h) {
    const int64_t g = h / p.group;
    float* S = a.square ? a.scores.ptr() + h * n * T : sp.data();       // [n, T]
    float* P = a.square ? a.pattern.ptr() + h * n * T : sp.data() + n * T;  // [n, T]
    gather_head(in.q, n, p.H, dh, h, qh.data());
    gather_head(in.K, T, p.Hkv, dh, g, kg.data());
    cpu::linear(qh.data(), n, dh, kg.data(), T, nullptr, S);  // S = Qh Kg^T
    softmax_head(p, l, h, in.sinks, S, P, a);
    transpose_head(in.V, T, p.Hkv, dh, g, vt.data());
    cpu::linear(P, n, T, vt.data(), dh, nullptr, zh.data());  // Zh = P Vg
    scatter_head(zh.data(), n, p.H, dh, h, a.z.ptr());
  }
}

// Scores, pattern, z and log-sum-exps of the new queries. Heads are
// independent: threads take whole heads, each with its own scratch, and write
// only their heads' slices. A few rows always get the [H, n, T] pair (small).
Attention attend(const Rows& p, int l, const AttnIn& in, bool square) {
  square = square || p.n < kFewRows;
  Attention a{square, square ? Tensor({p.H, p.n, p.T}) : Tensor(), square ? Tensor({p.H, p.n, p.T}) : Tensor(),
              Tensor({p.n, p.H * p.dh}), Tensor({p.n, p.H})};
  parallel_for(p.H, 1, [&](int64_t h0, int64_t h1) {
    if (p.n < kFewRows)
      attend_few(p, l, in, a, h0, h1);
    else
      attend_many(p, l, in, a, h0, h1);
  });
  return a;
}

// Gated attention: z [n, H*dh] *= sigmoid(ln1 W_g^T), elementwise, so each
// head's output is scaled by its own gate computed from the layer's input.
void gate_heads(const LayerWeights& lw, const Tensor& ln1, Tensor& z) {
  const Tensor g = project(ln1, lw.w_attn_gate, Tensor());  // [n, H*dh]
  for (size_t i = 0; i < z.data.size(); ++i) z.data[i] *= 1.0f / (1.0f + std::exp(-g.data[i]));
}

// q/k/v of the new rows; k and v appended to the layer's cache; attention
// of the new queries over all T rows. Keeps q, k, v, attn_scores,
// attn_pattern and attn_lse; returns z [n, H*dh] with the ZeroHead hooks applied.
Tensor attention_rows(const Rows& p, const LayerWeights& lw, int l, const Tensor& ln1, KvCache& cache,
                      const TapWriter& taps) {
  Qkv qkv = qkv_rows(p, lw, l, ln1);
  taps.keep(l, "q", reshaped(qkv.q, {p.n, p.H, p.dh}));
  if (p.kv_taps) {
    taps.keep(l, "k", reshaped(qkv.k, {p.n, p.Hkv, p.dh}));
    taps.keep(l, "v", reshaped(qkv.v, {p.n, p.Hkv, p.dh}));
  }
  append_rows(cache.k[l], p.s, std::move(qkv.k), RowAxis::First, 0.0f);  // K [T, Hkv*dh]
  append_rows(cache.v[l], p.s, std::move(qkv.v), RowAxis::First, 0.0f);  // V [T, Hkv*dh]
  const float* sinks = lw.sink_logits.empty() ? nullptr : lw.sink_logits.ptr();
  const bool square = taps.wants(l, "attn_scores") || taps.wants(l, "attn_pattern");
  Attention a = attend(p, l, AttnIn{qkv.q.ptr(), cache.k[l].ptr(), cache.v[l].ptr(), sinks}, square);
  if (p.c.attn_gate) gate_heads(lw, ln1, a.z);
  zero_head_hooks(p, l, a.z);
  taps.keep(l, "attn_scores", std::move(a.scores));
  taps.keep(l, "attn_pattern", std::move(a.pattern));
  taps.keep(l, "attn_lse", std::move(a.lse));
  return std::move(a.z);
}

// resid [n, d] += a sublayer's output out [n, d], or with post norms
// (gemma2, olmo2) += RMSNorm(out) * w. The attn_out / mlp_out taps keep the
// output before this norm (so head_out still sums to attn_out).
void add_sublayer(const Rows& p, const Tensor& w, const Tensor& out, Tensor& resid) {
  if (w.empty()) return add_into(resid, out);
  Tensor y;  // [n, d]
  cpu::norm(out, w, Tensor(), NormKind::RMSNorm, p.c.norm_eps, y);
  add_into(resid, y);
}

// head_out [H, n, d]: z_h W_O^h per head, no bias (where a tag lives).
// Through cpu::linear as well: on Eigen's path (scalar in wasm) this product
// was most of what keeping every tap cost over logits only.
Tensor head_out_rows(const Rows& p, const LayerWeights& lw, const Tensor& z) {
  const int64_t n = p.n, d = p.d, H = p.H, dh = p.dh;
  Tensor head_out({H, n, d});  // [H, n, d]
  parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
    std::vector<float> zh(n * dh), wh(d * dh);  // [n, dh] z of head h; [d, dh] W_O's columns of head h
    for (int64_t h = h0; h < h1; ++h) {
      gather_head(z.ptr(), n, H, dh, h, zh.data());
      gather_head_weight(lw.wo, H, dh, h, wh.data());
      cpu::linear(zh.data(), n, dh, wh.data(), d, nullptr, head_out.ptr() + h * n * d);
    }
  });
  return head_out;
}

// attn_out [n, d] = z W_O^T + b_O (all heads in one product); returns
// resid_mid [n, d] = x + attn_out. Keeps z, attn_out, resid_mid.
Tensor attn_out_rows(const Rows& p, const LayerWeights& lw, int l, const Tensor& x, const Tensor& z,
                     const TapWriter& taps) {
  Tensor attn_out = project(z, lw.wo, lw.bo);  // [n, d]
  taps.keep(l, "z", reshaped(z, {p.n, p.H, p.dh}));
  Tensor resid_mid(x);  // [n, d]
  add_sublayer(p, lw.post_attn_norm, attn_out, resid_mid);
  taps.keep(l, "attn_out", std::move(attn_out));
  taps.keep(l, "resid_mid", Tensor(resid_mid));
  return resid_mid;
}

// ClampDim: one residual dimension set to a given value (the layer's median)
// in the stream entering every layer from hk.layer on, so the block and the
// resid_pre tap see the clamped value. x [n, d].
void clamp_dim_hooks(const Rows& p, int l, Tensor& x) noexcept {
  for (const Hook& hk : p.hooks) {
    if (hk.kind != HookKind::ClampDim || l < hk.layer) continue;
    for (int64_t i = 0; i < p.n; ++i)
      if (hk.position < 0 || hk.position == p.s + i) x.ptr()[i * p.d + hk.dim] = hk.vec[l];
  }
}

// ---------------------------------------------------------------------------
// MLP and the rest of the block

// The attention block's norm: ln1 [n, d] (the identity for averaging
// models, which have no norms and keep no ln1 tap).
Tensor ln1_rows(const Rows& p, const LayerWeights& lw, int l, const Tensor& x, const TapWriter& taps) {
  Tensor ln1;  // [n, d]
  cpu::norm(x, lw.ln1_w, lw.ln1_b, p.c.norm, p.c.norm_eps, ln1);
  if (p.c.family != Family::Averaging) taps.keep(l, "ln1", Tensor(ln1));
  return ln1;
}

// resid [n, d] += MLP(ln2(...)). ln2 normalises resid_mid, or the block's
// input x under NeoX's parallel residual (attention and MLP both read x).
// Keeps ln2, mlp_pre, mlp_post, mlp_out.
void mlp_rows(const Rows& p, const LayerWeights& lw, int l, const Tensor& x, Tensor& resid, const TapWriter& taps) {
  Tensor ln2;  // [n, d]
  cpu::norm(p.c.parallel_residual ? x : resid, lw.ln2_w, lw.ln2_b, p.c.norm, p.c.norm_eps, ln2);
  Tensor pre, post;  // [n, dm]: pre-activation (the gate's, when gated); act(pre) (* up)
  if (p.c.gated_mlp) {
    pre = project(ln2, lw.w_gate, Tensor());
    post = pre;
    cpu::activate(post, p.c.act);
    Tensor up = project(ln2, lw.w_up, lw.b_up);  // [n, dm]
    for (size_t i = 0; i < post.data.size(); ++i) post.data[i] *= up.data[i];
  } else {
    pre = project(ln2, lw.w_up, lw.b_up);
    post = pre;
    cpu::activate(post, p.c.act);
  }
  Tensor mlp_out = project(post, lw.w_down, lw.b_down);  // [n, d]
  add_sublayer(p, lw.post_mlp_norm, mlp_out, resid);
  taps.keep(l, "ln2", std::move(ln2));
  taps.keep(l, "mlp_pre", std::move(pre));
  taps.keep(l, "mlp_post", std::move(post));
  taps.keep(l, "mlp_out", std::move(mlp_out));
}

// One transformer block on the new rows: x [n, d] (resid_pre) becomes
// resid_post. Averaging models are attention-only.
void block_rows(const Rows& p, const LayerWeights& lw, int l, Tensor& x, KvCache& cache, const TapWriter& taps,
                Stopwatch& clock) {
  clamp_dim_hooks(p, l, x);
  taps.keep(l, "resid_pre", Tensor(x));
  const Tensor ln1 = ln1_rows(p, lw, l, x, taps);           // [n, d]
  const Tensor z = attention_rows(p, lw, l, ln1, cache, taps);  // [n, H*dh]
  if (taps.wants(l, "head_out")) taps.keep(l, "head_out", head_out_rows(p, lw, z));
  Tensor resid = attn_out_rows(p, lw, l, x, z, taps);  // [n, d]: resid_mid, then resid_post
  clock.lap(tap_name(l, "attn"));
  if (p.c.family != Family::Averaging) {
    mlp_rows(p, lw, l, x, resid, taps);
    clock.lap(tap_name(l, "mlp"));
  }
  subtract_direction_hooks(p, l, resid);
  taps.keep(l, "resid_post", Tensor(resid));
  x = std::move(resid);
}

// ln_final [n, d] and logits [n, V] = ln_final W_U^T (no bias).
void final_rows(const Rows& p, const Weights& w, const Tensor& x, const TapWriter& taps) {
  Tensor ln_final;  // [n, d]
  cpu::norm(x, w.lnf_w, w.lnf_b, p.c.norm, p.c.norm_eps, ln_final);
  Tensor logits = project(ln_final, w.lm_head, Tensor());  // [n, V]
  if (p.c.final_softcap > 0) softcap(logits.ptr(), logits.numel(), p.c.final_softcap);
  taps.keep(-1, "ln_final", std::move(ln_final));
  taps.keep(-1, "logits", std::move(logits));
}

// ---------------------------------------------------------------------------

// Everything: every family, every tap of taps.h, every hook kind, both
// attention variants, row-incremental.
Capabilities cpu_capabilities() {
  Capabilities caps;
  caps.attention_gate = caps.sink_logit = true;
  caps.families = {Family::GPT2,    Family::Llama, Family::NeoX,   Family::Averaging, Family::Qwen2, Family::Qwen3,
                   Family::Mistral, Family::Gemma, Family::Gemma2, Family::Phi3,      Family::Olmo2, Family::OPT};
  for (const char* k : kLayerTapKinds) caps.taps.push_back(k);
  for (const char* k : kModelTapKinds) caps.taps.push_back(k);
  caps.hooks.assign(std::begin(kHookKinds), std::end(kHookKinds));
  caps.incremental = true;
  caps.synchronous = true;
  return caps;
}

class CpuBackend final : public SyncBackend {
 public:
  const char* name() const override { return "cpu"; }
  const Capabilities& capabilities() const override {
    static const Capabilities caps = cpu_capabilities();
    return caps;
  }

 protected:
  Expected<void> compute(ss::Pass& pass) override;
};

// The forward pass as a list of steps (the pass passed validate_pass).
Expected<void> CpuBackend::compute(ss::Pass& pass) {
  const Model& model = *pass.model;
  const ModelConfig& c = model.config;
  KvCache own;  // a full pass without a caller's cache
  KvCache& cache = pass.cache ? *pass.cache : own;
  Taps& out = pass.taps;
  if (cache.length == 0) {  // a full pass: start from nothing
    out.named.clear();
    cache.clear();
    cache.k.resize(c.n_layers), cache.v.resize(c.n_layers);
  }
  Rows p = make_rows(c, pass.hooks, pass.input.length(), cache.length);
  p.kv_taps = !(pass.kv_in_cache && pass.cache);
  if (p.n == 0) return {};
  Stopwatch clock(timings_);
  const TapWriter taps{pass.filter, out, p.s};

  Tensor x;  // [n, d]: the residual stream of the new rows
  embed_rows(p, model.weights, pass.input, x);
  clock.lap("embed");
  for (int l = 0; l < c.n_layers; ++l) block_rows(p, model.weights.layers[l], l, x, cache, taps, clock);
  final_rows(p, model.weights, x, taps);
  cache.length = p.T;
  clock.lap("logits");
  return {};
}

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() {
  keep_freed_memory();  // the taps are reallocated every pass (core/allocator.h)
  return std::make_unique<CpuBackend>();
}

}  // namespace ss
