// Tag probes' data: the tokens, their residuals, their head outputs and their
// labels, gathered from each window's taps (definitions: docs/metrics.md,
// "Tag probes"). The fitting is in probes.cpp.
#include <algorithm>

#include "analysis/detail.h"
#include "analysis/probes.h"

namespace ss {
namespace {
using analysis_detail::head_out_rows;
using analysis_detail::layer_tap;

// Appends token `i` of one window (rows of resid [T, d] and ho [T, d]).
void append_token(ProbeData& data, const Tensor& resid, const Tensor& ho, int i, int label, int fold) {
  const int d = data.d;
  data.resid.insert(data.resid.end(), resid.ptr() + size_t(i) * d, resid.ptr() + size_t(i + 1) * d);
  data.head_out.insert(data.head_out.end(), ho.ptr() + size_t(i) * d, ho.ptr() + size_t(i + 1) * d);
  data.label.push_back(label);
  data.fold.push_back(fold);
}

// Renumbers the labels to the classes that occur (ascending global index);
// returns the global index of each new class.
std::vector<int> compact_classes(std::vector<int>& label, int n_global) {
  std::vector<int> map(n_global, -1), used;  // global -> compact; compact -> global
  for (int c : label) map[c] = 0;
  for (int c = 0; c < n_global; ++c)
    if (map[c] == 0) map[c] = int(used.size()), used.push_back(c);
  for (int& c : label) c = map[c];
  return used;
}

}  // namespace

ProbeResult probe_catch(const Model& model, const std::vector<ProbeWindow>& windows, int layer, int head,
                        const AnalysisSettings& st, const ProbeSettings& probe) {
  ProbeResult out;
  out.layer = layer, out.head = head, out.target = "catch";
  ProbeData data;
  data.d = model.config.d_model;
  for (size_t w = 0; w < windows.size(); ++w) {
    const Taps& taps = *windows[w].taps;
    const Tensor* A = layer_tap(taps, layer, "attn_pattern");  // [H, T, T]
    const Tensor* resid = layer_tap(taps, layer, "resid_post");  // [T, d]
    const Tensor ho = head_out_rows(model, taps, layer, head);    // [T, d]
    if (!A || !resid || ho.rank() != 2) continue;  // a window without the taps is left out, not guessed
    const int T = int(A->dim(1));
    const std::vector<int> label = catch_labels(A->ptr() + size_t(head) * T * T, T, st, windows[w].texts);  // [T]
    for (int i = 1; i < T; ++i) append_token(data, *resid, ho, i, label[i], int(w));
  }
  const std::vector<int> used = compact_classes(data.label, kCatchClasses);
  for (int c : used) out.classes.push_back(catch_class_name(c));
  run_probes(data, int(used.size()), probe, out);
  return out;
}

ProbeResult probe_labels(const Model& model, const Taps& taps, int layer, int head, const std::vector<int>& labels,
                         const ProbeSettings& probe) {
  ProbeResult out;
  out.layer = layer, out.head = head, out.target = "labels";
  ProbeData data;
  data.d = model.config.d_model;
  const Tensor* resid = layer_tap(taps, layer, "resid_post");  // [T, d]
  const Tensor ho = head_out_rows(model, taps, layer, head);    // [T, d]
  if (resid && ho.rank() == 2) {
    const int T = std::min(int(resid->dim(0)), int(labels.size()));
    for (int i = 0; i < T; ++i)  // leave-one-out: every labelled token is its own fold
      if (labels[i] == 0 || labels[i] == 1) append_token(data, *resid, ho, i, labels[i], i);
  }
  const std::vector<int> used = compact_classes(data.label, 2);
  for (int c : used) out.classes.push_back(c == 0 ? "A" : "B");
  run_probes(data, int(used.size()), probe, out);
  return out;
}

std::vector<std::pair<int, int>> default_probe_heads(const Analysis& an, int max_heads) {
  struct Head {
    int layer, head, caught = 0;
    float best = 0;  // the head's strongest sink score
  };
  std::vector<Head> heads;  // layer, head order (an.sinks is sorted)
  for (const Sink& s : an.sinks) {
    if (heads.empty() || heads.back().layer != s.layer || heads.back().head != s.head) heads.push_back({s.layer, s.head});
    Head& h = heads.back();
    h.best = std::max(h.best, s.score);
    if (s.key > 0) h.caught += caught_after(s).second - caught_after(s).first;
  }
  std::vector<std::pair<int, int>> out;
  if (heads.empty()) return out;
  std::vector<Head> ranked = heads;
  std::stable_sort(ranked.begin(), ranked.end(), [](const Head& a, const Head& b) {
    return a.caught != b.caught ? a.caught > b.caught : a.best > b.best;
  });
  for (const Head& h : ranked)
    if (h.caught > 0 && int(out.size()) < max_heads) out.push_back({h.layer, h.head});
  if (out.empty()) {  // no sink after key 0 caught anything: the strongest sink head (sink map's rule)
    const Head* best = &heads[0];
    for (const Head& h : heads)
      if (h.best > best->best) best = &h;
    out.push_back({best->layer, best->head});
  }
  return out;
}

}  // namespace ss
