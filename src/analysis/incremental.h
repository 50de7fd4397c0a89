// IncrementalAnalysis: analyze()'s catch, tag and massive metrics for a prompt
// that is edited again and again (the live explorer, every keystroke). Causal
// attention leaves the rows of an unchanged prefix unchanged, so per-row work
// of those rows is kept and only the new rows are computed:
//   sink_score        per head, column sums of the query rows, with snapshots
//                     every 16 rows (an edit inside the prompt restarts from
//                     the snapshot below it; same summation order as
//                     sink_scores(), so the same bits)
//   caught            per head and query row, the keys it gives >= catch_tau
//   tag               per sink key (v_key W_O^h needs only row `key`), with the
//                     per-token tag_alignment and tag projections of old rows
//   massive           per layer, every row's |h|, the sorted |h| near the
//                     median (so an edit moves a few values, not all), and each
//                     row's top-k and max
// What changes with every new query row anyway (sink_score of every key is
// divided by T - k, the sink set, the caught lists, the means of the tag
// projections) is re-derived from that state in O(L H T) plus the sinks.
//
// The result equals analyze(model, taps, settings with release_max_sinks = 0
// and tag_variance = false) exactly (tests/unit/analysis/incremental.cpp);
// release and tag_variance stay with analyze_release() / analyze_head(), per
// selected sink or head. With a TagScope of one head, the other heads' sinks
// keep only their catch fields (tag empty, tag_norm 0): the live view shows
// tags of the selected head only.
#pragma once
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "analysis/analysis.h"
#include "analysis/pattern.h"

namespace ss {

struct TagScope {
  bool all = true;            // every sink gets its tag (what analyze() does)
  int layer = -1, head = -1;  // when !all: only the sinks of this head
  bool covers(int l, int h) const { return all || (l == layer && h == head); }
  static TagScope only(int l, int h) { return TagScope{false, l, h}; }
};

class IncrementalAnalysis {
 public:
  // `taps` must come from one forward pass of `ids` on `model` without hooks
  // (the live engine's). The first rows that `ids` shares with the previous
  // call's ids (same model, weights version and settings) are reused.
  const Analysis& update(const Model& model, const Taps& taps, std::span<const int32_t> ids,
                         const AnalysisSettings& settings, const std::vector<std::string>* texts = nullptr,
                         TagScope scope = {});
  const Analysis& analysis() const { return an_; }
  void reset();
  // Magnitudes kept sorted on each side of a layer's median (the window above
  // is 2x this); tests make it tiny so that edits leave it and rebuild it.
  explicit IncrementalAnalysis(size_t median_window = 2048) : median_window_(median_window) {}

  // Residual rows of resid_post, per layer l and token i (what the residual
  // view plots): ||h_i|| and max_j |h_ij|.
  const std::vector<float>& resid_norm() const { return resid_norm_; }  // [L, T]
  const std::vector<float>& resid_max() const { return resid_max_; }    // [L, T]

  struct Stats {
    int64_t updates = 0, resets = 0;
    int last_prefix = 0;         // rows reused by the last update
    int64_t rows_reused = 0, rows_computed = 0;
    int64_t window_edits = 0, window_rebuilds = 0;  // median windows edited in place / rebuilt, all layers
  };
  const Stats& stats() const { return stats_; }

 private:
  struct HeadRows {
    std::vector<std::vector<double>> snap;  // snap[j]: column sums of rows [0, 64 (j + 1)), size 64 (j + 1)
    std::vector<double> col;                // [T] column sums of rows [0, col_rows)
    int col_rows = 0;
    std::vector<std::vector<int>> keys;     // [T] keys k <= i with A[i, k] >= catch_tau, ascending
  };
  struct LayerRows {
    std::vector<float> mag;      // [T, d] |resid_post|
    // The sorted magnitudes are kept only near their median, which is all
    // the outlier ratios need: `win` holds every magnitude in [lo, hi),
    // ascending, and `below` counts those under lo. An edit moves a row or
    // two in or out; a median that leaves the window rebuilds it.
    std::vector<float> win;
    float lo = 0, hi = 0;
    size_t below = 0;
    bool has_window = false;
    std::vector<float> row_max;  // [T]
    std::vector<float> row_norm; // [T]
    std::vector<int> row_top;    // [T, k] columns of the row's top-k, by (|h| desc, column asc)
    std::vector<float> gone, gone_win, fresh_win;  // scratch, kept to skip reallocating
    std::vector<int> cols;                                // [d] scratch
  };
  struct TagRows {
    std::vector<float> tag;                  // [d]  v_key W_O^h
    float norm = 0;
    std::vector<float> alignment;            // [rows - key] cos(head_out[h, i], tag) for i >= key
    std::vector<std::vector<double>> proj;   // [L - layer][rows] resid_post_l[i] . tag / |tag|
  };

  int common_prefix(const Model& model, std::span<const int32_t> ids, const AnalysisSettings& st) const;
  void update_head(HeadRows& hr, const LayerPattern& A, int h, int T, int p, float tau);
  void update_layer(LayerRows& lr, const Tensor& resid, int layer, int T, int p, int k, LayerMassive& out,
                    const AnalysisSettings& st);
  void rebuild_window(LayerRows& lr, size_t first, size_t mid);
  void edit_window(LayerRows& lr, std::span<const float> gone, std::span<const float> fresh);
  void fill_tag(const Model& model, const Taps& taps, Sink& s, int p);

  Analysis an_;
  std::vector<HeadRows> heads_;    // [L * H]
  std::vector<LayerRows> layers_;  // [L]
  std::map<std::tuple<int, int, int>, TagRows> tags_;  // (layer, head, key)
  std::vector<float> resid_norm_, resid_max_;           // [L, T]
  std::vector<float> spare_;  // [T * d] scratch of the median selections, shared by the layers
  std::vector<float> block_;  // [128, T] pattern rows of one head (update_head)
  // What the kept state was computed from.
  const Model* model_ = nullptr;
  uint64_t weights_version_ = 0;
  std::string model_name_;
  float tau_ = 0;
  int top_k_ = 0;
  std::vector<int32_t> ids_;
  Stats stats_;
  size_t median_window_;
};

}  // namespace ss
