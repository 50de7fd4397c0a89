#include "explorer/summary.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "analysis/pattern.h"
#include "explorer/token_text.h"
#include "tokenizer/tokenizer.h"

namespace ss::explorer {

namespace {

// The top 8 tokens of one logits row [V], as probabilities.
std::vector<TopToken> top_next(const float* row, int64_t V, const Tokenizer* tok) {
  const float mx = *std::max_element(row, row + V);
  std::vector<float> p(V);  // [V]
  double z = 0;
  for (int64_t j = 0; j < V; ++j) z += p[j] = std::exp(row[j] - mx);
  std::vector<int32_t> order(V);
  std::iota(order.begin(), order.end(), 0);
  const int k = static_cast<int>(std::min<int64_t>(8, V));
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) { return p[a] > p[b]; });
  std::vector<TopToken> out;
  for (int j = 0; j < k; ++j)
    out.push_back({order[j], display_token(tok ? tok->token_text(order[j]) : std::to_string(order[j])),
                   static_cast<float>(p[order[j]] / z)});
  return out;
}

// Brings rows' normalisers up to logits [T, V]: the unchanged prefix keeps its own.
void update_rows(LossRows& rows, const Tensor& logits, const std::vector<int32_t>& ids, const void* model,
                 uint64_t version) {
  const int64_t T = logits.dim(0), V = logits.dim(1);
  size_t p = 0;
  if (rows.model == model && rows.version == version)
    while (p < rows.ids.size() && p < ids.size() && rows.ids[p] == ids[p]) ++p;
  p = std::min({p, rows.max.size(), size_t(T)});
  rows.max.resize(p);
  rows.logz.resize(p);
  for (int64_t i = static_cast<int64_t>(p); i < T; ++i) {
    const float* row = logits.ptr() + i * V;
    const float mx = *std::max_element(row, row + V);
    double z = 0;
    for (int64_t j = 0; j < V; ++j) z += std::exp(double(row[j] - mx));
    rows.max.push_back(mx);
    rows.logz.push_back(std::log(z));
  }
  rows.ids.assign(ids.begin(), ids.begin() + std::min<size_t>(ids.size(), size_t(T)));
  rows.model = model;
  rows.version = version;
}

}  // namespace

std::vector<float> head_pattern(const Model& model, const Taps& taps, int layer, int head) {
  if (layer < 0 || head < 0) return {};
  const LayerPattern a(model, taps, layer);  // [H, T, T]
  if (!a.ok() || head >= a.heads()) return {};
  std::vector<float> out(size_t(a.T()) * a.T());  // [T, T]
  a.rows(head, 0, a.T(), out.data());
  return out;
}

RunSummary summarize(const Taps& taps, const std::vector<int32_t>& ids, const Tokenizer* tok, LossRows& rows,
                     const void* model, uint64_t version) {
  RunSummary r;
  const Tensor* logits = taps.get("logits");  // [T, V]
  if (!logits || logits->rank() != 2 || logits->dim(0) <= 0) return r;
  const int64_t T = logits->dim(0), V = logits->dim(1);
  update_rows(rows, *logits, ids, model, version);
  double nll = 0;
  int n = 0;
  for (int64_t i = 0; i + 1 < T && i + 1 < static_cast<int64_t>(ids.size()); ++i) {
    if (ids[i + 1] < 0 || ids[i + 1] >= V) continue;
    nll -= double(logits->ptr()[i * V + ids[i + 1]] - rows.max[i]) - rows.logz[i];
    ++n;
  }
  r.loss = n ? static_cast<float>(nll / n) : 0.0f;
  r.next = top_next(logits->ptr() + (T - 1) * V, V, tok);
  return r;
}

}  // namespace ss::explorer
