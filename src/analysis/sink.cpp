// sink_score, caught and catch_span: the "catch" half of the mechanism, read
// straight off one head's attention pattern.
#include <algorithm>
#include <cctype>

#include "analysis/detail.h"

namespace ss {

std::vector<float> sink_scores(const float* A, int T) {
  // Column sums in double so that a 1e-4 parity with the Python reference holds
  // at any T; row i only reaches keys k <= i (causal).
  std::vector<double> col(T, 0.0);  // [T]
  for (int i = 0; i < T; ++i) {
    const float* row = A + size_t(i) * T;
    for (int k = 0; k <= i; ++k) col[k] += row[k];
  }
  std::vector<float> score(T);  // [T]
  for (int k = 0; k < T; ++k) score[k] = float(col[k] / double(T - k));
  return score;
}

std::vector<float> uniform_scores(int T) {
  // Suffix sums of 1 / (i + 1), in double from the last query down.
  std::vector<float> u(std::max(T, 0));  // [T]
  double tail = 0;
  for (int k = T - 1; k >= 0; --k) {
    tail += 1.0 / double(k + 1);
    u[k] = float(tail / double(T - k));
  }
  return u;
}

bool is_sink(float score, float uniform, int k, int T, const AnalysisSettings& st, float eps) {
  if (eps < 0) eps = st.sink_eps;
  return T - k >= st.sink_min_queries && score > eps && score >= st.sink_uniform_factor * uniform;
}

std::vector<SinkMapCell> sink_map(const Analysis& an) {
  std::vector<SinkMapCell> cells(size_t(an.n_layers) * an.n_heads);  // [L * H]
  for (const Sink& s : an.sinks) {
    SinkMapCell& c = cells[size_t(s.layer) * an.n_heads + s.head];
    if (c.key < 0 || s.score > c.score) c = {s.score, s.key};
  }
  return cells;
}

std::vector<int> caught_queries(const float* A, int T, int s, float tau) {
  std::vector<int> out;
  for (int i = s; i < T; ++i)
    if (A[size_t(i) * T + s] >= tau) out.push_back(i);
  return out;
}

std::pair<int, int> longest_run(const std::vector<int>& p) {
  std::pair<int, int> best{0, 0};
  size_t a = 0;
  for (size_t b = 0; b < p.size(); ++b) {
    if (b > 0 && p[b] != p[b - 1] + 1) a = b;
    int len = p[b] - p[a] + 1;
    if (len > best.second - best.first) best = {p[a], p[b] + 1};
  }
  return best;
}

const char* sink_kind_name(SinkKind k) {
  switch (k) {
    case SinkKind::Bos: return "bos";
    case SinkKind::Punctuation: return "punctuation";
    case SinkKind::Newline: return "newline";
    default: return "other";
  }
}

SinkKind classify_sink(int key, const std::string* text) {
  if (key == 0) return SinkKind::Bos;
  if (!text) return SinkKind::Other;
  if (text->find('\n') != std::string::npos) return SinkKind::Newline;
  // Byte-level BPE shows a newline as "Ċ" (U+010A) and a leading space as "Ġ".
  if (text->find("\xC4\x8A") != std::string::npos) return SinkKind::Newline;
  bool any = false;
  for (size_t i = 0; i < text->size(); ++i) {
    unsigned char c = (*text)[i];
    if (c == ' ' || c == '\t') continue;
    if (c == 0xC4 && i + 1 < text->size() && (unsigned char)(*text)[i + 1] == 0xA0) { ++i; continue; }  // "Ġ"
    if (c == 0xE2 && i + 2 < text->size() && (unsigned char)(*text)[i + 1] == 0x96 &&
        (unsigned char)(*text)[i + 2] == 0x81) { i += 2; continue; }  // metaspace "▁"
    if (c < 128 && std::ispunct(c)) { any = true; continue; }
    return SinkKind::Other;
  }
  return any ? SinkKind::Punctuation : SinkKind::Other;
}

namespace analysis_detail {

bool append_head_sinks(int layer, int head, const float* score, const std::vector<float>& uniform, int T,
                       const AnalysisSettings& st, const std::vector<std::string>* texts, std::vector<Sink>& out) {
  for (int k = 0; k < T; ++k) {
    if (!is_sink(score[k], uniform[k], k, T, st)) continue;
    Sink s;
    s.layer = layer, s.head = head, s.key = k, s.score = score[k], s.uniform_score = uniform[k];
    s.kind = classify_sink(k, texts && size_t(k) < texts->size() ? &(*texts)[k] : nullptr);
    out.push_back(std::move(s));
  }
  return T > 0 && is_sink(score[0], uniform[0], 0, T, st, st.sink1_eps);
}

}  // namespace analysis_detail
}  // namespace ss
