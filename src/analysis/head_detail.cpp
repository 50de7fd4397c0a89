// tag_variance: PCA of one head's outputs over tokens. The tag shows up as the
// top principal direction of a sink head (paper v2: 20-40%, up to 70%).
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "analysis/detail.h"

namespace ss::analysis_detail {

HeadDetail head_pca(const Tensor& head_out, int layer, int head) {
  HeadDetail hd;
  hd.layer = layer, hd.head = head;
  const int T = int(head_out.dim(1)), d = int(head_out.dim(2));
  using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> X(
      head_out.ptr() + size_t(head) * T * d, T, d);  // [T, d]
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
