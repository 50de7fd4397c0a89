// CompressionRun: compare_compression() for one spec, spread over many short
// steps so that a browser frame never waits for it (the live explorer's
// compression sliders; demo-lm's low-rank pass is ~200 SVDs and four forward
// passes). The work, in units of a few ms each:
//   1. copy the base model, then compress it one head block at a time
//   2. run the base and the compressed model over every window, a few tokens
//      per unit (an Engine per model extends its cache)
//   3. at the end of each window: its loss and sink maps, as compare_compression()
// The report matches compare_compression() on the same inputs (the chunked
// forward pass equals a full one within the engine's 1e-5).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "analysis/compress.h"
#include "engine/engine.h"

namespace ss {

class CompressionRun {
 public:
  // `base` must outlive the run (the caller keeps its model alive).
  CompressionRun(const Model& base, const CompressSpec& spec, std::vector<std::vector<int32_t>> windows,
                 const AnalysisSettings& settings, int chunk_tokens = 8);

  // Works until `budget_ms` have passed (at least one unit); true once finished.
  bool step(double budget_ms);
  bool done() const { return done_; }
  float progress() const;                  // [0, 1]
  const std::string& error() const { return error_; }
  const CompressionReport& report() const { return rep_; }
  const CompressSpec& spec() const { return spec_; }

 private:
  bool unit();  // one unit of work; false when nothing is left

  const Model& base_;
  CompressSpec spec_;
  std::vector<std::vector<int32_t>> windows_;
  AnalysisSettings st_;
  int chunk_;
  std::unique_ptr<Model> comp_;  // the compressed copy (dropped when done)
  int blocks_ = 0, next_block_ = 0;
  Engine engines_[2];            // base, compressed
  int which_ = 0, window_ = 0, tokens_ = 0;  // forward position: model, window, tokens done
  int64_t total_tokens_ = 0, tokens_done_ = 0;
  CompressionReport rep_;
  bool done_ = false;
  std::string error_;
};

}  // namespace ss
