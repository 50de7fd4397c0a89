// release: how later heads read the tokens a sink tagged (definitions in
// analysis.h, struct Release).
#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "analysis/detail.h"
#include "analysis/pattern.h"
#include "core/tensor_storage.h"

namespace ss {
namespace {
using analysis_detail::kv_group;
using analysis_detail::layer_tap;
// Double: q . k of a later head can cancel to 1e-3 of its terms (docs/metrics.md asks for float64 sums).
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// HF "rotate_half" RoPE on the first 2 * freq.size() dims of x, at `pos`.
void rope_inplace(float* x, const std::vector<float>& freq, int pos) {
  const int half = int(freq.size());
  for (int c = 0; c < half; ++c) {
    // float angle like torch (positions * inv_freq in float32) keeps parity at 1e-4
    const float ang = float(pos) * freq[c];
    const float cs = std::cos(ang), sn = std::sin(ang);
    const float a = x[c], b = x[c + half];
    x[c] = a * cs - b * sn;
    x[c + half] = b * cs + a * sn;
  }
}
// The keys of the caught tokens C in layer `lp`, per kv group g: the real
// ones (the k tap) and the ones the tag alone would give (k_i^tag), [n, dh] each.
struct CaughtKeys {
  std::vector<MatD> real, tag;  // [Hkv][n, dh]
};
CaughtKeys caught_keys(const Model& model, int lp, const Tensor& x, const Tensor& k, const std::vector<int>& C,
                       const std::vector<float>& unit) {
  const ModelConfig& c = model.config;
  const LayerWeights& w = model.weights.layers[lp];
  const int n = int(C.size()), d = c.d_model, dh = c.d_head, hkv = int(k.dim(1));
  // a_i = x_i . t^ and the norm's scale of x_i, taken as a linear map with token i's statistics.
  std::vector<float> a(n), inv_norm(n);  // [n]
  const bool ln = !w.ln1_w.empty(), layer_norm = ln && c.norm == NormKind::LayerNorm;
  for (int r = 0; r < n; ++r) {
    const float* xi = x.ptr() + size_t(C[r]) * d;
    double dot = 0, mean = 0, sq = 0;
    for (int j = 0; j < d; ++j) dot += double(xi[j]) * unit[j], mean += xi[j];
    mean /= d;
    for (int j = 0; j < d; ++j) sq += layer_norm ? (xi[j] - mean) * (xi[j] - mean) : double(xi[j]) * xi[j];
    a[r] = float(dot);
    inv_norm[r] = ln ? float(1.0 / std::sqrt(sq / d + c.norm_eps)) : 1.f;
  }
  std::vector<float> u(unit);  // [d]  the norm applied to t^ without the token's scale
  if (layer_norm) {
    double m = 0;
    for (float e : u) m += e;
    for (float& e : u) e -= float(m / d);
  }
  if (ln)
    for (int j = 0; j < d; ++j) u[j] *= w.ln1_w.data[j];
  const std::vector<float> freq = rope_frequencies(c);  // [rot / 2]
  CaughtKeys out;
  for (int g = 0; g < hkv; ++g) {
    std::vector<float> kappa(dh, 0.f);  // [dh]  W_K^g u
    std::vector<float> row(d);          // [d]  W_K row g*dh+e (widened if 16-bit)
    for (int e = 0; e < dh; ++e) {
      widen_range(w.wk, (int64_t(g) * dh + e) * d, d, row.data());
      double acc = 0;
      for (int j = 0; j < d; ++j) acc += double(row[j]) * u[j];
      kappa[e] = float(acc);
    }
    MatD kt(n, dh), kc(n, dh);  // [n, dh]
    for (int r = 0; r < n; ++r) {
      std::vector<float> ki(kappa);
      if (uses_rope(c)) rope_inplace(ki.data(), freq, C[r]);
      for (int e = 0; e < dh; ++e) {
        kt(r, e) = double(ki[e]) * a[r] * inv_norm[r];
        kc(r, e) = k.data[(size_t(C[r]) * hkv + g) * dh + e];
      }
    }
    out.tag.push_back(std::move(kt));
    out.real.push_back(std::move(kc));
  }
  return out;
}

// mass_caught, uniform_caught and lift of one later head with pattern Ah [T, T]:
// every query from the span's start on, its mass on C against its non-sink
// attention spread uniformly over the j non-sink keys it sees.
void lift(const float* Ah, int T, const std::vector<int>& C, int sink_key, Release& r) {
  const int n = int(C.size());
  double mass = 0, uni = 0;
  int queries = 0;
  for (int j = n ? C[0] : T, seen = 0; j < T; ++j) {
    double m = 0;
    for (; seen < n && C[seen] <= j; ++seen) {}
    for (int ib = 0; ib < seen; ++ib) m += Ah[size_t(j) * T + C[ib]];
    mass += m;
    uni += (1.0 - double(Ah[size_t(j) * T + sink_key])) * double(seen) / double(j);
    ++queries;
  }
  if (queries == 0) return;
  r.mass_caught = float(mass / queries);
  r.uniform_caught = float(uni / queries);
  r.lift = uni > 0 ? float(mass / uni) : 0.f;
}

// tag_score_share of head h: the attention-weighted tag part of q_j . k_i over
// the weighted |q_j . k_i|, pairs i <= j of C.
float tag_score_share(const float* Ah, int T, const Tensor& q, int h, const std::vector<int>& C, const MatD& real,
                      const MatD& tag) {
  const int n = int(C.size()), H = int(q.dim(1)), dh = int(q.dim(2));
  MatD Qc(n, dh);  // [n, dh]
  for (int ra = 0; ra < n; ++ra)
    for (int e = 0; e < dh; ++e) Qc(ra, e) = q.data[(size_t(C[ra]) * H + h) * dh + e];
  const MatD S = Qc * real.transpose();  // [n, n]  q_j . k_i
  const MatD St = Qc * tag.transpose();  // [n, n]  q_j . k_i^tag
  double num = 0, den = 0;
  for (int ja = 0; ja < n; ++ja)
    for (int ib = 0; ib <= ja; ++ib) {
      const double att = Ah[size_t(C[ja]) * T + C[ib]];
      num += att * St(ja, ib);
      den += att * std::fabs(S(ja, ib));
    }
  return den > 0 ? float(num / den) : 0.f;
}
}  // namespace

void analyze_release(const Model& model, const Taps& taps, const AnalysisSettings&, Sink& sink) {
  const ModelConfig& c = model.config;
  sink.release.clear();
  sink.has_release = true;
  // C: the catch span without the sink (docs/metrics.md, "Release"), ascending.
  const auto [cb, ce] = caught_after(sink);
  std::vector<int> C(size_t(ce - cb));
  for (int i = cb; i < ce; ++i) C[size_t(i - cb)] = i;
  std::vector<float> unit(c.d_model, 0.f);  // [d]  t^
  if (sink.tag_norm > 0)
    for (int j = 0; j < c.d_model; ++j) unit[j] = sink.tag[j] / sink.tag_norm;
  std::vector<float> scratch;  // [T, T] a recomputed head, when the pattern was not kept
  for (int lp = sink.layer + 1; lp < c.n_layers; ++lp) {
    const LayerPattern A(model, taps, lp);  // [H, T, T]
    if (!A.ok()) continue;
    const int T = A.T();
    const Tensor* q = layer_tap(taps, lp, "q");          // [T, H, dh]
    const Tensor* k = layer_tap(taps, lp, "k");          // [T, Hkv, dh]
    const Tensor* x = layer_tap(taps, lp, "resid_pre");  // [T, d]
    const bool scores = q && k && x && !C.empty() && sink.tag_norm > 0;
    const CaughtKeys keys = scores ? caught_keys(model, lp, *x, *k, C, unit) : CaughtKeys{};
    for (int h = 0; h < c.n_heads; ++h) {
      Release r;
      r.layer = lp, r.head = h;
      const float* Ah = A.head(h, scratch);  // [T, T]
      lift(Ah, T, C, sink.key, r);
      if (scores) {
        const int g = kv_group(c, h);
        r.tag_score_share = tag_score_share(Ah, T, *q, h, C, keys.real[g], keys.tag[g]);
      }
      sink.release.push_back(r);
    }
  }
}

}  // namespace ss
