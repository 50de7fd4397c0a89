#include "averaging/metrics.h"

#include <Eigen/Dense>
#include <cmath>

#include "analysis/analysis.h"

namespace ss::avg {

std::vector<float> head_out(const Params& p, const Acts& a, int l, int h, int b) {
  const ModelShape& s = p.shape;
  const int T = a.T, d = s.d, dh = s.dh, HD = s.HD();
  const float* wo = p.at(p.wo[l]);  // [d, HD]; W_O^h = columns h*dh ..
  std::vector<float> out(size_t(T) * d, 0.f);  // [T, d]
  for (int t = 0; t < T; ++t) {
    const float* zt = a.z[l].data() + (size_t(b) * T + t) * HD + h * dh;  // [dh]
    for (int o = 0; o < d; ++o) {
      float acc = 0.f;
      for (int i = 0; i < dh; ++i) acc += zt[i] * wo[size_t(o) * HD + h * dh + i];
      out[size_t(t) * d + o] = acc;
    }
  }
  return out;
}

namespace {

float cosine(const float* a, const float* b, int n) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < n; ++i) ab += double(a[i]) * b[i], aa += double(a[i]) * a[i], bb += double(b[i]) * b[i];
  return (aa > 0 && bb > 0) ? float(ab / std::sqrt(aa * bb)) : 0.f;
}

// Layer-0 numbers of one head (metrics.h gives the definitions).
struct HeadStats {
  float sep_attention = 0, catch_rate = 0, tag_alignment = 0, catch_share = 0, catch_span = 0, sink_score0 = 0;
};

HeadStats head_stats(const Params& p, const Batch& batch, const Acts& a, int h, float tau) {
  const ModelShape& s = p.shape;
  const int B = batch.B, T = batch.T, H = s.H, d = s.d, dh = s.dh, HD = s.HD();
  const float* wo = p.at(p.wo[0]);  // [d, HD]
  HeadStats r;
  double att_sum = 0, sink0 = 0, align_sum = 0, span_sum = 0;
  int att_n = 0, align_n = 0, caught_n = 0, query_n = 0, span_segments = 0, counted = 0, caught_whole = 0;
  for (int b = 0; b < B; ++b) {
    const float* A = a.att[0].data() + (size_t(b) * H + h) * T * T;  // [T, T]
    sink0 += sink_scores(A, T)[0];
    for (int i = 0; i < T; ++i)
      if (batch.after_sep(b, i)) att_sum += A[size_t(i) * T + batch.last_sep[b * T + i]], ++att_n;
    const std::vector<float> ho = head_out(p, a, 0, h, b);  // [T, d]
    for (int sp = 0; sp < T; ++sp) {
      if (!batch.is_sep(b, sp)) continue;
      int end = sp + 1;  // segment = (sp, end)
      while (end < T && !batch.is_sep(b, end)) ++end;
      const int n = end - sp - 1;  // vectors in the segment
      if (n == 0) continue;
      std::vector<int> in_segment;  // caught vectors of the segment
      for (int i : caught_queries(A, T, sp, tau))
        if (i > sp && i < end) in_segment.push_back(i);
      caught_n += int(in_segment.size());
      query_n += n;
      auto run = longest_run(in_segment);
      span_sum += double(run.second - run.first) / n;
      ++span_segments;
      if (n < 2) continue;  // catch_rate and tag_alignment count segments with >= 2 vectors
      ++counted;
      bool later_caught = false;  // a query from the next [SEP] on with A[q, sp] >= tau
      for (int q = end; q < T && !later_caught; ++q) later_caught = A[size_t(q) * T + sp] >= tau;
      caught_whole += int(in_segment.size()) == n && !later_caught;
      // tag(s) = v_s W_O^h  [d]
      std::vector<float> tag(d, 0.f);
      const float* vs = a.v[0].data() + (size_t(b) * T + sp) * HD + h * dh;
      for (int o = 0; o < d; ++o)
        for (int i = 0; i < dh; ++i) tag[o] += vs[i] * wo[size_t(o) * HD + h * dh + i];
      for (int i : in_segment) align_sum += cosine(&ho[size_t(i) * d], tag.data(), d), ++align_n;
    }
  }
  r.sep_attention = att_n ? float(att_sum / att_n) : 0.f;
  r.sink_score0 = B ? float(sink0 / B) : 0.f;
  r.catch_share = query_n ? float(caught_n) / query_n : 0.f;
  r.catch_span = span_segments ? float(span_sum / span_segments) : 0.f;
  r.catch_rate = counted ? float(caught_whole) / counted : 0.f;
  r.tag_alignment = align_n ? float(align_sum / align_n) : 0.f;
  return r;
}

}  // namespace

