// release: how later heads read the tokens a sink tagged (definitions in
// analysis.h, struct Release).
#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "analysis/detail.h"

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
}  // namespace

void analyze_release(const Model& model, const Taps& taps, const AnalysisSettings&, Sink& sink) {
  const ModelConfig& c = model.config;
  sink.release.clear();
  sink.has_release = true;
  // C: the catch span without the sink (docs/metrics.md, "Release"), ascending.
  const auto [cb, ce] = caught_after(sink);
  std::vector<int> C(size_t(ce - cb));
  for (int i = cb; i < ce; ++i) C[size_t(i - cb)] = i;
  const int n = int(C.size());
  const int d = c.d_model, dh = c.d_head, H = c.n_heads;
  std::vector<float> unit(d, 0.f);  // [d]  t^
  if (sink.tag_norm > 0)
    for (int j = 0; j < d; ++j) unit[j] = sink.tag[j] / sink.tag_norm;
  for (int lp = sink.layer + 1; lp < c.n_layers; ++lp) {
    const Tensor* A = layer_tap(taps, lp, "attn_pattern");  // [H, T, T]
    if (!A) continue;
    const int T = int(A->dim(1));
    const Tensor* q = layer_tap(taps, lp, "q");          // [T, H, dh]
    const Tensor* k = layer_tap(taps, lp, "k");          // [T, Hkv, dh]
    const Tensor* x = layer_tap(taps, lp, "resid_pre");  // [T, d]
    const bool scores = q && k && x && n > 0 && sink.tag_norm > 0;
    const LayerWeights& w = model.weights.layers[lp];
    const int hkv = k ? int(k->dim(1)) : 1;

    // Tag keys of the caught tokens, per kv group: Ktag[g] [n, dh].
    std::vector<MatD> Ktag, Kc;
    if (scores) {
      std::vector<float> a(n), inv_norm(n);  // [n]  a_i = x_i . t^, 1 / (norm's scale of x_i)
      const bool ln = !w.ln1_w.data.empty(), layer_norm = ln && c.norm == NormKind::LayerNorm;
      for (int r = 0; r < n; ++r) {
        const float* xi = x->ptr() + size_t(C[r]) * d;
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
      for (int g = 0; g < hkv; ++g) {
        std::vector<float> kappa(dh, 0.f);  // [dh]  W_K^g u
        for (int e = 0; e < dh; ++e) {
          const float* row = w.wk.ptr() + (size_t(g) * dh + e) * d;
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
            kc(r, e) = k->data[(size_t(C[r]) * hkv + g) * dh + e];
          }
        }
        Ktag.push_back(std::move(kt));
        Kc.push_back(std::move(kc));
      }
    }

    for (int h = 0; h < H; ++h) {
      Release r;
      r.layer = lp, r.head = h;
      const float* Ah = A->ptr() + size_t(h) * T * T;  // [T, T]
      // Every query from the span's start on: mass on C against the head's
      // non-sink attention spread uniformly over the j non-sink keys it sees.
      double mass = 0, uni = 0;
      int queries = 0;
      for (int j = n ? C[0] : T, seen = 0; j < T; ++j) {
        double m = 0;
        for (; seen < n && C[seen] <= j; ++seen) {}
        for (int ib = 0; ib < seen; ++ib) m += Ah[size_t(j) * T + C[ib]];
        mass += m;
        uni += (1.0 - double(Ah[size_t(j) * T + sink.key])) * double(seen) / double(j);
        ++queries;
      }
      if (queries > 0) {
        r.mass_caught = float(mass / queries);
        r.uniform_caught = float(uni / queries);
        r.lift = uni > 0 ? float(mass / uni) : 0.f;
      }
      if (scores) {
        const int g = kv_group(c, h);
        MatD Qc(n, dh);  // [n, dh]
        for (int ra = 0; ra < n; ++ra)
          for (int e = 0; e < dh; ++e) Qc(ra, e) = q->data[(size_t(C[ra]) * H + h) * dh + e];
        MatD S = Qc * Kc[g].transpose();     // [n, n]  q_j . k_i
        MatD St = Qc * Ktag[g].transpose();  // [n, n]  q_j . k_i^tag
        double num = 0, den = 0;
        for (int ja = 0; ja < n; ++ja)
          for (int ib = 0; ib <= ja; ++ib) {
            const double att = Ah[size_t(C[ja]) * T + C[ib]];
            num += att * St(ja, ib);
            den += att * std::fabs(S(ja, ib));
          }
        r.tag_score_share = den > 0 ? float(num / den) : 0.f;
      }
      sink.release.push_back(r);
    }
  }
}

}  // namespace ss
