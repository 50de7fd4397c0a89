// A forward pass's outcome in the form the panels compare (before/after):
// the prompt's loss, the next-token top-k, and the selected head's pattern.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/taps.h"
#include "model/weights.h"

namespace ss {
class Tokenizer;
}

namespace ss::explorer {

struct TopToken {
  int32_t id = 0;
  std::string text;   // display text
  float prob = 0;
};

struct RunSummary {
  float loss = 0;                 // mean next-token cross-entropy over the prompt (nats)
  std::vector<TopToken> next;     // top-k at the last position
  std::vector<float> pattern;     // [T, T] attention of the selected head
};

// Per-row log-normalisers of logits [T, V], kept across edits of the live
// prompt: rows of an unchanged prefix keep their logits, so typing costs the
// new rows. The same arithmetic as a fresh computation, so the same loss.
struct LossRows {
  std::vector<int32_t> ids;  // [T] the ids the rows below belong to
  const void* model = nullptr;
  uint64_t version = 0;
  std::vector<float> max;    // [T] max of logits row i
  std::vector<double> logz;  // [T] log sum_j exp(logits[i, j] - max)
};

// loss and top-k next tokens from the taps' logits (rows of `rows` reused
// where its ids, model and weights version match; pass a fresh LossRows for
// a one-off). The pattern is left to head_pattern().
RunSummary summarize(const Taps& taps, const std::vector<int32_t>& ids, const Tokenizer* tok, LossRows& rows,
                     const void* model, uint64_t version);

// The pattern [T, T] of (layer, head): attn_pattern's, or recomputed from
// q, k and attn_lse when the pass kept the compact taps (analysis/pattern.h:
// T^2 dh multiply-adds, tens of ms at T = 2048); empty when neither is there.
std::vector<float> head_pattern(const Model& model, const Taps& taps, int layer, int head);

}  // namespace ss::explorer
