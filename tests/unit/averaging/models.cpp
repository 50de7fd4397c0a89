// The shipped averaging models (models/averaging-*/, training/averaging.py): the C++
// forward equals the PyTorch golden file (3 fixed sequences) to 1e-4 (and a position
// table, where a model has one, is really used); and the averaging models' acceptance
// criteria on the seeds that formed the mechanism: on the reference inputs
// (tests/data/reference_metrics, training/reference_metrics.py) the layer-0 head's [SEP]
// sink catches exactly the segment after it, tag_alignment >= 0.9 on the caught tokens,
// a layer-1 head puts >= 0.8 of its attention on them, each number within 1% of the
// Python reference.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "core/file.h"
#include "engine/backend.h"
#include "model/loader.h"
#include "support/analysis_parity.h"
#include "support/engine_util.h"

using namespace ss;
using namespace ss::testing;

namespace {

std::vector<std::string> averaging_models() {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(SINKSCOPE_SOURCE_DIR) + "/models")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("averaging-", 0) == 0 && fs::exists(e.path() / "golden.safetensors")) out.push_back(e.path().string());
  }
  return out;
}

Golden golden_of(const std::string& dir) {
  Golden g;
  auto f = MappedFile::open(dir + "/golden.safetensors");
  if (f) g.file = std::move(*f);
  auto st = SafeTensors::parse(g.file.bytes(), "golden");
  if (st) g.st = std::move(*st);
  return g;
}

}  // namespace

TEST_CASE("averaging models: C++ forward equals the PyTorch golden", "[averaging_models]") {
  const auto dirs = averaging_models();
  REQUIRE(!dirs.empty());  // the models are shipped in the repo: none found is a failure
  auto backend = make_cpu_backend();
  for (const auto& dir : dirs) {
    INFO(dir);
    auto model = load_model_dir(dir);
    INFO((model ? "loaded" : model.error().message));
    REQUIRE(model.ok());
    REQUIRE(model->config.family == Family::Averaging);
    if (model->config.learned_pos)
      REQUIRE(model->weights.pos_emb.shape == std::vector<int64_t>{model->config.max_positions, model->config.d_model});
    Golden g = golden_of(dir);
    REQUIRE(g.st.entries().size() > 0);
    for (int s = 0; s < 3; ++s) {
      const std::string p = "s" + std::to_string(s) + ".";
      Tensor inputs = g.get(p + "inputs");  // [T, input_width]
      REQUIRE(inputs.rank() == 2);
      REQUIRE(inputs.dim(1) == model->config.input_width);
      Taps taps;
      auto r = backend->forward_inputs(*model, inputs, {}, {}, taps);
      INFO("seq " << s << ": " << (r ? "" : r.error().message));
      REQUIRE(r.ok());
      CHECK(max_abs_diff(*taps.get("logits"), g.get(p + "logits")) <= 1e-4);
      for (int l = 0; l < model->config.n_layers; ++l) {
        INFO("layer " << l);
        CHECK(max_abs_diff(*taps.get(l, "attn_pattern"), g.get(p + "blocks." + std::to_string(l) + ".attn_pattern")) <= 1e-4);
        CHECK(max_abs_diff(*taps.get(l, "resid_pre"), g.get(p + "blocks." + std::to_string(l) + ".resid_pre")) <= 1e-4);
      }
    }
    if (!model->config.learned_pos) continue;
    // Without P the model is a different function: the predictions move by far more than 1e-4.
    Model no_pos = *model;
    for (float& v : no_pos.weights.pos_emb.data) v = 0.0f;
    Taps a, b;
    Tensor inputs = g.get("s0.inputs");
    REQUIRE(backend->forward_inputs(*model, inputs, {}, {}, a).ok());
    REQUIRE(backend->forward_inputs(no_pos, inputs, {}, {}, b).ok());
    CHECK(max_abs_diff(*a.get("logits"), *b.get("logits")) > 1e-2);
  }
}

