// The shipped averaging models with learned positions (models/averaging-*/ whose
// config.json says "position_embedding": "learned"; training/averaging.py): the C++
// forward equals the PyTorch golden file (3 fixed sequences) to 1e-4, and the position
// table is really used (dropping it changes the predictions).
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "core/file.h"
#include "engine/backend.h"
#include "test_engine_util.h"

using namespace ss;
using namespace ss::testing;

namespace {

std::vector<std::string> positional_models() {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(SINKSCOPE_SOURCE_DIR) + "/models")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("averaging-", 0) != 0 || !fs::exists(e.path() / "config.json")) continue;
    auto text = read_text_file((e.path() / "config.json").string());
    if (text && text->find("\"position_embedding\": \"learned\"") != std::string::npos)
      out.push_back(e.path().string());
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

TEST_CASE("averaging models with positions: C++ forward equals the PyTorch golden", "[averaging_models]") {
  const auto dirs = positional_models();
  REQUIRE(!dirs.empty());  // the models are shipped in the repo: none found is a failure
  auto backend = make_cpu_backend();
  for (const auto& dir : dirs) {
    INFO(dir);
    auto model = load_model_dir(dir);
    INFO((model ? "loaded" : model.error().message));
    REQUIRE(model.ok());
    REQUIRE(model->config.family == Family::Averaging);
    REQUIRE(model->config.learned_pos);
    REQUIRE(model->weights.pos_emb.shape == std::vector<int64_t>{model->config.max_positions, model->config.d_model});
    Golden g = golden_of(dir);
    REQUIRE(g.st.entries().size() > 0);
    for (int s = 0; s < 3; ++s) {
      const std::string p = "s" + std::to_string(s) + ".";
      Tensor inputs = g.get(p + "inputs");  // [T, d_input + 1]
      REQUIRE(inputs.rank() == 2);
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
