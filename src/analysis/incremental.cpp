// IncrementalAnalysis (incremental.h): the per-row state behind analyze()'s
// catch, tag and massive metrics, kept across prompts that share a prefix.
// Every formula below mirrors analysis.cpp / sink.cpp / massive.cpp operation
// for operation (same types, same summation order), so that the result is the
// same bits as a from-scratch analyze(), not merely close.
#include "analysis/incremental.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <tuple>

#include "analysis/detail.h"
#include "analysis/pattern.h"

namespace ss {
using namespace analysis_detail;

namespace {
// Column-sum snapshot every this many query rows: an edit inside the prompt
// re-adds at most this many rows above its position. Appending re-adds none
// (HeadRows::col already sums every row). 64, not 16: the snapshots of a
// head hold ~T^2 / (2 * 64) doubles, 20 MB over 144 heads at T = 2048.
constexpr int kSnapRows = 64;
// Pattern rows fetched at a time (recomputed when the pattern was not kept):
// a [kBlockRows, T] scratch instead of the head's [T, T].
constexpr int kBlockRows = 128;
}

void IncrementalAnalysis::reset() {
  an_ = Analysis{};
  heads_.clear();
  layers_.clear();
  tags_.clear();
  resid_norm_.clear();
  resid_max_.clear();
  model_ = nullptr;
  ids_.clear();
}

int IncrementalAnalysis::common_prefix(const Model& model, std::span<const int32_t> ids,
                                       const AnalysisSettings& st) const {
  if (model_ != &model || weights_version_ != model.weights.version || model_name_ != model.name ||
      tau_ != st.catch_tau || top_k_ != st.top_k)
    return 0;
  const size_t n = std::min(ids.size(), ids_.size());
  size_t p = 0;
  while (p < n && ids[p] == ids_[p]) ++p;
  return int(p);
}

void IncrementalAnalysis::update_head(HeadRows& hr, const LayerPattern& A, int h, int T, int p, float tau) {
  // Column sums go on from every kept row when the prefix covers them (an
  // append), else restart from the last snapshot inside the prefix; rows are
  // added in ascending order exactly as sink_scores() adds them.
  int col_from = hr.col_rows;
  if (p < hr.col_rows) {
    const size_t j0 = std::min(size_t(p / kSnapRows), hr.snap.size());
    hr.snap.resize(j0);
    if (j0) hr.col.assign(hr.snap.back().begin(), hr.snap.back().end());
    else hr.col.clear();
    col_from = int(j0) * kSnapRows;
  }
  hr.col.resize(T, 0.0);
  hr.keys.resize(std::min<size_t>(hr.keys.size(), size_t(p)));
  const int keys_from = int(hr.keys.size());
  std::vector<float>& rows = block_;  // [kBlockRows, T]
  for (int b0 = std::min(col_from, keys_from); b0 < T; b0 += kBlockRows) {
    const int b1 = std::min(T, b0 + kBlockRows);
    rows.resize(size_t(b1 - b0) * T);
    A.rows(h, b0, b1, rows.data());
    for (int i = b0; i < b1; ++i) {
      const float* row = rows.data() + size_t(i - b0) * T;  // [T]
      if (i >= col_from) {
        for (int k = 0; k <= i; ++k) hr.col[k] += row[k];
        if ((i + 1) % kSnapRows == 0) hr.snap.emplace_back(hr.col.begin(), hr.col.begin() + i + 1);
      }
      if (i >= keys_from) {
        std::vector<int> ks;
        for (int k = 0; k <= i; ++k)
          if (row[k] >= tau) ks.push_back(k);
        hr.keys.push_back(std::move(ks));
      }
    }
  }
  hr.col_rows = T;
}

// The median window (LayerRows::win): every magnitude in [lo, hi), sorted,
// chosen around the ranks [first, mid] of the layer's magnitudes (lr.mag).
void IncrementalAnalysis::rebuild_window(LayerRows& lr, size_t first, size_t mid) {
  const size_t n = lr.mag.size();
  std::vector<float>& all = spare_;  // [n] scratch for the selections
  all.assign(lr.mag.begin(), lr.mag.end());
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const size_t r0 = first > median_window_ ? first - median_window_ : 0, r1 = mid + median_window_;
  lr.lo = -kInf, lr.hi = kInf;
  if (r0 > 0) {
    std::nth_element(all.begin(), all.begin() + r0, all.end());
    lr.lo = all[r0];  // ties with lo join the window: at most r0 values lie below it
  }
  if (r1 < n) {
    std::nth_element(all.begin() + r0, all.begin() + r1, all.end());
    lr.hi = all[r1];
  }
  auto fill = [&] {
    lr.win.resize(n);
    size_t w = 0, below = 0;
    for (float m : lr.mag) {
      if (m < lr.lo) ++below;
      else if (!(m >= lr.hi)) lr.win[w++] = m;
    }
    lr.win.resize(w);
    lr.below = below;
  };
  fill();
  if (mid >= lr.below + lr.win.size()) {  // ties with hi reach down to the median: keep all above lo
    lr.hi = kInf;
    fill();
  }
  if (first < lr.below) {  // only a NaN (unordered) gets here: keep everything
    lr.lo = -kInf, lr.hi = kInf;
    fill();
  }
  std::sort(lr.win.begin(), lr.win.end());
  lr.has_window = true;
  ++stats_.window_rebuilds;
}

// The dropped rows' magnitudes leave the window and the new rows' join it;
// those outside [lo, hi) only move the count below it.
void IncrementalAnalysis::edit_window(LayerRows& lr, std::span<const float> gone_all, std::span<const float> fresh_all) {
  std::vector<float>& gone = lr.gone_win;
  std::vector<float>& fresh = lr.fresh_win;
  gone.resize(gone_all.size());
  fresh.resize(fresh_all.size());
  size_t ng = 0, nf = 0;
  for (float m : gone_all) {
    if (m < lr.lo) --lr.below;
    else if (!(m >= lr.hi)) gone[ng++] = m;
  }
  for (float m : fresh_all) {
    if (m < lr.lo) ++lr.below;
    else if (!(m >= lr.hi)) fresh[nf++] = m;
  }
  gone.resize(ng);
  fresh.resize(nf);
  std::sort(gone.begin(), gone.end());
  std::sort(fresh.begin(), fresh.end());
  // (win \ gone) merged with fresh; gone is a sub-multiset of win. Each value
  // that leaves or joins is found by a galloping search forward from the last
  // one, and the runs between them are copied whole.
  std::vector<float>& merged = spare_;
  const float* a = lr.win.data();
  const size_t n_win = lr.win.size();
  auto find = [&](size_t lo, float x) {  // first i >= lo with a[i] >= x; a[i] < x for every i < lo
    size_t hi = lo, step = 1;
    while (hi < n_win && a[hi] < x) lo = hi + 1, hi += step, step *= 2;
    return size_t(std::lower_bound(a + lo, a + std::min(hi, n_win), x) - a);
  };
  merged.resize(n_win + nf);
  float* o = merged.data();
  size_t from = 0, gi = 0, fi = 0;
  size_t pg = ng ? find(0, gone[0]) : n_win;   // where gone[gi] sits
  size_t pf = nf ? find(0, fresh[0]) : n_win;  // where fresh[fi] joins
  while (gi < ng || fi < nf) {
    if (fi < nf && (gi == ng || pf <= pg)) {
      o = std::copy(a + from, a + pf, o);
      *o++ = fresh[fi++];
      from = pf;
      if (fi < nf) pf = find(from, fresh[fi]);
    } else {
      if (pg < n_win) {  // a[pg] == gone[gi] leaves (not found: only a NaN does that)
        o = std::copy(a + from, a + pg, o);
        from = pg + 1;
      }
      if (++gi < ng) pg = find(from, gone[gi]);
    }
  }
  o = std::copy(a + from, a + n_win, o);
  merged.resize(size_t(o - merged.data()));
  lr.win.swap(merged);
  ++stats_.window_edits;
}

void IncrementalAnalysis::update_layer(LayerRows& lr, const Tensor& resid, int layer, int T, int p, int kk,
                                       LayerMassive& out, const AnalysisSettings& st) {
  const int d = int(resid.dim(1));
  const int old_T = d > 0 ? int(lr.mag.size() / d) : 0;
  const int kept = std::min(p, old_T);
  // Writes go through pointers into sized vectors: in wasm each push_back of
  // a hot loop was a call through a JavaScript exception trampoline.
  std::vector<float>& gone = lr.gone;  // [(old_T - kept) * d] magnitudes of the dropped rows
  gone.assign(lr.mag.begin() + size_t(kept) * d, lr.mag.end());
  // Room for 16 more rows, not the vector's own 2x: at T = 2048 on a 12 x 768
  // model the magnitudes are 75 MB, and doubling them at a keystroke grew the
  // page's memory by 150 MB.
  if (lr.mag.capacity() < size_t(T) * d) lr.mag.reserve(size_t(T + 16) * d);
  lr.mag.resize(size_t(T) * d);
  lr.row_max.resize(T);
  lr.row_norm.resize(T);
  lr.row_top.resize(size_t(T) * kk);
  std::vector<int>& cols = lr.cols;  // [d]
  cols.resize(d);
  for (int i = kept; i < T; ++i) {
    const float* row = resid.ptr() + size_t(i) * d;
    float* mg = lr.mag.data() + size_t(i) * d;
    double ss = 0;
    float mx = 0;
    for (int j = 0; j < d; ++j) {
      const float m = std::fabs(row[j]);
      mg[j] = m;
      ss += double(row[j]) * row[j], mx = std::max(mx, m);
    }
    lr.row_max[i] = mx;
    lr.row_norm[i] = float(std::sqrt(ss));
    for (int j = 0; j < d; ++j) cols[j] = j;
    std::partial_sort(cols.begin(), cols.begin() + kk, cols.end(),
                      [&](int a, int b) { return mg[a] != mg[b] ? mg[a] > mg[b] : a < b; });
    std::copy_n(cols.begin(), kk, lr.row_top.begin() + size_t(i) * kk);
  }

  // massive_activations() from the kept state.
  out = LayerMassive{};
  const size_t n = size_t(T) * d;
  if (n == 0) {
    lr.has_window = false;
    return;
  }
  const size_t mid = n / 2, first = n % 2 ? mid : mid - 1;  // the median's ranks: [first, mid]
  if (kept == 0 || !lr.has_window) {
    rebuild_window(lr, first, mid);
  } else {
    const std::span<const float> fresh(lr.mag.data() + size_t(kept) * d, size_t(T - kept) * d);
    edit_window(lr, gone, fresh);
  }
  if (first < lr.below || mid >= lr.below + lr.win.size()) rebuild_window(lr, first, mid);
  double med = lr.win[mid - lr.below];
  if (n % 2 == 0) med = 0.5 * (med + lr.win[first - lr.below]);
  out.median_abs = float(med);
  out.max_abs = *std::max_element(lr.row_max.begin(), lr.row_max.end());
  auto ratio = [&](float m) {
    return out.median_abs > 0 ? m / out.median_abs : std::numeric_limits<float>::infinity();
  };
  auto entry = [&](size_t i) {
    return MassiveEntry{layer, int(i / d), int(i % d), resid.data[i], ratio(lr.mag[i])};
  };
  const float rel = st.massive_rel * out.median_abs;
  for (int i = 0; i < T; ++i) {
    if (!(lr.row_max[i] > st.massive_abs && lr.row_max[i] > rel)) continue;
    for (int j = 0; j < d; ++j) {
      const size_t f = size_t(i) * d + j;
      if (lr.mag[f] > st.massive_abs && lr.mag[f] > rel) out.over_threshold.push_back(entry(f));
    }
  }
  std::sort(out.over_threshold.begin(), out.over_threshold.end(),
            [](const MassiveEntry& a, const MassiveEntry& b) { return std::fabs(a.value) > std::fabs(b.value); });
  const size_t k = std::min(n, size_t(std::max(0, st.top_k)));
  // The global top-k is among the rows' top-k, and only in rows whose max
  // reaches the k-th largest row max (k rows hold an entry at least that big).
  float bar = -std::numeric_limits<float>::infinity();
  if (k > 0 && k <= size_t(T)) {
    std::vector<float> maxes(lr.row_max.begin(), lr.row_max.end());  // [T]
    std::nth_element(maxes.begin(), maxes.begin() + (k - 1), maxes.end(), std::greater<float>());
    bar = maxes[k - 1];
  }
  std::vector<size_t> cand;  // flat indices, [rows kept * kk]
  cand.reserve(size_t(T) * kk);
  for (int i = 0; i < T; ++i)
    if (lr.row_max[i] >= bar)
      for (int r = 0; r < kk; ++r) cand.push_back(size_t(i) * d + lr.row_top[size_t(i) * kk + r]);
  auto by_mag = [&](size_t a, size_t b) { return lr.mag[a] != lr.mag[b] ? lr.mag[a] > lr.mag[b] : a < b; };
  const size_t kc = std::min(k, cand.size());
  std::partial_sort(cand.begin(), cand.begin() + kc, cand.end(), by_mag);
  for (size_t r = 0; r < kc; ++r) out.top.push_back(entry(cand[r]));
}

void IncrementalAnalysis::fill_tag(const Model& model, const Taps& taps, Sink& s, int p) {
  const ModelConfig& c = model.config;
  const Tensor* v = layer_tap(taps, s.layer, "v");          // [T, Hkv, dh]
  if (!v || model.weights.layers.size() <= size_t(s.layer) || model.weights.layers[s.layer].wo.empty()) return;
  (void)p;
  TagRows& tr = tags_[{s.layer, s.head, s.key}];
  if (tr.tag.empty()) {
    tr.tag = tag_vector(c, model.weights.layers[s.layer], *v, s.head, s.key);
    double nn = 0;
    for (float e : tr.tag) nn += double(e) * e;
    tr.norm = float(std::sqrt(nn));
  }
  s.tag = tr.tag;
  s.tag_norm = tr.norm;
  const int d = c.d_model;
  // Only the rows not aligned yet (an edit at the end adds one or two); rows
  // before the sink are never aligned: tr.alignment[i - key] is query i's.
  const int from = s.key + int(tr.alignment.size());
  const Tensor ho = head_out_rows(model, taps, s.layer, s.head, from);  // [T, d]
  if (ho.rank() == 2) {
    const int T = int(ho.dim(0));
    for (int i = from; i < T; ++i) tr.alignment.push_back(cosine(ho.ptr() + size_t(i) * d, tr.tag.data(), d));
    s.tag_alignment.assign(tr.alignment.begin(), tr.alignment.begin() + std::max(0, T - s.key));
  }
  if (s.tag_norm <= 0) return;
  for (int l = s.layer; l < c.n_layers; ++l) {
    const Tensor* r = layer_tap(taps, l, "resid_post");  // [T, d]
    if (!r) break;
    const int T = int(r->dim(0));
    const size_t slot = size_t(l - s.layer);
    if (tr.proj.size() <= slot) tr.proj.resize(slot + 1);
    std::vector<double>& pr = tr.proj[slot];  // [T]
    for (int i = int(pr.size()); i < T; ++i) {
      double q = 0;
      for (int j = 0; j < d; ++j) q += double(r->data[size_t(i) * d + j]) * tr.tag[j];
      q /= s.tag_norm;
      pr.push_back(q);
    }
    std::vector<char> is_caught(T, 0);  // [T]
    for (int i : s.caught) is_caught[i] = 1;
    double pc = 0, po = 0;
    int nc = 0, no = 0;
    for (int i = 0; i < T; ++i) {
      if (is_caught[i]) pc += pr[i], ++nc;
      else po += pr[i], ++no;
    }
    s.tag_projection.push_back(nc ? float(pc / nc) : 0.f);
    s.tag_projection_others.push_back(no ? float(po / no) : 0.f);
  }
}

const Analysis& IncrementalAnalysis::update(const Model& model, const Taps& taps, std::span<const int32_t> ids,
                                            const AnalysisSettings& st, const std::vector<std::string>* texts,
                                            TagScope scope) {
  const ModelConfig& c = model.config;
  const int L = c.n_layers, H = c.n_heads;
  const int T = taps_length(taps);
  int p = common_prefix(model, ids, st);
  if (size_t(T) != ids.size() || heads_.size() != size_t(L) * H || layers_.size() != size_t(L)) p = 0;
  p = std::min(p, T);
  if (p == 0) {
    heads_.assign(size_t(L) * H, HeadRows{});
    layers_.assign(L, LayerRows{});
    tags_.clear();
    ++stats_.resets;
  }
  // Tags of keys in the prefix stay (v_key is unchanged); their rows are cut to the prefix.
  for (auto it = tags_.begin(); it != tags_.end();) {
    if (std::get<2>(it->first) >= p) {
      it = tags_.erase(it);
      continue;
    }
    TagRows& tr = it->second;
    const size_t key = size_t(std::get<2>(it->first));
    if (key + tr.alignment.size() > size_t(p)) tr.alignment.resize(size_t(p) - key);
    for (auto& pr : tr.proj)
      if (pr.size() > size_t(p)) pr.resize(p);
    ++it;
  }

  Analysis& an = an_;
  an = Analysis{};
  an.n_layers = L, an.n_heads = H, an.T = T;
  an.sink_score.assign(size_t(L) * H * T, 0.f);  // [L][H][T]
  an.sink1_share_per_layer.assign(L, 0.f);
  const std::vector<float> uniform = uniform_scores(T);  // [T]
  int with_sink0 = 0;
  for (int l = 0; l < L; ++l) {
    const LayerPattern A(model, taps, l);  // [H, T, T], kept or recomputed
    if (!A.ok() || A.T() != T) {
      for (int h = 0; h < H; ++h) heads_[size_t(l) * H + h] = HeadRows{};
      continue;
    }
    int layer_sink0 = 0;
    for (int h = 0; h < H; ++h) {
      HeadRows& hr = heads_[size_t(l) * H + h];
      update_head(hr, A, h, T, p, st.catch_tau);
      float* sc = an.sink_score.data() + (size_t(l) * H + h) * T;  // [T]
      for (int k = 0; k < T; ++k) sc[k] = float(hr.col[k] / double(T - k));
      const size_t first = an.sinks.size();
      layer_sink0 += append_head_sinks(l, h, sc, uniform, T, st, texts, an.sinks);
      for (size_t n = first; n < an.sinks.size(); ++n) {
        Sink& s = an.sinks[n];
        for (int i = s.key; i < T; ++i)
          if (std::binary_search(hr.keys[i].begin(), hr.keys[i].end(), s.key)) s.caught.push_back(i);
        std::tie(s.span_begin, s.span_end) = longest_run(s.caught);
        if (scope.covers(l, h)) fill_tag(model, taps, s, p);
      }
    }
    an.sink1_share_per_layer[l] = H ? float(layer_sink0) / H : 0.f;
    with_sink0 += layer_sink0;
  }
  an.sink1_share = L * H ? float(with_sink0) / float(L * H) : 0.f;
  an.sink_slot_share = sink_slot_shares(model, taps, T);  // all rows: cheap next to the rest

  an.massive.resize(L);
  resid_norm_.assign(size_t(L) * T, 0.f);  // [L, T]
  resid_max_.assign(size_t(L) * T, 0.f);   // [L, T]
  for (int l = 0; l < L; ++l) {
    const Tensor* r = layer_tap(taps, l, "resid_post");  // [T, d]
    if (!r || r->dim(0) != T) {
      layers_[l] = LayerRows{};
      continue;
    }
    const int kk = std::min(std::max(0, st.top_k), int(r->dim(1)));
    update_layer(layers_[l], *r, l, T, p, kk, an.massive[l], st);
    std::copy(layers_[l].row_norm.begin(), layers_[l].row_norm.end(), resid_norm_.begin() + size_t(l) * T);
    std::copy(layers_[l].row_max.begin(), layers_[l].row_max.end(), resid_max_.begin() + size_t(l) * T);
  }

  model_ = &model;
  weights_version_ = model.weights.version;
  model_name_ = model.name;
  tau_ = st.catch_tau;
  top_k_ = st.top_k;
  ids_.assign(ids.begin(), ids.end());
  ++stats_.updates;
  stats_.last_prefix = p;
  stats_.rows_reused += p;
  stats_.rows_computed += T - p;
  return an;
}

}  // namespace ss
