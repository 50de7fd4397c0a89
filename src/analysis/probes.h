// Tag probes (docs/metrics.md, "Tag probes: probes"): does a sink head's tag
// subspace tell which span a token was caught in? Linear probes (multinomial
// logistic regression) on resid_post of the head's layer, projected four
// ways: onto the head's tag subspace, its orthogonal complement, the full
// residual, a random subspace of the tag subspace's size.
//
// Pure functions of (Model, Taps of each window, labels): the CLI runs the
// forward passes, the app can hand in the taps it already has. Taps read:
// attn_pattern (catch target), resid_post and head_out (or z) of the head's
// layer.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analysis/analysis.h"

namespace ss {

// Defaults: docs/metrics.md (probe_tag_dims, probe_steps, probe_l2, probe_seed).
struct ProbeSettings {
  int tag_dims = 2;      // k: principal directions of head_out in the tag subspace (and the random one's size)
  int steps = 300;       // Nesterov gradient steps per fit
  double l2 = 1e-2;      // L2 penalty on the weights (not the bias), on the mean cross-entropy
  uint64_t seed = 1234;  // the random subspace's splitmix64 seed
};

// The four probes, in this order everywhere (JSON keys: probe_space_name()).
enum class ProbeSpace { Tag = 0, Complement = 1, Full = 2, Random = 3 };
constexpr int kProbeSpaces = 4;
const char* probe_space_name(int space);  // "tag", "complement", "full", "random"

struct ProbeResult {
  int layer = 0, head = 0;
  std::string target;                  // "catch" (which sink kind caught it) or "labels" (the user's A/B)
  std::vector<std::string> classes;    // [C]  class names, in class-index order
  std::vector<int> class_counts;       // [C]  probe tokens per class
  int n_tokens = 0;                    // probe tokens, all folds together
  int n_folds = 0;                     // held-out folds: windows (catch) or tokens (labels)
  int tag_dims = 0;                    // k used: the fewest over folds (fewer when head_out has fewer directions)
  float chance = 0;                    // share of the most frequent class
  std::array<float, kProbeSpaces> accuracy{};  // held-out accuracy per ProbeSpace
};

// One window of the probe set: its taps and (optional) token texts [T], which
// decide sink kinds (nullptr: every sink but key 0 is "other").
struct ProbeWindow {
  const Taps* taps = nullptr;
  const std::vector<std::string>* texts = nullptr;
};

// Catch target over windows, held out one window at a time.
ProbeResult probe_catch(const Model& model, const std::vector<ProbeWindow>& windows, int layer, int head,
                        const AnalysisSettings& settings, const ProbeSettings& probe);

// The user's labels [T] of one window (0 = A, 1 = B, -1 = unlabelled), held
// out one labelled token at a time.
ProbeResult probe_labels(const Model& model, const Taps& taps, int layer, int head, const std::vector<int>& labels,
                         const ProbeSettings& probe);

// The heads the CLI probes by default (docs/metrics.md, "Which heads"): the
// max_heads heads with the most queries caught after sinks at keys > 0, else
// the strongest sink head; (layer, head) pairs, the first pick first.
std::vector<std::pair<int, int>> default_probe_heads(const Analysis& an, int max_heads = 4);

// --- Building blocks, exposed for the tests ---------------------------------

// Catch classes: 0 none, 1 bos, 2 punctuation, 3 newline, 4 other.
constexpr int kCatchClasses = 5;
const char* catch_class_name(int c);
// label(i) of every query of one head's pattern A [T, T] (docs/metrics.md):
// [T], position 0 = -1 (never probed).
std::vector<int> catch_labels(const float* A, int T, const AnalysisSettings& settings,
                              const std::vector<std::string>* texts);

// The probe's data: one row per token.
struct ProbeData {
  std::vector<float> resid;     // [n, d]  resid_post of the head's layer
  std::vector<float> head_out;  // [n, d]  the head's output (for the tag subspace)
  std::vector<int> label;       // [n]     class index in [0, C)
  std::vector<int> fold;        // [n]     held-out group: tokens of one fold are predicted together
  int d = 0;
  int n() const { return int(label.size()); }
};
// Fits and scores the four probes, each fold held out in turn; fills
// accuracy, chance, class_counts, n_tokens, n_folds and tag_dims of `out`.
void run_probes(const ProbeData& data, int n_classes, const ProbeSettings& probe, ProbeResult& out);

// [d, k] orthonormal columns, row-major: Gram-Schmidt of standard normal
// vectors (Box-Muller over splitmix64(seed)); the same on every platform.
std::vector<double> random_basis(int d, int k, uint64_t seed);

}  // namespace ss
