#include "analysis/compress_run.h"

#include <algorithm>
#include <chrono>
#include <span>

namespace ss {

CompressionRun::CompressionRun(const Model& base, const CompressSpec& spec, std::vector<std::vector<int32_t>> windows,
                               const AnalysisSettings& settings, int chunk_tokens)
    : base_(base), spec_(spec), windows_(std::move(windows)), st_(settings), chunk_(std::max(1, chunk_tokens)) {
  const int L = base.config.n_layers, H = base.config.n_heads;
  rep_.n_layers = L, rep_.n_heads = H;
  rep_.sink0_before.assign(size_t(L) * H, 0.f), rep_.sink0_after.assign(size_t(L) * H, 0.f);
  rep_.share_before.assign(L, 0.f), rep_.share_after.assign(L, 0.f);
  count_compressed_params(rep_, base, spec);
  blocks_ = compress_blocks_per_layer(base.config, spec) * L;
  for (const auto& w : windows_) total_tokens_ += int64_t(w.size());
  // What compare_compression() analyses: patterns and logits only.
  st_.tag_variance = false, st_.release_max_sinks = 0;
  if (windows_.empty()) error_ = "compression: no held-out windows", done_ = true;
}

float CompressionRun::progress() const {
  if (done_) return 1.f;
  // Weights and the two forward passes weigh about the same on demo-lm.
  const double w = blocks_ ? double(next_block_) / blocks_ : 1.0;
  const double f = total_tokens_ ? double(tokens_done_) / (2.0 * total_tokens_) : 1.0;
  return float(0.5 * w + 0.5 * f);
}

bool CompressionRun::unit() {
  if (!comp_) {
    comp_ = std::make_unique<Model>(base_);
    return true;
  }
  if (next_block_ < blocks_) {
    compress_block(*comp_, base_, spec_, next_block_++);
    if (next_block_ == blocks_) comp_->weights.version = base_.weights.version + 1;
    return true;
  }
  if (which_ > 1) return false;
  const Model& m = which_ ? *comp_ : base_;
  const std::vector<int32_t>& ids = windows_[window_];
  const int n = std::min<int>(int(ids.size()), tokens_ + chunk_);
  TapFilter f;
  f.all = false;
  f.names = {"attn_pattern", "logits"};
  auto taps = engines_[which_].run(m, std::span<const int32_t>(ids.data(), n), {}, f);
  if (!taps) {
    error_ = taps.error().message;
    return false;
  }
  tokens_done_ += n - tokens_;
  tokens_ = n;
  if (n < int(ids.size())) return true;
  // The window is complete: exactly compare_compression()'s accumulation.
  const Tensor* logits = (*taps)->get("logits");
  if (!logits) {
    error_ = "compression: backend returned no logits";
    return false;
  }
  const float nw = float(windows_.size());
  const float loss = next_token_loss(*logits, ids);
  (which_ ? rep_.loss_after : rep_.loss_before) += loss / nw;
  auto& s0 = which_ ? rep_.sink0_after : rep_.sink0_before;
  auto& sh = which_ ? rep_.share_after : rep_.share_before;
  const int L = rep_.n_layers, H = rep_.n_heads;
  // Only sink_score(0) and the Sink_1 share are reported: sink_scores() per
  // head gives exactly analyze()'s values without its per-sink work.
  for (int l = 0; l < L; ++l) {
    const Tensor* A = (*taps)->get(l, "attn_pattern");  // [H, T, T]
    if (!A) continue;
    const int T = int(A->dim(1));
    const float u0 = T > 0 ? uniform_scores(T)[0] : 0.f;
    int with0 = 0;
    for (int h = 0; h < H; ++h) {
      const float sc0 = T > 0 ? sink_scores(A->ptr() + size_t(h) * T * T, T)[0] : 0.f;
      if (T > 0 && is_sink(sc0, u0, 0, T, st_, st_.sink1_eps)) ++with0;  // the Sink_1 share's rule
      s0[l * H + h] += sc0 / nw;
    }
    sh[l] += (H ? float(with0) / H : 0.f) / nw;
  }
  tokens_ = 0;
  if (++window_ == int(windows_.size())) window_ = 0, ++which_;
  return which_ <= 1;
}

bool CompressionRun::step(double budget_ms) {
  if (done_) return true;
  using clk = std::chrono::steady_clock;
  const auto t0 = clk::now();
  do {
    if (!unit()) {
      done_ = true;
      comp_.reset();  // tens of MB on demo-lm; the report is what stays
      engines_[0] = Engine{}, engines_[1] = Engine{};
      return true;
    }
  } while (std::chrono::duration<double, std::milli>(clk::now() - t0).count() < budget_ms);
  return false;
}

}  // namespace ss
