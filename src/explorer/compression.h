// Compression (Interventions panel): at the parameter budget of sparsity p,
// the low-rank model (OATS rank rule), the OATS model (sparse + low rank) and
// the magnitude-pruned model against the base, per layer matrix, on fixed
// held-out text. Each (kind, p, ratio) is computed once, in slices of at most
// `budget_ms` per call (one call per frame while the panel shows), and cached;
// `report` is null until its run finished.
#pragma once
#include <string>

#include "analysis/compress.h"
#include "explorer/app_state.h"

namespace ss::explorer {

inline constexpr CompressKind kCompressKinds[3] = {CompressKind::LowRank, CompressKind::Oats, CompressKind::Sparse};
struct CompressionView {
  float sparsity = 0, ratio = 0;
  int rank = 0;                                  // low-rank model's rank of a d x d attention matrix
  float progress[3] = {0, 0, 0};                 // per kCompressKinds
  const CompressionReport* report[3] = {nullptr, nullptr, nullptr};
  std::string error;
};
CompressionView explorer_compression(AppState& s, double budget_ms);

}  // namespace ss::explorer
