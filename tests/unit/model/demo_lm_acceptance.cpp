// The model card's acceptance lines for the shipped demo LM, computed by sinkscope's
// own engine and analysis and compared with the training script's Python
// numbers (models/demo-lm/metrics.json, training/lm_metrics.py) within 1%:
// the same 256 held-out windows of BOS + 63 tokens
// (models/demo-lm/golden/eval_windows.safetensors).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/analysis.h"
#include "explorer/app_state.h"
#include "engine/backend.h"
#include "support/engine_util.h"
#include "tokenizer/tokenizer.h"

using namespace ss;
using namespace ss::testing;

namespace {

std::string demo_dir() { return std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm"; }

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// torch.median: the lower of the two middle values.
float lower_median(std::vector<float> v) {
  auto mid = v.begin() + (v.size() - 1) / 2;
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Per layer, over the model's held-out windows (golden/eval_windows.safetensors):
// the share of heads with sink_score(0) > eps and the BOS outlier ratio (max
// |resid_post| at position 0 over the layer's lower median |resid_post|), each
// checked against the model card's Python numbers (metrics.json's heldout_T64:
// shares within 0.01, ratios within 1%).
struct HeldOut {
  std::vector<double> share, ratio;  // [L]
};

HeldOut check_heldout_card(const std::string& dir) {
  auto model = load_model_dir(dir);
  REQUIRE(model.ok());
  const auto py = nlohmann::json::parse(slurp(dir + "/metrics.json"))["heldout_T64"];
  auto file = MappedFile::open(dir + "/golden/eval_windows.safetensors");
  REQUIRE(file.ok());
  auto st = SafeTensors::parse(file->bytes(), "eval_windows");
  REQUIRE(st.ok());
  const TensorEntry* e = st->find("ids");
  REQUIRE(e != nullptr);
  auto ids_f = SafeTensors::to_float(*e);
  REQUIRE(ids_f.ok());
  const int N = int(ids_f->dim(0)), T = int(ids_f->dim(1));
  REQUIRE(N == py["windows"].get<int>());
  const int L = model->config.n_layers, H = model->config.n_heads;
  const float eps = py["sink_eps"].get<float>();

  auto backend = make_cpu_backend();
  TapFilter filter;
  filter.all = false;
  filter.names = {"attn_pattern", "resid_post"};
  HeldOut out{std::vector<double>(L, 0.0), std::vector<double>(L, 0.0)};
  for (int w = 0; w < N; ++w) {
    std::vector<int32_t> ids(T);
    for (int t = 0; t < T; ++t) ids[t] = int32_t(ids_f->data[size_t(w) * T + t]);
    Taps taps;
    REQUIRE(backend->forward(*model, ids, {}, filter, taps).ok());
    for (int l = 0; l < L; ++l) {
      const Tensor& A = *taps.get(l, "attn_pattern");  // [H, T, T]
      for (int h = 0; h < H; ++h) out.share[l] += (sink_scores(A.ptr() + size_t(h) * T * T, T)[0] > eps) ? 1.0 / H : 0.0;
      const Tensor& r = *taps.get(l, "resid_post");  // [T, d]
      std::vector<float> absv(r.data.size());
      for (size_t i = 0; i < absv.size(); ++i) absv[i] = std::fabs(r.data[i]);
      const float bos_max = *std::max_element(absv.begin(), absv.begin() + r.dim(1));
      out.ratio[l] += bos_max / lower_median(std::move(absv));
    }
  }
  for (int l = 0; l < L; ++l) {
    out.share[l] /= N, out.ratio[l] /= N;
    INFO(dir << " layer " << l << ": share " << out.share[l] << ", BOS ratio " << out.ratio[l]);
    // Agreement with the Python numbers (rounded to 4 and 2 decimals there).
    CHECK(std::fabs(out.share[l] - py["share_sink0_per_layer"][l].get<double>()) <= 0.01);
    CHECK(std::fabs(out.ratio[l] / py["bos_ratio_per_layer"][l].get<double>() - 1.0) <= 0.01);
  }
  return out;
}

}  // namespace

TEST_CASE("demo-lm: sink shares and BOS outliers on held-out text match the Python report", "[demo-lm][acceptance]") {
  const HeldOut h = check_heldout_card(demo_dir());
  const int L = int(h.share.size());
  double best_share = 0, avg_share = 0, best_ratio = 0;
  for (int l = 0; l < L; ++l) {
    best_share = std::max(best_share, h.share[l]);
    best_ratio = std::max(best_ratio, h.ratio[l]);
    if (l > 0) avg_share += h.share[l] / (L - 1);
  }
  // The acceptance lines themselves.
  CHECK(best_share >= 0.8);
  CHECK(avg_share >= 0.3);
  CHECK(best_ratio >= 100.0);
}

// The twins' model cards (same script, same table) against the engine: what
// the cards say about sinks is what sinkscope measures, whatever it is.
TEST_CASE("sink-free twins: their model cards' sink shares and BOS ratios match the engine", "[twins][acceptance]") {
  for (const char* twin : {"demo-lm-gated", "demo-lm-sinklogit", "demo-lm-nobos"})
    check_heldout_card(std::string(SINKSCOPE_SOURCE_DIR) + "/models/" + twin);
}

TEST_CASE("demo-lm: the default prompt has a prompt-dependent sink catching >= 5 tokens", "[demo-lm][acceptance]") {
  auto model = load_model_dir(demo_dir());
  REQUIRE(model.ok());
  auto tok = Tokenizer::from_json(slurp(demo_dir() + "/tokenizer.json"));
  REQUIRE(tok.ok());
  std::string prompt = slurp(demo_dir() + "/default_prompt.txt");
  // The app opens on exactly this text, trailing newline included (the model card counts it).
  REQUIRE(explorer::AppState{}.prompt == prompt);
  const Tokens tokens = tok->encode(prompt, true);
  auto backend = make_cpu_backend();
  Taps taps;
  REQUIRE(backend->forward(*model, tokens.ids, {}, {}, taps).ok());
  AnalysisSettings settings;
  const Analysis an = analyze(*model, taps, settings);
  int best = 0, best_layer = -1, best_head = -1, best_key = -1;
  const int T = int(tokens.ids.size());
  for (int l = 0; l < model->config.n_layers; ++l)
    for (int h = 0; h < model->config.n_heads; ++h) {
      const float* A = taps.get(l, "attn_pattern")->ptr() + size_t(h) * T * T;
      for (int s = 1; s < T; ++s) {
        auto [b, e] = longest_run(caught_queries(A, T, s, settings.catch_tau));
        if (e - b > best) best = e - b, best_layer = l, best_head = h, best_key = s;
      }
    }
  INFO("best prompt-dependent catch: L" << best_layer << "H" << best_head << " key " << best_key << " span " << best);
  CHECK(best >= 5);
  // MODEL.md names it: L6H2, the opening quote at position 7; its catch span
  // [7, 25) is the sink itself and the 17 queries after it.
  CHECK(best_layer == 6);
  CHECK(best_head == 2);
  CHECK(best_key == 7);
  CHECK(best >= 18);
}
