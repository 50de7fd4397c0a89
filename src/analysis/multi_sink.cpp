// handoffs and tag_cosines (definitions: multi_sink.h, docs/metrics.md).
#include "analysis/multi_sink.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "analysis/detail.h"
#include "analysis/pattern.h"

namespace ss {
using analysis_detail::cosine;

namespace {
// The handoffs of one head, given at(i, n) = A[i, keys[n]]: only the sink
// keys' columns are read, so a pattern that was not kept costs T dh per key.
template <class At>
std::vector<Handoff> handoffs_by(At at, int T, const std::vector<int>& keys, int layer, int head) {
  std::vector<Handoff> out;
  if (keys.size() < 2) return out;
  int prev = -1;  // index in keys of the previous query's owner
  for (int i = keys[0]; i < T; ++i) {
    int owner = 0;
    for (size_t n = 0; n < keys.size(); ++n) {
      if (keys[n] > i) break;  // keys ascend: the later ones are not seen yet
      if (at(i, n) > at(i, owner)) owner = int(n);  // strict: the lower key keeps a tie
    }
    if (prev >= 0 && owner != prev) out.push_back({layer, head, i, keys[prev], keys[owner], at(i, prev), at(i, owner)});
    prev = owner;
  }
  return out;
}
}  // namespace

std::vector<Handoff> handoffs(const float* A, int T, const std::vector<int>& keys, int layer, int head) {
  return handoffs_by([&](int i, size_t n) { return A[size_t(i) * T + keys[n]]; }, T, keys, layer, head);
}

std::vector<Handoff> all_handoffs(const Model& model, const Analysis& an, const Taps& taps) {
  std::map<std::pair<int, int>, std::vector<int>> keys;  // (layer, head) -> sink keys, ascending (an.sinks is sorted)
  for (const Sink& s : an.sinks) keys[{s.layer, s.head}].push_back(s.key);
  std::vector<Handoff> out;
  for (const auto& [lh, ks] : keys) {
    if (ks.size() < 2) continue;
    const LayerPattern A(model, taps, lh.first);  // [H, T, T], kept or recomputed
    if (!A.ok()) continue;
    std::vector<std::vector<float>> cols;  // [keys][T] the sink keys' columns
    for (int k : ks) cols.push_back(A.column(lh.second, k));
    const std::vector<Handoff> h =
        handoffs_by([&](int i, size_t n) { return cols[n][size_t(i)]; }, A.T(), ks, lh.first, lh.second);
    out.insert(out.end(), h.begin(), h.end());
  }
  return out;
}

std::vector<float> cosine_matrix(const std::vector<const std::vector<float>*>& tags) {
  const size_t n = tags.size();
  std::vector<float> c(n * n, 0.f);  // [n, n]
  for (size_t a = 0; a < n; ++a)
    for (size_t b = 0; b < n; ++b)
      if (tags[a]->size() == tags[b]->size()) c[a * n + b] = cosine(tags[a]->data(), tags[b]->data(), int(tags[a]->size()));
  return c;
}

std::vector<TagCosines> tag_cosines(const Analysis& an, int max_heads) {
  std::vector<TagCosines> out;
  // Within a head: all its tagged sinks (an.sinks is in layer, head, key order).
  for (size_t a = 0; a < an.sinks.size();) {
    size_t b = a;
    TagCosines tc{"head", an.sinks[a].layer, an.sinks[a].head, {}, {}};
    std::vector<const std::vector<float>*> tags;
    for (; b < an.sinks.size() && an.sinks[b].layer == tc.layer && an.sinks[b].head == tc.head; ++b)
      if (!an.sinks[b].tag.empty()) tc.sinks.push_back({tc.layer, tc.head, an.sinks[b].key}), tags.push_back(&an.sinks[b].tag);
    if (tags.size() >= 2) tc.cos = cosine_matrix(tags), out.push_back(std::move(tc));
    a = b;
  }
  // Across heads: each head's strongest tagged sink (the sink map's rule: the
  // largest score, the lower key on a tie), the strongest heads first.
  std::map<std::pair<int, int>, const Sink*> best;
  for (const Sink& s : an.sinks) {
    if (s.tag.empty()) continue;
    const Sink*& b = best[{s.layer, s.head}];
    if (!b || s.score > b->score) b = &s;
  }
  std::vector<const Sink*> heads;  // layer, head order (the map's); stable_sort keeps it on ties
  for (const auto& [lh, s] : best) heads.push_back(s);
  std::stable_sort(heads.begin(), heads.end(), [](const Sink* x, const Sink* y) { return x->score > y->score; });
  heads.resize(std::min(heads.size(), size_t(std::max(0, max_heads))));
  if (heads.empty()) return out;
  TagCosines model{"model", -1, -1, {}, {}};
  std::vector<const std::vector<float>*> tags;
  for (const Sink* s : heads) model.sinks.push_back({s->layer, s->head, s->key}), tags.push_back(&s->tag);
  model.cos = cosine_matrix(tags);
  out.push_back(std::move(model));
  return out;
}

}  // namespace ss
