// key_dimensions (src/analysis/key_dims.h): the per-dimension split of a
// sink's pre-softmax score sums to q . k exactly, in every family (RMSNorm +
// RoPE + GQA, LayerNorm + biases, partial rotary), and a planted massive
// activation that builds the key is the top dimension and is flagged.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "core/tensor_storage.h"
#include "analysis/key_dims.h"
#include "analysis/report_second_half.h"
#include "engine/engine.h"
#include "model/loader.h"
#include "support/analysis_fixtures.h"

using namespace ss;

namespace {

// An independent k_s in float64, written from docs/metrics.md: norm, W_K, b_K,
// then RoPE at position s (rotate-half on the first rotary_dim dims).
std::vector<double> reference_key(const Model& m, int layer, int head, const float* x, int s) {
  const ModelConfig& c = m.config;
  const LayerWeights& w = m.weights.layers[layer];
  const Tensor wk = to_f32(w.wk);  // [Hkv*dh, d] (loaded 16-bit)
  const int d = c.d_model, dh = c.d_head, g = head / (c.n_heads / c.n_kv_heads);
  std::vector<double> n(x, x + d);  // [d]
  if (!w.ln1_w.empty()) {
    double mean = 0, sq = 0;
    for (int j = 0; j < d; ++j) mean += x[j];
    mean /= d;
    const bool ln = c.norm == NormKind::LayerNorm;
    for (int j = 0; j < d; ++j) sq += ln ? (x[j] - mean) * (x[j] - mean) : double(x[j]) * x[j];
    const double inv = 1.0 / std::sqrt(sq / d + c.norm_eps);
    for (int j = 0; j < d; ++j)
      n[j] = (ln ? (x[j] - mean) : double(x[j])) * inv * w.ln1_w.data[j] + (w.ln1_b.empty() ? 0.0 : w.ln1_b.data[j]);
  }
  std::vector<double> k(dh, 0.0);  // [dh]
  for (int e = 0; e < dh; ++e) {
    for (int j = 0; j < d; ++j) k[e] += double(wk.at(g * dh + e, j)) * n[j];
    if (!w.bk.empty()) k[e] += w.bk.data[g * dh + e];
  }
  if (uses_rope(c)) {
    const std::vector<float> f = rope_frequencies(c);
    const int half = int(f.size());
    for (int i = 0; i < half; ++i) {
      const double a = k[i], b = k[i + half], ang = double(s) * f[i];
      k[i] = a * std::cos(ang) - b * std::sin(ang);
      k[i + half] = b * std::cos(ang) + a * std::sin(ang);
    }
  }
  return k;
}

// |a| (float64) of a float row.
double norm2(const float* a, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += double(a[i]) * a[i];
  return std::sqrt(s);
}

// Checks one sink's split: the terms and the bias sum to the score from the
// taps, to an independent float64 q . k, and per query to attn_scores. A
// float32 dot product is exact to its terms' scale |q| |k|, not to a score
// that cancels to near 0, so "1e-5 relative" is relative to c |q| |k|.
void check_split(const Model& m, const Taps& taps, int layer, int head, int key, int b, int e) {
  Sink s;
  s.layer = layer, s.head = head, s.key = key, s.span_begin = b, s.span_end = e;
  const KeyDimensions kd = key_dimensions(m, taps, s, AnalysisSettings{}, 5);
  REQUIRE(kd.contribution.size() == size_t(m.config.d_model));
  double sum = kd.bias;
  for (double c : kd.contribution) sum += c;
  const Tensor& q = *taps.get(layer, "q");  // [T, H, dh]
  const Tensor& kt = *taps.get(layer, "k");  // [T, Hkv, dh]
  const int T = int(q.dim(0)), H = int(q.dim(1)), dh = int(q.dim(2)), hkv = int(kt.dim(1));
  const double c = 1.0 / std::sqrt(double(dh));
  const float* x = taps.get(layer, "resid_pre")->ptr() + key * m.config.d_model;  // [d]
  const double knorm = norm2(kt.ptr() + (size_t(key) * hkv + head / (H / hkv)) * dh, dh);
  const int qb = std::max(b, key + 1) < e ? std::max(b, key + 1) : key, qe = std::max(b, key + 1) < e ? e : T;
  CHECK(kd.n_queries == qe - qb);
  double qnorm = 0;  // mean |q_i| over the query set
  for (int i = qb; i < qe; ++i) qnorm += norm2(q.ptr() + (size_t(i) * H + head) * dh, dh) / (qe - qb);
  INFO("layer " << layer << " head " << head << " key " << key << ": score " << kd.score << " sum " << sum
                << " scale c|q||k| " << c * qnorm * knorm);
  CHECK(std::fabs(sum - kd.score) <= 1e-5 * c * qnorm * knorm);
  // The identity itself, in float64 against a key written independently.
  const std::vector<double> k = reference_key(m, layer, head, x, key);
  double ref = 0;
  for (int i = qb; i < qe; ++i)
    for (int j = 0; j < dh; ++j) ref += double(q.at(i, head, j)) * k[j] * c / (qe - qb);
  CHECK(std::fabs(sum - ref) <= 1e-6 * c * qnorm * knorm);
  // One query at a time: key_contributions closes on the engine's attn_scores.
  const Tensor& S = *taps.get(layer, "attn_scores");  // [H, T, T]
  for (int i = key; i < T; ++i) {
    std::vector<double> qi(dh);  // [dh]
    for (int j = 0; j < dh; ++j) qi[j] = q.at(i, head, j);
    double bias = 0, one = 0;
    for (double v : key_contributions(m, layer, head, qi.data(), x, key, &bias)) one += v;
    CHECK(std::fabs(one + bias - S.at(head, i, key)) <= 1e-5 * c * norm2(q.ptr() + (size_t(i) * H + head) * dh, dh) * knorm);
  }
}

}  // namespace

