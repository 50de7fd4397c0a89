#include "explorer/compression.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "analysis/compress_run.h"
#include "explorer/session.h"
#include "explorer/ui_state.h"
#include "explorer/view.h"

namespace ss::explorer {

namespace {
// Held-out text for the compression comparison: written for this purpose, so
// it is in no training corpus; two windows of 48 tokens from BOS.
constexpr const char* kHeldOut =
    "The harbour was quiet in the early morning. A few boats rocked at their moorings, and the gulls waited on "
    "the wall for the fishermen to come back. Nobody spoke much; the baker opened his shutters, the ferry bell "
    "rang twice, and a child ran down the steps with a letter in her hand. By noon the wind had turned, the "
    "clouds came in from the sea, and the whole town smelled of rain and tar.";
constexpr int kHeldOutWindow = 48, kHeldOutWindows = 2;
}  // namespace

// Compression runs per (kind, sparsity %, ratio %), for one model.
struct Runs {
  std::shared_ptr<const void> hold;
  const Model* model = nullptr;
  uint64_t version = 0;
  std::vector<std::vector<int32_t>> heldout;  // windows of the held-out text, [n][<= 48]
  std::map<std::tuple<int, int, int>, std::unique_ptr<CompressionRun>> runs;
};

CompressionView explorer_compression(AppState& s, double budget_ms) {
  static Runs c;
  ExplorerUi& ui = explorer_ui();
  CompressionView out;
  out.sparsity = std::clamp(std::round(ui.sparsity * 20.0f) / 20.0f, 0.0f, 0.95f);  // 5% steps: cache keys
  out.ratio = std::clamp(std::round(ui.rank_ratio * 20.0f) / 20.0f, 0.05f, 2.0f);
  if (!s.model) return out;
  const Model& m = s.model->model;
  const ModelConfig& mc = m.config;
  out.rank = oats_rank(mc.d_model, mc.d_model, out.sparsity, out.ratio);
  if (c.model != &m || c.version != m.weights.version || c.hold != s.model) {
    c.runs.clear();
    c.hold = s.model;
    c.model = &m;
    c.version = m.weights.version;
    c.heldout.clear();
    Tokens t = s.model->tokenizer.encode(kHeldOut, true);
    for (int w = 0; w < kHeldOutWindows; ++w) {
      const size_t b = size_t(w) * (kHeldOutWindow - 1) + 1;  // each window: BOS + the next 47 tokens
      if (t.ids.empty() || b >= t.ids.size()) break;
      std::vector<int32_t> ids = {t.ids[0]};
      for (size_t i = b; i < t.ids.size() && ids.size() < size_t(kHeldOutWindow); ++i) ids.push_back(t.ids[i]);
      c.heldout.push_back(std::move(ids));
    }
  }
  const int ps = int(std::lround(out.sparsity * 100)), pr = int(std::lround(out.ratio * 100));
  double left = budget_ms;
  for (int kind = 0; kind < 3; ++kind) {
    CompressSpec sp;
    sp.kind = kCompressKinds[kind];
    sp.rank = -1, sp.sparsity = out.sparsity, sp.ratio = out.ratio;
    auto& run = c.runs[{kind, ps, sp.kind == CompressKind::LowRank ? pr : 0}];
    // Two tokens per forward slice: a few ms each in wasm on demo-lm.
    if (!run) run = std::make_unique<CompressionRun>(m, sp, c.heldout, analysis_settings(s), 2);
    if (!run->done() && left > 0) {
      auto t0 = std::chrono::steady_clock::now();
      run->step(left);
      left -= std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
    out.progress[kind] = run->progress();
    if (run->done()) {
      if (!run->error().empty()) out.error = run->error();
      else out.report[kind] = &run->report();
    }
  }
  return out;
}

}  // namespace ss::explorer
