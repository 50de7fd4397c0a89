#include "analysis/compress.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "analysis/detail.h"

namespace ss {
namespace {
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Copy a block of W [rows, cols] out and back, so one rule serves whole matrices and head slices.
Tensor block(const Tensor& W, int r0, int c0, int nr, int nc) {
  Tensor b({nr, nc});
  for (int i = 0; i < nr; ++i)
    for (int j = 0; j < nc; ++j) b.at(i, j) = W.at(r0 + i, c0 + j);
  return b;
}
void put(Tensor& W, const Tensor& b, int r0, int c0) {
  for (int i = 0; i < b.dim(0); ++i)
    for (int j = 0; j < b.dim(1); ++j) W.at(r0 + i, c0 + j) = b.at(i, j);
}
}  // namespace

Tensor lowrank(const Tensor& W, int r) {
  const int m = int(W.dim(0)), n = int(W.dim(1));
  r = std::clamp(r, 0, std::min(m, n));
  MatD M = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(W.ptr(), m, n).cast<double>();
  Eigen::BDCSVD<MatD> svd(M, Eigen::ComputeThinU | Eigen::ComputeThinV);
  MatD R = svd.matrixU().leftCols(r) * svd.singularValues().head(r).asDiagonal() * svd.matrixV().leftCols(r).transpose();  // [m, n]
  Tensor out({m, n});
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) out.at(i, j) = float(R(i, j));
  return out;
}

Tensor sparse(const Tensor& W, float p) {
  Tensor out = W;
  const size_t n = W.data.size();
  const size_t k = std::min(n, size_t(std::llround(std::clamp(p, 0.f, 1.f) * double(n))));
  std::vector<size_t> idx(n);  // [numel]
  std::iota(idx.begin(), idx.end(), size_t{0});
  auto smaller = [&](size_t a, size_t b) {
    float x = std::fabs(W.data[a]), y = std::fabs(W.data[b]);
    return x != y ? x < y : a < b;
  };
  if (k > 0 && k < n) std::nth_element(idx.begin(), idx.begin() + k, idx.end(), smaller);
  for (size_t i = 0; i < k; ++i) out.data[idx[i]] = 0.f;
  return out;
}

int oats_rank(int m, int n, float p, float ratio) {
  double r = double(ratio) * (1.0 - p) * double(m) * n / double(m + n);
  return std::clamp(int(std::floor(r + 1e-9)), 0, std::min(m, n));
}

int compress_blocks_per_layer(const ModelConfig& c, const CompressSpec& sp) {
  const int H = c.n_heads, hkv = c.n_kv_heads > 0 ? c.n_kv_heads : H;
  return (sp.q ? H : 0) + (sp.k ? hkv : 0) + (sp.v ? hkv : 0) + (sp.o ? H : 0);
}

void compress_block(Model& out, const Model& model, const CompressSpec& sp, int index) {
  const ModelConfig& c = model.config;
  const int dh = c.d_head, d = c.d_model, H = c.n_heads;
  const int hkv = c.n_kv_heads > 0 ? c.n_kv_heads : H;
  const int per = compress_blocks_per_layer(c, sp);
  if (per == 0 || index < 0 || index >= per * c.n_layers) return;
  const int r = sp.rank >= 0 ? sp.rank : oats_rank(dh, d, sp.sparsity, sp.ratio);
  auto apply = [&](const Tensor& b) { return sp.kind == CompressKind::LowRank ? lowrank(b, r) : sparse(b, sp.sparsity); };
  const LayerWeights& src = model.weights.layers[index / per];
  LayerWeights& w = out.weights.layers[index / per];
  int b = index % per;
  // Block order within a layer: W_Q heads, W_K groups, W_V groups, W_O heads.
  if (sp.q && b < H) return put(w.wq, apply(block(src.wq, b * dh, 0, dh, d)), b * dh, 0);
  if (sp.q) b -= H;
  if (sp.k && b < hkv) return put(w.wk, apply(block(src.wk, b * dh, 0, dh, d)), b * dh, 0);
  if (sp.k) b -= hkv;
  if (sp.v && b < hkv) return put(w.wv, apply(block(src.wv, b * dh, 0, dh, d)), b * dh, 0);
  if (sp.v) b -= hkv;
  put(w.wo, apply(block(src.wo, 0, b * dh, d, dh)), 0, b * dh);
}

