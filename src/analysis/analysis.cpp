// analyze(): walks the layers once and fills Analysis (metrics defined in
// analysis.h and docs/metrics.md).
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <tuple>

#include "analysis/detail.h"
#include "analysis/pattern.h"

namespace ss {
using namespace analysis_detail;

namespace {

void fill_tag(const Model& model, const Taps& taps, Sink& s) {
  const ModelConfig& c = model.config;
  const Tensor* v = layer_tap(taps, s.layer, "v");            // [T, Hkv, dh]
  if (!v || model.weights.layers.size() <= size_t(s.layer) || model.weights.layers[s.layer].wo.empty()) return;
  const Tensor ho = head_out_rows(model, taps, s.layer, s.head);  // [T, d]
  s.tag = tag_vector(c, model.weights.layers[s.layer], *v, s.head, s.key);
  double nn = 0;
  for (float e : s.tag) nn += double(e) * e;
  s.tag_norm = float(std::sqrt(nn));
  const int d = c.d_model;
  if (ho.rank() == 2) {
    const int T = int(ho.dim(0));
    s.tag_alignment.resize(std::max(0, T - s.key));  // [T - key]: queries before the sink cannot see it
    for (int i = s.key; i < T; ++i) s.tag_alignment[i - s.key] = cosine(ho.ptr() + size_t(i) * d, s.tag.data(), d);
  }
  // The tag's path through the residual stream, caught tokens vs the others.
  if (s.tag_norm <= 0) return;
  for (int l = s.layer; l < c.n_layers; ++l) {
    const Tensor* r = layer_tap(taps, l, "resid_post");  // [T, d]
    if (!r) break;
    const int T = int(r->dim(0));
    std::vector<char> is_caught(T, 0);
    for (int i : s.caught) is_caught[i] = 1;
    double pc = 0, po = 0;
    int nc = 0, no = 0;
    for (int i = 0; i < T; ++i) {
      double p = 0;
      for (int j = 0; j < d; ++j) p += double(r->data[size_t(i) * d + j]) * s.tag[j];
      p /= s.tag_norm;
      if (is_caught[i]) pc += p, ++nc;
      else po += p, ++no;
    }
    s.tag_projection.push_back(nc ? float(pc / nc) : 0.f);
    s.tag_projection_others.push_back(no ? float(po / no) : 0.f);
  }
}

}  // namespace

Analysis analyze(const Model& model, const Taps& taps, const AnalysisSettings& st,
                 const std::vector<std::string>* texts) {
  const ModelConfig& c = model.config;
  Analysis an;
  an.n_layers = c.n_layers, an.n_heads = c.n_heads;
  an.T = taps_length(taps);
  const int L = an.n_layers, H = an.n_heads, T = an.T;
  an.sink_score.assign(size_t(L) * H * T, 0.f);
  an.sink1_share_per_layer.assign(L, 0.f);
  const std::vector<float> uniform = uniform_scores(T);  // [T]
  int with_sink0 = 0;
  std::vector<float> scratch;  // [T, T] a recomputed head, when the pattern was not kept
  for (int l = 0; l < L; ++l) {
    const LayerPattern A(model, taps, l);  // [H, T, T]
    if (!A.ok() || A.T() != T) continue;
    int layer_sink0 = 0;
    for (int h = 0; h < H; ++h) {
      const float* Ah = A.head(h, scratch);  // [T, T]
      std::vector<float> sc = sink_scores(Ah, T);
      std::copy(sc.begin(), sc.end(), an.sink_score.begin() + (size_t(l) * H + h) * T);
      const size_t first = an.sinks.size();
      layer_sink0 += append_head_sinks(l, h, sc.data(), uniform, T, st, texts, an.sinks);
      for (size_t i = first; i < an.sinks.size(); ++i) {
        Sink& s = an.sinks[i];
        s.caught = caught_queries(Ah, T, s.key, st.catch_tau);
        std::tie(s.span_begin, s.span_end) = longest_run(s.caught);
        fill_tag(model, taps, s);
      }
    }
    an.sink1_share_per_layer[l] = H ? float(layer_sink0) / H : 0.f;
    with_sink0 += layer_sink0;
  }
  an.sink1_share = L * H ? float(with_sink0) / float(L * H) : 0.f;
  an.sink_slot_share = sink_slot_shares(model, taps, T);

  // The strongest sinks (ties: earlier layer/head/key first) get the two
  // costly metrics: tag_variance (one PCA per head, shared by its sinks) and
  // release. The rest keep them empty until analyze_release / analyze_head.
  std::vector<size_t> order(an.sinks.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return an.sinks[a].score > an.sinks[b].score; });
  size_t n_sel = st.release_max_sinks < 0 ? order.size() : std::min(order.size(), size_t(st.release_max_sinks));
  std::map<std::pair<int, int>, HeadDetail> pca;
  for (size_t r = 0; r < n_sel; ++r) {
    Sink& s = an.sinks[order[r]];
    analyze_release(model, taps, st, s);
    if (!st.tag_variance || s.tag.empty()) continue;
    auto it = pca.find({s.layer, s.head});
    if (it == pca.end())
      it = pca.emplace(std::pair{s.layer, s.head}, head_pca(head_out_rows(model, taps, s.layer, s.head), s.layer, s.head)).first;
    const HeadDetail& hd = it->second;
    if (hd.pc1.empty()) continue;
    s.has_variance = true;
    s.var_top1 = hd.var_top1, s.var_top2 = hd.var_top2;
    s.cos_top_pc_tag = cos_pc1_tag(hd, s.tag);
  }

  an.massive.resize(L);
  for (int l = 0; l < L; ++l)
    if (const Tensor* r = layer_tap(taps, l, "resid_post")) an.massive[l] = massive_activations(*r, l, st);
  return an;
}

float cos_pc1_tag(const HeadDetail& hd, const std::vector<float>& tag) {
  if (hd.pc1.empty() || hd.pc1.size() != tag.size()) return 0.f;
  return std::fabs(cosine(hd.pc1.data(), tag.data(), int(tag.size())));
}

HeadDetail analyze_head(const Model& model, const Taps& taps, int layer, int head, const AnalysisSettings& st,
                        int sink_key) {
  const Tensor ho = head_out_rows(model, taps, layer, head);  // [T, d]
  if (ho.rank() != 2) return HeadDetail{layer, head};
  HeadDetail hd = head_pca(ho, layer, head);
  const LayerPattern A(model, taps, layer);
  const Tensor* v = layer_tap(taps, layer, "v");
  if (!A.ok() || !v) return hd;
  const int T = A.T();
  if (sink_key < 0) {  // the head's strongest sink by the significance rule
    std::vector<float> scratch;  // [T, T] when recomputed
    const std::vector<float> sc = sink_scores(A.head(head, scratch), T), uni = uniform_scores(T);
    for (int k = 0; k < T; ++k)
      if (is_sink(sc[k], uni[k], k, T, st) && (sink_key < 0 || sc[k] > sc[sink_key])) sink_key = k;
  }
  if (sink_key < 0 || sink_key >= T) return hd;
  hd.sink_key = sink_key;
  hd.tag = tag_vector(model.config, model.weights.layers[layer], *v, head, sink_key);
  hd.cos_top_pc_tag = cos_pc1_tag(hd, hd.tag);
  return hd;
}

}  // namespace ss
