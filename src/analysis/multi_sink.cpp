// handoffs and tag_cosines (definitions: multi_sink.h, docs/metrics.md).
#include "analysis/multi_sink.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "analysis/detail.h"

namespace ss {
using analysis_detail::cosine;
using analysis_detail::layer_tap;

std::vector<Handoff> handoffs(const float* A, int T, const std::vector<int>& keys, int layer, int head) {
  std::vector<Handoff> out;
  if (keys.size() < 2) return out;
  int prev = -1;  // owner of the previous query
  for (int i = keys[0]; i < T; ++i) {
    const float* row = A + size_t(i) * T;  // [T]
    int owner = keys[0];
    for (int s : keys) {
      if (s > i) break;  // keys ascend: the later ones are not seen yet
      if (row[s] > row[owner]) owner = s;  // strict: the lower key keeps a tie
    }
    if (prev >= 0 && owner != prev) out.push_back({layer, head, i, prev, owner, row[prev], row[owner]});
    prev = owner;
  }
  return out;
}

std::vector<Handoff> all_handoffs(const Analysis& an, const Taps& taps) {
  std::map<std::pair<int, int>, std::vector<int>> keys;  // (layer, head) -> sink keys, ascending (an.sinks is sorted)
  for (const Sink& s : an.sinks) keys[{s.layer, s.head}].push_back(s.key);
  std::vector<Handoff> out;
  for (const auto& [lh, ks] : keys) {
    const Tensor* A = layer_tap(taps, lh.first, "attn_pattern");  // [H, T, T]
    if (!A || ks.size() < 2) continue;
    const int T = int(A->dim(1));
    const std::vector<Handoff> h = handoffs(A->ptr() + size_t(lh.second) * T * T, T, ks, lh.first, lh.second);
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