namespace {

struct Mechanism {
  int sep = -1;                 // the [SEP]'s position
  int span_begin = 0, span_end = 0;  // catch_span of the layer-0 sink on the [SEP] (0, 0 = no such sink)
  double tag_alignment = 0;     // mean over its caught tokens after the [SEP]
  double release = 0;           // max over layer-1 heads of mass_caught
};

// From the C++ analysis.
Mechanism mechanism_of(const Analysis& an, int sep) {
  Mechanism m;
  m.sep = sep;
  for (const Sink& s : an.sinks) {
    if (s.layer != 0 || s.key != sep) continue;
    m.span_begin = s.span_begin, m.span_end = s.span_end;
    int n = 0;
    for (int i : s.caught)
      if (i > sep) m.tag_alignment += s.tag_alignment[size_t(i - sep)], ++n;  // element i - key is query i
    m.tag_alignment = n ? m.tag_alignment / n : 0.0;
    for (const Release& r : s.release) m.release = std::max(m.release, double(r.mass_caught));
  }
  return m;
}

// The same numbers from the Python reference's sink list.
Mechanism mechanism_of(const nlohmann::json& metrics, int sep) {
  Mechanism m;
  m.sep = sep;
  for (const auto& s : metrics["sinks"]) {
    if (s["layer"].get<int>() != 0 || s["key"].get<int>() != sep) continue;
    m.span_begin = s["catch_span"][0].get<int>(), m.span_end = s["catch_span"][1].get<int>();
    int n = 0;
    for (const auto& iv : s["caught"]) {
      const int i = iv.get<int>();
      if (i > sep) m.tag_alignment += s["tag_alignment"][size_t(i)].get<double>(), ++n;
    }
    m.tag_alignment = n ? m.tag_alignment / n : 0.0;
    for (const auto& r : s["release"]) m.release = std::max(m.release, r["mass_caught"].get<double>());
  }
  return m;
}

}  // namespace

TEST_CASE("averaging: shipped seeds catch, tag and release C++ within 1% of Python", "[averaging_models]") {
  const std::string root = SINKSCOPE_SOURCE_DIR;
  auto backend = make_cpu_backend();
  // formed: the [SEP] catches its segment; contrast: solved without a catch.
  for (const auto& [name, formed] : std::vector<std::pair<std::string, bool>>{
           {"averaging-bos-8", true}, {"averaging-d32-13", true}, {"averaging-bos-10", false}}) {
    INFO(name);
    auto model = load_model_dir(root + "/models/" + name);
    REQUIRE(model.ok());
    auto ref = test::read_json(root + "/tests/data/reference_metrics/" + name + ".json");
    REQUIRE(ref["cases"].size() == 3);
    for (const auto& c : ref["cases"]) {
      auto rows = c["inputs"].get<std::vector<std::vector<float>>>();
      const int T = int(rows.size()), W = int(rows[0].size());
      REQUIRE(W == model->config.input_width);
      Tensor x({T, W});
      int sep = -1;
      for (int t = 0; t < T; ++t) {
        for (int j = 0; j < W; ++j) x.at(t, j) = rows[size_t(t)][size_t(j)];
        if (rows[size_t(t)][size_t(model->config.d_input)] == 1.f) sep = t;
      }
      REQUIRE(sep > 0);
      Taps taps;
      REQUIRE(backend->forward_inputs(*model, x, {}, {}, taps).ok());
      AnalysisSettings st;
      st.release_max_sinks = -1;
      const Mechanism cpp = mechanism_of(analyze(*model, taps, st), sep), py = mechanism_of(c["metrics"], sep);
      INFO("[SEP] at " << sep << ": C++ span [" << cpp.span_begin << ", " << cpp.span_end << "), tag_alignment "
                       << cpp.tag_alignment << ", release " << cpp.release << "; Python span [" << py.span_begin
                       << ", " << py.span_end << "), " << py.tag_alignment << ", " << py.release);
      CHECK(cpp.span_begin == py.span_begin);
      CHECK(cpp.span_end == py.span_end);
      CHECK(std::fabs(cpp.tag_alignment - py.tag_alignment) <= 0.01 * std::fabs(py.tag_alignment) + 1e-9);
      CHECK(std::fabs(cpp.release - py.release) <= 0.01 * std::fabs(py.release) + 1e-9);
      if (formed) {
        CHECK(cpp.span_begin == sep + 1);  // catch span = the segment: every vector after the [SEP]
        CHECK(cpp.span_end == T);
        CHECK(cpp.tag_alignment >= 0.9);
        CHECK(cpp.release >= 0.8);
      } else {
        CHECK(cpp.span_end - cpp.span_begin < T - sep - 1);  // no catch of the segment
      }
    }
  }
}
