// Prompt length limits: a pasted 100,000-character text is cut to the model's
// context (max_position_embeddings) before the forward pass, and the app says
// so in the status bar instead of failing (learned positions) or running a
// quadratic attention over tens of thousands of tokens (RoPE).
#pragma once
#include <cstdint>
#include <string>

#include "model/config.h"
#include "tokenizer/tokenizer.h"

namespace ss::explorer {

// Tokens the app runs at most; configs without max_positions get this cap.
inline constexpr int kDefaultContext = 2048;

// Bytes of one [H, T, T] tap over every layer (the attention patterns).
inline double square_tap_bytes(const ModelConfig& c, size_t T) {
  return double(c.n_layers) * c.n_heads * double(T) * double(T) * sizeof(float);
}
// Past this, the live pass keeps the compact taps (engine/taps.h
// compact_tap_filter: patterns recomputed on demand) instead of every tap:
// demo-lm (8 x 6 heads, context 512) never crosses it; a 12 x 12-head model
// does at T = 683.
// 256 MB: a quarter of the page's 1 GB, the rest being weights and the
// [T, d] taps.
inline constexpr double kSquareTapBudget = 256.0 * 1024 * 1024;
inline bool long_prompt(const ModelConfig& c, size_t T) { return square_tap_bytes(c, T) > kSquareTapBudget; }
// The longest prompt that is not long_prompt().
inline size_t max_intervention_tokens(const ModelConfig& c) {
  size_t T = 1;
  while (!long_prompt(c, T + 1)) ++T;
  return T;
}

inline int context_limit(const ModelConfig& c) { return c.max_positions > 0 ? c.max_positions : kDefaultContext; }

// Keeps the first `limit` tokens (BOS included); returns the notice to show,
// empty when nothing was cut. `text_bytes` is the prompt's size in bytes.
inline std::string truncate_to_context(Tokens& t, int limit, size_t text_bytes) {
  if (limit <= 0 || t.ids.size() <= static_cast<size_t>(limit)) return {};
  const size_t total = t.ids.size();
  t.ids.resize(static_cast<size_t>(limit));    // [limit]
  t.ranges.resize(static_cast<size_t>(limit)); // [limit]
  const size_t kept_bytes = static_cast<size_t>(t.ranges.back().second);
  return "prompt truncated to the model's context of " + std::to_string(limit) + " tokens (it has " +
         std::to_string(total) + "); the last " + std::to_string(text_bytes - kept_bytes) +
         " bytes are not analysed";
}

}  // namespace ss::explorer
