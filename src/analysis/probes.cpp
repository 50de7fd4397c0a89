// Tag probes (definitions: probes.h and docs/metrics.md, "Tag probes"). All
// sums in float64 with Eigen; the only randomness is the random subspace,
// drawn from a fixed-seed generator written out here (std::normal_distribution
// differs between standard libraries, and the wasm build must give the same
// numbers as the native one).
#include "analysis/probes.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "analysis/detail.h"

namespace ss {
namespace {
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using analysis_detail::layer_tap;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
// Uniform in (0, 1): 53 random bits, never 0 (Box-Muller takes its log).
double uniform01(uint64_t& state) { return (double(splitmix64(state) >> 11) + 0.5) * 0x1.0p-53; }

// Rows of `src` ([*, d] row-major floats) picked by `rows`, as a [m, d] matrix.
MatD gather(const std::vector<float>& src, int d, const std::vector<int>& rows) {
  MatD out(rows.size(), d);  // [m, d]
  for (size_t r = 0; r < rows.size(); ++r)
    for (int j = 0; j < d; ++j) out(r, j) = src[size_t(rows[r]) * d + j];
  return out;
}

// Top-k principal directions of the rows of O [m, d] centred by their mean:
// [d, k'] orthonormal, k' <= k the directions whose eigenvalue is > 0 (1e-12
// of the largest: a head with fewer directions gives fewer, not noise).
MatD top_directions(const MatD& O, int k) {
  const int m = int(O.rows()), d = int(O.cols());
  if (m == 0 || k <= 0) return MatD(d, 0);
  MatD X = O;  // [m, d]  centred
  X.rowwise() -= X.colwise().mean();
  // The smaller side: the Gram matrix [m, m] has the covariance's nonzero spectrum.
  const bool gram = m <= d;
  const MatD M = gram ? MatD(X * X.transpose()) : MatD(X.transpose() * X);  // [n, n], n = min(m, d)
  Eigen::SelfAdjointEigenSolver<MatD> es(M);
  const int n = int(M.rows());
  const double top = std::max(0.0, es.eigenvalues()[n - 1]);
  std::vector<Eigen::VectorXd> dirs;  // [k'][d]
  for (int r = n - 1; r >= 0 && int(dirs.size()) < k; --r) {
    if (!(es.eigenvalues()[r] > 1e-12 * top)) break;
    Eigen::VectorXd p = gram ? Eigen::VectorXd(X.transpose() * es.eigenvectors().col(r)) : Eigen::VectorXd(es.eigenvectors().col(r));
    if (p.norm() > 0) dirs.push_back(p / p.norm());
  }
  MatD B(d, int(dirs.size()));  // [d, k']
  for (size_t c = 0; c < dirs.size(); ++c) B.col(c) = dirs[c];
  return B;
}

// One probe's features of rows X [m, d] (docs/metrics.md (a)-(d)).
MatD space_features(const MatD& X, int space, const MatD& B, const MatD& R) {
  switch (ProbeSpace(space)) {
    case ProbeSpace::Tag: return X * B;                                   // [m, k]
    case ProbeSpace::Complement: return X - (X * B) * B.transpose();      // [m, d]
    case ProbeSpace::Full: return X;                                      // [m, d]
    default: return X * R;                                                // [m, k]
  }
}

// Standardises train and test columns by the training mean and (population)
// deviation; a constant column becomes 0 (it carries nothing).
void standardise(MatD& train, MatD& test) {
  const int m = int(train.rows());
  for (int c = 0; c < train.cols(); ++c) {
    const double mean = m ? train.col(c).mean() : 0.0;
    const double var = m ? (train.col(c).array() - mean).square().mean() : 0.0;
    const double inv = var > 0 ? 1.0 / std::sqrt(var) : 0.0;
    train.col(c) = (train.col(c).array() - mean) * inv;
    test.col(c) = (test.col(c).array() - mean) * inv;
  }
}

// Row-wise softmax of logits Z [n, C], in place (max subtracted).
void softmax_rows(MatD& Z) {
  for (int i = 0; i < Z.rows(); ++i) {
    Z.row(i).array() -= Z.row(i).maxCoeff();
    Z.row(i) = Z.row(i).array().exp().matrix();
    Z.row(i) /= Z.row(i).sum();
  }
}

struct Logistic {
  MatD W;             // [F, C]
  Eigen::RowVectorXd b;  // [C]
};

// Multinomial logistic regression by Nesterov-accelerated gradient descent,
// step 1 / L with L the gradient's Lipschitz bound (docs/metrics.md).
Logistic fit_logistic(const MatD& X, const std::vector<int>& y, int C, const ProbeSettings& p) {
  const int n = int(X.rows()), F = int(X.cols());
  MatD X1(n, F + 1);  // [n, F + 1]  features and a column of ones
  X1 << X, MatD::Ones(n, 1);
  const bool gram = n <= F + 1;
  const MatD M = gram ? MatD(X1 * X1.transpose()) : MatD(X1.transpose() * X1);
  const double lmax = M.rows() ? Eigen::SelfAdjointEigenSolver<MatD>(M, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff() : 0.0;
  const double L = std::max(lmax, 0.0) / std::max(n, 1) / 2.0 + p.l2, step = 1.0 / L;
  MatD Y = MatD::Zero(n, C);  // [n, C]  one-hot targets
  for (int i = 0; i < n; ++i) Y(i, y[i]) = 1.0;
  MatD Wb = MatD::Zero(F + 1, C), prev = Wb;  // [F + 1, C]  weights, bias in the last row
  for (int t = 1; t <= p.steps; ++t) {
    const MatD V = Wb + (double(t - 1) / double(t + 2)) * (Wb - prev);  // [F + 1, C]  look-ahead point
    MatD P = X1 * V;  // [n, C]
    softmax_rows(P);
    MatD G = X1.transpose() * (P - Y) / double(std::max(n, 1));  // [F + 1, C]
    G.topRows(F) += p.l2 * V.topRows(F);  // the bias is not penalised
    prev = Wb;
    Wb = V - step * G;
  }
  return {Wb.topRows(F), Wb.row(F)};
}

// Class of the largest logit per row (the lower class on a tie).
std::vector<int> predict(const Logistic& m, const MatD& X) {
  const MatD Z = (X * m.W).rowwise() + m.b;  // [n, C]
  std::vector<int> out(Z.rows());  // [n]
  for (int i = 0; i < Z.rows(); ++i) {
    int best = 0;
    for (int c = 1; c < Z.cols(); ++c)
      if (Z(i, c) > Z(i, best)) best = c;
    out[i] = best;
  }
  return out;
}

// Fits one probe on the training rows and counts the correct test predictions.
// The classifier sees only the classes present in its training labels.
int score_fold(const MatD& Ftrain, const std::vector<int>& ytrain, const MatD& Ftest, const std::vector<int>& ytest,
               const ProbeSettings& p) {
  if (ytrain.empty()) return 0;  // nothing to learn from: every prediction counts as wrong
  std::map<int, int> remap;  // global class -> the classifier's class
  for (int c : ytrain) remap.emplace(c, 0);
  std::vector<int> back;  // [C']  the classifier's class -> global class
  for (auto& [c, local] : remap) local = int(back.size()), back.push_back(c);
  std::vector<int> yl(ytrain.size());  // [n]  training labels as the classifier's classes
  for (size_t i = 0; i < ytrain.size(); ++i) yl[i] = remap[ytrain[i]];
  int correct = 0;
  if (back.size() == 1) {  // one class: the classifier can only say it
    for (int c : ytest) correct += c == back[0];
    return correct;
  }
  const Logistic m = fit_logistic(Ftrain, yl, int(back.size()), p);
  const std::vector<int> pred = predict(m, Ftest);
  for (size_t i = 0; i < ytest.size(); ++i) correct += back[pred[i]] == ytest[i];
  return correct;
}

}  // namespace

const char* probe_space_name(int space) {
  static const char* names[kProbeSpaces] = {"tag", "complement", "full", "random"};
  return space >= 0 && space < kProbeSpaces ? names[space] : "?";
}

const char* catch_class_name(int c) {
  static const char* names[kCatchClasses] = {"none", "bos", "punctuation", "newline", "other"};
  return c >= 0 && c < kCatchClasses ? names[c] : "?";
}

std::vector<double> random_basis(int d, int k, uint64_t seed) {
  MatD R(d, std::max(k, 0));  // [d, k]
  uint64_t state = seed;
  for (int c = 0; c < R.cols(); ++c) {
    Eigen::VectorXd v(d);  // [d]
    for (int j = 0; j < d; j += 2) {  // Box-Muller: two normals per pair of uniforms
      const double r = std::sqrt(-2.0 * std::log(uniform01(state))), a = 2.0 * std::numbers::pi * uniform01(state);
      v[j] = r * std::cos(a);
      if (j + 1 < d) v[j + 1] = r * std::sin(a);
    }
    for (int pc = 0; pc < c; ++pc) v -= R.col(pc).dot(v) * R.col(pc);  // Gram-Schmidt
    R.col(c) = v / v.norm();
  }
  return std::vector<double>(R.data(), R.data() + R.size());
}

void run_probes(const ProbeData& data, int n_classes, const ProbeSettings& p, ProbeResult& out) {
  const int n = data.n(), d = data.d;
  out.n_tokens = n;
  out.class_counts.assign(n_classes, 0);
  for (int c : data.label) ++out.class_counts[c];
  out.chance = n ? float(*std::max_element(out.class_counts.begin(), out.class_counts.end())) / n : 0.f;
  std::vector<int> folds(data.fold);  // the distinct folds, ascending
  std::sort(folds.begin(), folds.end());
  folds.erase(std::unique(folds.begin(), folds.end()), folds.end());
  out.n_folds = int(folds.size());
  const std::vector<double> rb = random_basis(d, p.tag_dims, p.seed);
  const Eigen::Map<const MatD> R_all(rb.data(), d, std::max(p.tag_dims, 0));  // [d, k]
  std::array<int, kProbeSpaces> correct{};  // [4]  held-out tokens predicted right, per probe
  out.tag_dims = p.tag_dims;
  for (int f : folds) {
    std::vector<int> tr, te, ytr, yte;  // row indices and labels of the training / held-out tokens
    for (int i = 0; i < n; ++i) {
      (data.fold[i] == f ? te : tr).push_back(i);
      (data.fold[i] == f ? yte : ytr).push_back(data.label[i]);
    }
    const MatD Xtr = gather(data.resid, d, tr), Xte = gather(data.resid, d, te);  // [m, d]
    const MatD B = top_directions(gather(data.head_out, d, tr), p.tag_dims);        // [d, k']
    const MatD R = R_all.leftCols(B.cols());                                         // [d, k']
    out.tag_dims = std::min(out.tag_dims, int(B.cols()));
    for (int s = 0; s < kProbeSpaces; ++s) {
      MatD Ftr = space_features(Xtr, s, B, R), Fte = space_features(Xte, s, B, R);
      standardise(Ftr, Fte);
      correct[s] += score_fold(Ftr, ytr, Fte, yte, p);
    }
  }
  for (int s = 0; s < kProbeSpaces; ++s) out.accuracy[s] = n ? float(correct[s]) / n : 0.f;
}

std::vector<int> catch_labels(const float* A, int T, const AnalysisSettings& st, const std::vector<std::string>* texts) {
  const std::vector<float> score = sink_scores(A, T), uni = uniform_scores(T);  // [T] each
  std::vector<int> sinks;  // this head's sinks in this window, ascending
  for (int k = 0; k < T; ++k)
    if (is_sink(score[k], uni[k], k, T, st)) sinks.push_back(k);
  std::vector<int> label(T, 0);  // [T]
  if (T > 0) label[0] = -1;      // never probed: its row has one key
  for (int i = 1; i < T; ++i) {
    int best = -1;
    for (int s : sinks) {
      if (s > i) break;
      const float a = A[size_t(i) * T + s];
      if (a >= st.catch_tau && (best < 0 || a > A[size_t(i) * T + best])) best = s;
    }
    if (best < 0) continue;
    const SinkKind kind = classify_sink(best, texts && size_t(best) < texts->size() ? &(*texts)[best] : nullptr);
    label[i] = 1 + int(kind);  // SinkKind order: Bos, Punctuation, Newline, Other
  }
  return label;
}

}  // namespace ss