Model compress(const Model& model, const CompressSpec& sp) {
  Model out = model;
  const int n = compress_blocks_per_layer(model.config, sp) * model.config.n_layers;
  for (int i = 0; i < n; ++i) compress_block(out, model, sp, i);
  out.weights.version = model.weights.version + 1;
  return out;
}

float next_token_loss(const Tensor& logits, std::span<const int32_t> ids) {
  const int T = int(logits.dim(0)), V = int(logits.dim(1));
  double sum = 0;
  int n = 0;
  for (int t = 0; t + 1 < T && t + 1 < int(ids.size()); ++t) {
    const float* z = logits.ptr() + size_t(t) * V;
    const double mx = *std::max_element(z, z + V);
    double s = 0;
    for (int j = 0; j < V; ++j) s += std::exp(double(z[j]) - mx);
    sum += (mx + std::log(s)) - z[ids[t + 1]];
    ++n;
  }
  return n ? float(sum / n) : 0.f;
}

Expected<CompressionReport> compare_compression(Backend& backend, const Model& base, const Model& comp,
                                                const std::vector<std::vector<int32_t>>& windows,
                                                const AnalysisSettings& st, const CompressSpec& sp) {
  CompressionReport rep;
  const int L = base.config.n_layers, H = base.config.n_heads;
  rep.n_layers = L, rep.n_heads = H;
  rep.sink0_before.assign(L * H, 0.f), rep.sink0_after.assign(L * H, 0.f);
  rep.share_before.assign(L, 0.f), rep.share_after.assign(L, 0.f);
  if (windows.empty()) return make_error("compare_compression: no held-out windows");
  TapFilter f;
  f.all = false;
  f.names = {"attn_pattern", "logits"};
  AnalysisSettings light = st;
  light.tag_variance = false, light.release_max_sinks = 0;
  for (const auto& ids : windows) {
    for (int which = 0; which < 2; ++which) {
      const Model& m = which ? comp : base;
      Taps taps;
      if (auto r = backend.forward(m, ids, {}, f, taps); !r) return r.error();
      const Tensor* logits = taps.get("logits");
      if (!logits) return make_error("compare_compression: backend returned no logits");
      float loss = next_token_loss(*logits, ids);
      Analysis an = analyze(m, taps, light);
      (which ? rep.loss_after : rep.loss_before) += loss / windows.size();
      auto& s0 = which ? rep.sink0_after : rep.sink0_before;
      auto& sh = which ? rep.share_after : rep.share_before;
      for (int l = 0; l < L; ++l) {
        sh[l] += an.sink1_share_per_layer[l] / windows.size();
        for (int h = 0; h < H; ++h) s0[l * H + h] += an.score(l, h, 0) / windows.size();
      }
    }
  }
  count_compressed_params(rep, base.config, sp);
  return rep;
}

void count_compressed_params(CompressionReport& rep, const ModelConfig& c, const CompressSpec& sp) {
  const int dh = c.d_head, d = c.d_model;
  const int blocks = c.n_layers * compress_blocks_per_layer(c, sp);
  rep.params_total = int64_t(blocks) * dh * d;
  if (sp.kind == CompressKind::LowRank) {
    const int r = sp.rank >= 0 ? sp.rank : oats_rank(dh, d, sp.sparsity, sp.ratio);
    rep.params_kept = int64_t(blocks) * r * (dh + d);
  } else {
    rep.params_kept = rep.params_total - int64_t(blocks) * std::llround(double(sp.sparsity) * dh * d);
  }
}

}  // namespace ss
