// tag_variance: PCA of one head's outputs over tokens. The tag shows up as the
// top principal direction of a sink head (paper v2: 20-40%, up to 70%).
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "analysis/detail.h"
#include "core/tensor_storage.h"
#include "backends/cpu/kernels.h"

namespace ss::analysis_detail {

Tensor head_out_rows(const Model& model, const Taps& taps, int layer, int head, int first) {
  if (const Tensor* ho = layer_tap(taps, layer, "head_out")) {  // [H, T, d]
    const int64_t T = ho->dim(1), d = ho->dim(2);
    Tensor r({T, d});
    std::copy_n(ho->ptr() + head * T * d, T * d, r.ptr());
    return r;
  }
  const Tensor* z = layer_tap(taps, layer, "z");  // [T, H, dh]
  const ModelConfig& c = model.config;
  if (!z || z->rank() != 3 || size_t(layer) >= model.weights.layers.size()) return {};
  const Tensor& wo = model.weights.layers[layer].wo;  // [d, H*dh]
  const int64_t T = z->dim(0), H = z->dim(1), dh = z->dim(2), d = c.d_model;
  if (wo.numel() != d * H * dh || head < 0 || head >= H) return {};
  const int64_t n = T - std::clamp<int64_t>(first, 0, T);
  std::vector<float> zh(n * dh), wh(d * dh);  // [n, dh] this head's z rows; [d, dh] its W_O columns
  for (int64_t i = 0; i < n; ++i) std::copy_n(z->ptr() + ((T - n + i) * H + head) * dh, dh, zh.data() + i * dh);
  for (int64_t j = 0; j < d; ++j) widen_range(wo, j * H * dh + head * dh, dh, wh.data() + j * dh);
  Tensor r({T, d});
  if (n > 0) cpu::linear(zh.data(), n, dh, wh.data(), d, nullptr, r.ptr() + (T - n) * d);
  return r;
}

HeadDetail head_pca(const Tensor& rows, int layer, int head) {
  HeadDetail hd;
  hd.layer = layer, hd.head = head;
  if (rows.rank() != 2) return hd;
  const int T = int(rows.dim(0)), d = int(rows.dim(1));
  using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> X(rows.ptr(), T, d);  // [T, d]
  MatD Xc = X.cast<double>();                          // [T, d]  centred below
  Xc.rowwise() -= Xc.colwise().mean();
  const double total = Xc.squaredNorm() / T;
  hd.total_variance = float(total);
  // Eigen of whichever side is smaller: the Gram matrix Xc Xc^T [T, T] has the
  // same nonzero spectrum as the covariance Xc^T Xc [d, d].
  const bool gram = T <= d;
  MatD M = gram ? MatD(Xc * Xc.transpose()) : MatD(Xc.transpose() * Xc);  // [n, n], n = min(T, d)
  Eigen::SelfAdjointEigenSolver<MatD> es(M);
  const int n = int(M.rows());
  for (int r = n - 1; r >= 0; --r) hd.eigenvalues.push_back(float(std::max(0.0, es.eigenvalues()[r]) / T));
  if (!(total > 0) || n == 0) return hd;
  const double l1 = std::max(0.0, es.eigenvalues()[n - 1]), l2 = n > 1 ? std::max(0.0, es.eigenvalues()[n - 2]) : 0.0;
  hd.var_top1 = float(l1 / T / total);
  hd.var_top2 = float((l1 + l2) / T / total);
  auto direction = [&](int r, double lam) {
    Eigen::VectorXd p = gram ? Eigen::VectorXd(Xc.transpose() * es.eigenvectors().col(r)) : Eigen::VectorXd(es.eigenvectors().col(r));
    double nrm = p.norm();
    if (!(lam > 0) || nrm == 0) return std::vector<float>(d, 0.f);
    p /= nrm;
    Eigen::Index imax;
    p.cwiseAbs().maxCoeff(&imax);
    if (p[imax] < 0) p = -p;  // a principal direction has no sign: fix one
    std::vector<float> out(d);
    for (int j = 0; j < d; ++j) out[j] = float(p[j]);
    return out;
  };
  hd.pc1 = direction(n - 1, l1);
  hd.pc2 = n > 1 ? direction(n - 2, l2) : std::vector<float>(d, 0.f);
  hd.coords.resize(size_t(T) * 2);  // [T, 2]
  for (int i = 0; i < T; ++i) {
    double c1 = 0, c2 = 0;
    for (int j = 0; j < d; ++j) c1 += Xc(i, j) * hd.pc1[j], c2 += Xc(i, j) * hd.pc2[j];
    hd.coords[2 * i] = float(c1), hd.coords[2 * i + 1] = float(c2);
  }
  return hd;
}

}  // namespace ss::analysis_detail