TEST_CASE("key_dimensions: the split sums to q . k in every family", "[key_dims]") {
  for (const char* family : {"llama", "gpt2", "neox", "neox_seq"}) {
    INFO(family);
    auto m = load_model_dir(std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/tiny/" + family);
    REQUIRE(m.ok());
    Engine engine;
    const std::vector<int32_t> ids{1, 17, 5, 42, 8, 8, 63, 2, 30, 11, 90, 4};
    auto taps = engine.run(*m, ids);
    REQUIRE(taps.ok());
    for (int l = 0; l < m->config.n_layers; ++l)
      for (int h = 0; h < m->config.n_heads; ++h) {
        check_split(*m, **taps, l, h, 0, 0, 6);    // caught span: queries 1..5
        check_split(*m, **taps, l, h, 3, 3, 9);    // a sink inside the prompt: queries 4..8
        check_split(*m, **taps, l, h, 7, 0, 0);    // nothing caught: every query >= 7
      }
  }
}

TEST_CASE("key_dimensions: a planted massive activation builds the sink's key", "[key_dims]") {
  // Attention only, no norm, no RoPE: q_0 = x_7 (a constant 1 feature), k_0 = x_3,
  // and token 0 has x_3 = 500 (|h| > 100 and > 1000 x the median).
  const int T = 10, d = 8;
  Model m = test::attention_only_model(4, d, 1, 1, 2);
  LayerWeights& w = m.weights.layers[0];
  std::mt19937 rng(5);
  std::normal_distribution<float> small(0.f, 0.1f);
  w.wq.at(0, 7) = 1.f;
  w.wk.at(0, 3) = 1.f;
  for (int j = 0; j < d; ++j) w.wk.at(1, j) = small(rng), w.wq.at(1, j) = small(rng);
  w.wk.at(1, 3) = 0.f;  // only k_0 reads dim 3: its contribution is exactly 500 / sqrt(dh)
  Tensor e({T, d});
  for (int t = 0; t < T; ++t)
    for (int j = 0; j < d; ++j) e.at(t, j) = j == 7 ? 1.f : small(rng);
  e.at(0, 3) = 500.f;
  const Taps taps = test::forward_attention_only(m, e);
  const Analysis an = analyze(m, taps, AnalysisSettings{});
  REQUIRE(!an.sinks.empty());
  REQUIRE(an.sinks[0].key == 0);
  const std::vector<KeyDimensions> kds = all_key_dimensions(m, taps, an, AnalysisSettings{}, 3);
  REQUIRE(kds.size() == an.sinks.size());
  const KeyDimensions& kd = kds[0];
  CHECK(kd.queries == "caught");
  CHECK(kd.n_queries == T - 1);
  REQUIRE(kd.top.size() == 3);
  CHECK(kd.top[0].dim == 3);
  CHECK(kd.top[0].massive);
  CHECK(kd.top[0].top_k);
  CHECK(kd.top[0].x == 500.f);
  CHECK(kd.top[0].contribution == Approx(500.0 / std::sqrt(2.0)).epsilon(1e-6));
  CHECK(kd.top[0].share > 0.99f);
  CHECK(!kd.top[1].massive);
  CHECK(kd.bias == 0.0);
  // ... and in the JSON, the dims by |contribution| with their flags.
  SecondHalf sh;
  sh.key_dimensions = kds;
  nlohmann::json j;
  add_second_half_json(sh, j);
  REQUIRE(j["key_dimensions"].size() == kds.size());
  CHECK(j["key_dimensions"][0]["queries"] == "caught");
  CHECK(j["key_dimensions"][0]["top"][0]["dim"] == 3);
  CHECK(j["key_dimensions"][0]["top"][0]["massive"] == true);
  CHECK(second_half_csv(sh).find("key_dim,0,0,0,,3,contribution,") != std::string::npos);
}
