// Test fixtures for the analysis tests: the explicit "averaging after [SEP]"
// construction in the sinkscope_averaging family, and a small reference
// forward pass for attention-only models (no norms, no MLP, no positions), so
// the analysis is tested before and independently of the engine.
#pragma once
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/taps.h"
#include "model/weights.h"

namespace ss::test {

inline std::string tname(int l, const char* w) { return "blocks." + std::to_string(l) + "." + w; }

inline Model attention_only_model(int d_input, int d, int L, int H, int dh) {
  Model m;
  m.name = "hand-built";
  ModelConfig& c = m.config;
  c.family = Family::Averaging;
  c.model_type = "sinkscope_averaging";
  c.d_input = d_input, c.d_model = d, c.n_layers = L, c.n_heads = H, c.n_kv_heads = H, c.d_head = dh;
  c.vocab_size = d_input + 1, c.max_positions = 64, c.rotary = false;
  c.input_width = d_input + 1;  // [SEP] flag, no BOS or constant column
  m.weights.tok_emb = Tensor({d_input + 1, d});
  m.weights.lm_head = Tensor({d_input, d});
  m.weights.layers.resize(L);
  for (auto& w : m.weights.layers) {
    w.wq = Tensor({H * dh, d}), w.wk = Tensor({H * dh, d}), w.wv = Tensor({H * dh, d}), w.wo = Tensor({d, H * dh});
  }
  return m;
}

// The construction (one head per layer, d_input = 8, d = 19, dh = 8), residual dims:
//   0..7 input vector v, 8 [SEP] flag, 9 the tag, 10..17 the running mean (output),
//   18 what an uncaught token's layer-0 head writes (mean of sum(v)/8 of what it saw).
// Layer 0 (catch, tag): q = b1 (sum v + flag), k = flag, so a query whose inputs
//   sum to >= 4 puts all its attention on [SEP] (score >= 40); v = flag into head
//   dim 0 -> tag = gamma e_9; head dim 1 carries sum(v)/8 -> e_18.
// Layer 1 (release): q = b2 x_9, k = x_9 - 2 gamma x_8: a tagged query attends
//   uniformly to the tagged vectors (score 40), never to [SEP] (-40) nor to
//   untagged tokens (0); v = v dims -> written to dims 10..17; readout reads them.
// The construction needs a constant feature that a bias-free model lacks: it
// comes from the inputs' sum, so it solves averaging for inputs whose entries
// sum to >= 4 (the tests draw entries in [0.5, 1.5]); a token whose entries sum
// to <= -4 is not caught, not tagged, and left out of every average.
constexpr float kGamma = 1.0f;
inline Model averaging_construction() {
  const int din = 8, d = 19, dh = 8;
  Model m = attention_only_model(din, d, 2, 1, dh);
  const float sq = std::sqrt(float(dh));
  const float b1 = 10.f * sq, b2 = 40.f * sq / (kGamma * kGamma);
  Weights& W = m.weights;
  for (int j = 0; j <= din; ++j) W.tok_emb.at(j, j) = 1.f;  // e = x tok_emb
  LayerWeights& a = W.layers[0];
  for (int j = 0; j <= din; ++j) a.wq.at(0, j) = b1;
  a.wk.at(0, 8) = 1.f;
  a.wv.at(0, 8) = 1.f;
  for (int j = 0; j < din; ++j) a.wv.at(1, j) = 1.f / din;
  a.wo.at(9, 0) = kGamma;
  a.wo.at(18, 1) = 1.f;
  LayerWeights& b = W.layers[1];
  b.wq.at(0, 9) = b2;
  b.wk.at(0, 9) = 1.f;
  b.wk.at(0, 8) = -2.f * kGamma;
  for (int j = 0; j < din; ++j) b.wv.at(j, j) = 1.f, b.wo.at(10 + j, j) = 1.f;
  for (int j = 0; j < din; ++j) W.lm_head.at(j, 10 + j) = 1.f;
  return m;
}

// Inputs [T, d_input + 1]: [SEP] at 0 and at `seps`, vectors with entries in
// [0.5, 1.5], except at `untagged` where they lie in [-1.5, -0.5].
inline Tensor averaging_inputs(int T, const std::vector<int>& untagged, unsigned seed = 1) {
  const int din = 8;
  Tensor x({T, din + 1});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  x.at(0, din) = 1.f;
  for (int t = 1; t < T; ++t) {
    float sign = 1.f;
    for (int q : untagged) if (q == t) sign = -1.f;
    for (int j = 0; j < din; ++j) x.at(t, j) = sign * u(rng);
  }
  return x;
}

// Reference forward pass of an attention-only model on embeddings e [T, d]
// (double accumulation), filling the taps the analysis reads.
inline Taps forward_attention_only(const Model& m, const Tensor& e) {
  const ModelConfig& c = m.config;
  const int T = int(e.dim(0)), d = c.d_model, H = c.n_heads, dh = c.d_head;
  Taps taps;
  Tensor h = e;  // [T, d]
  auto proj = [&](const Tensor& W, const Tensor& x) {  // x W^T: [T, out]
    const int out = int(W.dim(0)), in = int(W.dim(1));
    Tensor y({x.dim(0), out});
    for (int t = 0; t < x.dim(0); ++t)
      for (int o = 0; o < out; ++o) {
        double acc = 0;
        for (int i = 0; i < in; ++i) acc += double(x.at(t, i)) * W.at(o, i);
        y.at(t, o) = float(acc);
      }
    return y;
  };
  for (int l = 0; l < c.n_layers; ++l) {
    const LayerWeights& w = m.weights.layers[l];
    taps.named[tname(l, "resid_pre")] = h;
    Tensor q = proj(w.wq, h), k = proj(w.wk, h), v = proj(w.wv, h);  // [T, H*dh]
    q.shape = {T, H, dh}, k.shape = {T, H, dh}, v.shape = {T, H, dh};
    Tensor S({H, T, T}), A({H, T, T}), z({T, H, dh}), ho({H, T, d}), ao({T, d});
    for (int hh = 0; hh < H; ++hh)
      for (int i = 0; i < T; ++i) {
        double mx = -1e300;
        for (int j = 0; j < T; ++j) {
          double s = -INFINITY;
          if (j <= i) {
            s = 0;
            for (int e2 = 0; e2 < dh; ++e2) s += double(q.at(i, hh, e2)) * k.at(j, hh, e2);
            s /= std::sqrt(double(dh));
            mx = std::max(mx, s);
          }
          S.at(hh, i, j) = float(s);
        }
        double sum = 0;
        std::vector<double> p(T, 0.0);
        for (int j = 0; j <= i; ++j) sum += (p[j] = std::exp(double(S.at(hh, i, j)) - mx));
        for (int j = 0; j <= i; ++j) A.at(hh, i, j) = float(p[j] / sum);
        for (int e2 = 0; e2 < dh; ++e2) {
          double acc = 0;
          for (int j = 0; j <= i; ++j) acc += p[j] / sum * v.at(j, hh, e2);
          z.at(i, hh, e2) = float(acc);
        }
        for (int o = 0; o < d; ++o) {
          double acc = 0;
          for (int e2 = 0; e2 < dh; ++e2) acc += double(w.wo.at(o, hh * dh + e2)) * z.at(i, hh, e2);
          ho.at(hh, i, o) = float(acc);
          ao.at(i, o) += float(acc);
        }
      }
    for (int t = 0; t < T; ++t)
      for (int o = 0; o < d; ++o) h.at(t, o) += ao.at(t, o);
    taps.named[tname(l, "q")] = q;
    taps.named[tname(l, "k")] = k;
    taps.named[tname(l, "v")] = v;
    taps.named[tname(l, "attn_scores")] = S;
    taps.named[tname(l, "attn_pattern")] = A;
    taps.named[tname(l, "z")] = z;
    taps.named[tname(l, "head_out")] = ho;
    taps.named[tname(l, "attn_out")] = ao;
    taps.named[tname(l, "resid_mid")] = h;
    taps.named[tname(l, "resid_post")] = h;
  }
  taps.named["logits"] = proj(m.weights.lm_head, h);
  return taps;
}

inline Tensor embed_inputs(const Model& m, const Tensor& x) {  // x [T, d_input+1] @ tok_emb [d_input+1, d]
  const int T = int(x.dim(0)), n = int(x.dim(1)), d = m.config.d_model;
  Tensor e({T, d});
  for (int t = 0; t < T; ++t)
    for (int j = 0; j < n; ++j)
      for (int o = 0; o < d; ++o) e.at(t, o) += x.at(t, j) * m.weights.tok_emb.at(j, o);
  return e;
}

}  // namespace ss::test
