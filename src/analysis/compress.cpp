#include "analysis/compress.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "analysis/detail.h"
#include "core/tensor_storage.h"

namespace ss {
namespace {
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapF = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

MatD lowrank_d(const MatD& M, int r) {
  Eigen::BDCSVD<MatD> svd(M, Eigen::ComputeThinU | Eigen::ComputeThinV);
  return svd.matrixU().leftCols(r) * svd.singularValues().head(r).asDiagonal() * svd.matrixV().leftCols(r).transpose();
}

// M with all but its k largest-magnitude entries zeroed (ties: lower index kept).
MatD keep_largest(const MatD& M, int64_t k) {
  const int64_t n = M.size();
  MatD out = MatD::Zero(M.rows(), M.cols());
  k = std::clamp<int64_t>(k, 0, n);
  std::vector<int64_t> idx(n);  // [numel]
  std::iota(idx.begin(), idx.end(), int64_t{0});
  const double* p = M.data();
  auto larger = [&](int64_t a, int64_t b) {
    const double x = std::fabs(p[a]), y = std::fabs(p[b]);
    return x != y ? x > y : a < b;
  };
  if (k > 0 && k < n) std::nth_element(idx.begin(), idx.begin() + k, idx.end(), larger);
  for (int64_t i = 0; i < k; ++i) out.data()[idx[i]] = p[idx[i]];
  return out;
}

Tensor to_tensor(const MatD& R) {
  Tensor out({R.rows(), R.cols()});
  for (int64_t i = 0; i < R.size(); ++i) out.data[i] = float(R.data()[i]);
  return out;
}

// The matrices a spec compresses in one layer, in block order.
std::vector<Tensor LayerWeights::*> chosen(const CompressSpec& sp) {
  std::vector<Tensor LayerWeights::*> m;
  if (sp.q) m.push_back(&LayerWeights::wq);
  if (sp.k) m.push_back(&LayerWeights::wk);
  if (sp.v) m.push_back(&LayerWeights::wv);
  if (sp.o) m.push_back(&LayerWeights::wo);
  if (sp.mlp) m.insert(m.end(), {&LayerWeights::w_gate, &LayerWeights::w_up, &LayerWeights::w_down});
  return m;
}

Tensor apply(const Tensor& W, const CompressSpec& sp) {
  const int m = int(W.dim(0)), n = int(W.dim(1));
  switch (sp.kind) {
    case CompressKind::Sparse: return sparse(W, sp.sparsity);
    case CompressKind::Oats: return oats(W, sp.sparsity, sp.oats_rank_ratio, sp.oats_iters);
    default: return lowrank(W, sp.rank >= 0 ? sp.rank : oats_rank(m, n, sp.sparsity, sp.ratio));
  }
}
}  // namespace

Tensor lowrank(const Tensor& W, int r) {
  const int m = int(W.dim(0)), n = int(W.dim(1));
  return to_tensor(lowrank_d(MapF(W.ptr(), m, n).cast<double>(), std::clamp(r, 0, std::min(m, n))));
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

int64_t budget_params(int m, int n, float p) {
  const int64_t mn = int64_t(m) * n;
  return mn - std::min<int64_t>(mn, std::llround(std::clamp(p, 0.f, 1.f) * double(mn)));
}

int oats_rank(int m, int n, float p, float ratio) {
  const double r = double(ratio) * double(budget_params(m, n, p)) / double(m + n);
  return std::clamp(int(std::floor(r + 1e-9)), 0, std::min(m, n));
}

Tensor oats(const Tensor& W, float p, float rank_ratio, int iters) {
  const int m = int(W.dim(0)), n = int(W.dim(1));
  const int r = oats_rank(m, n, p, rank_ratio);
  const int64_t k = std::max<int64_t>(0, budget_params(m, n, p) - int64_t(r) * (m + n));
  const MatD Wd = MapF(W.ptr(), m, n).cast<double>();
  MatD S = MatD::Zero(m, n), L = MatD::Zero(m, n);
  for (int it = 0; it < std::max(1, iters); ++it) {
    L = lowrank_d(Wd - S, r);
    S = keep_largest(Wd - L, k);
  }
  return to_tensor(S + L);
}

const char* compress_kind_name(CompressKind k) {
  switch (k) {
    case CompressKind::Sparse: return "magnitude pruning";
    case CompressKind::Oats: return "OATS";
    default: return "low rank";
  }
}

int compress_blocks_per_layer(const ModelConfig&, const CompressSpec& sp) { return int(chosen(sp).size()); }

void compress_block(Model& out, const Model& model, const CompressSpec& sp, int index) {
  const auto mats = chosen(sp);
  const int per = int(mats.size());
  if (per == 0 || index < 0 || index >= per * model.config.n_layers) return;
  const LayerWeights& src = model.weights.layers[index / per];
  const Tensor& W = src.*mats[index % per];
  if (W.rank() != 2) return;  // a matrix the family lacks (e.g. the gate of an ungated MLP)
  out.weights.layers[index / per].*mats[index % per] = W.is_f32() ? apply(W, sp) : apply(to_f32(W), sp);
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
  count_compressed_params(rep, base, sp);
  return rep;
}

void count_compressed_params(CompressionReport& rep, const Model& model, const CompressSpec& sp) {
  rep.params_total = rep.params_kept = 0;
  for (const LayerWeights& w : model.weights.layers)
    for (Tensor LayerWeights::*mat : chosen(sp)) {
      const Tensor& W = w.*mat;
      if (W.rank() != 2) continue;
      const int m = int(W.dim(0)), n = int(W.dim(1));
      rep.params_total += int64_t(m) * n;
      if (sp.kind == CompressKind::LowRank) {
        const int r = sp.rank >= 0 ? std::clamp(sp.rank, 0, std::min(m, n)) : oats_rank(m, n, sp.sparsity, sp.ratio);
        rep.params_kept += int64_t(r) * (m + n);
      } else {
        rep.params_kept += budget_params(m, n, sp.sparsity);  // OATS: r (m + n) + k = B exactly
      }
    }
}

}  // namespace ss