MechanismMetrics measure(const Params& p, const Batch& batch, const Acts& a, float loss, const VerdictThresholds& th) {
  const ModelShape& s = p.shape;
  const int B = batch.B, T = batch.T, H = s.H;
  MechanismMetrics m;
  m.loss = loss;
  auto pattern = [&](int l, int b, int h) { return a.att[l].data() + (size_t(b) * H + h) * T * T; };  // [T, T]

  // sep_head: averaging.py's catch_head (the largest catch_rate + tag_alignment),
  // ties to the head that attends most to the current [SEP].
  HeadStats best;
  for (int h = 0; h < H; ++h) {
    const HeadStats r = head_stats(p, batch, a, h, th.catch_tau);
    const float key = r.catch_rate + r.tag_alignment, best_key = best.catch_rate + best.tag_alignment;
    if (h == 0 || key > best_key || (key == best_key && r.sep_attention > best.sep_attention)) best = r, m.sep_head = h;
  }
  m.sep_attention = best.sep_attention;
  m.sink_score0 = best.sink_score0;
  m.catch_share = best.catch_share;
  m.catch_rate = best.catch_rate;
  m.catch_span = best.catch_span;
  m.tag_alignment = best.tag_alignment;

  // release: layer-1 head with the most attention on the current segment.
  const int lr = s.L - 1;
  m.release_mass = -1;
  for (int h = 0; h < H; ++h) {
    double sum = 0;
    int n = 0;
    for (int b = 0; b < B; ++b) {
      const float* A = pattern(lr, b, h);
      for (int i = 0; i < T; ++i) {
        if (!batch.after_sep(b, i)) continue;  // before the [SEP] every token is "current": no signal
        double mass = 0;
        for (int j = batch.last_sep[b * T + i]; j <= i; ++j) mass += A[size_t(i) * T + j];
        sum += mass, ++n;
      }
    }
    const float mean = n ? float(sum / n) : 0.f;
    if (mean > m.release_mass) m.release_mass = mean, m.release_head = h;
  }
  m.formed = m.catch_rate >= th.catch_rate && m.tag_alignment >= th.tag_alignment && m.release_mass >= th.release_mass;
  return m;
}

Pca2 pca2(const std::vector<float>& rows, int N, int d) {
  Pca2 r;
  r.coords.assign(size_t(N) * 2, 0.f);
  r.dirs.assign(size_t(2) * d, 0.f);
  if (N < 2 || d < 1) return r;
  Eigen::MatrixXd X(N, d);  // [N, d]
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = rows[size_t(i) * d + j];
  X.rowwise() -= X.colwise().mean();
  Eigen::MatrixXd cov = X.transpose() * X / N;  // [d, d]
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov);
  const double total = cov.trace();
  for (int k = 0; k < 2 && k < d; ++k) {
    Eigen::VectorXd u = es.eigenvectors().col(d - 1 - k);  // ascending order -> largest last
    int arg = 0;
    for (int j = 1; j < d; ++j) arg = std::abs(u(j)) > std::abs(u(arg)) ? j : arg;
    if (u(arg) < 0) u = -u;  // a principal direction has no sign: fix one
    for (int j = 0; j < d; ++j) r.dirs[size_t(k) * d + j] = float(u(j));
    Eigen::VectorXd c = X * u;
    for (int i = 0; i < N; ++i) r.coords[size_t(i) * 2 + k] = float(c(i));
  }
  if (total > 0) {
    const double e1 = es.eigenvalues()(d - 1), e2 = d > 1 ? es.eigenvalues()(d - 2) : 0.0;
    r.var_top1 = float(e1 / total);
    r.var_top2 = float((e1 + e2) / total);
  }
  return r;
}

}  // namespace ss::avg
