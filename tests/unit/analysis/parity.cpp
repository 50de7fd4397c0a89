// C++ metrics vs the Python reference (training/reference_metrics.py) on the
// shipped averaging models. Their weights are read here with a minimal F32
// safetensors reader and run through the test's reference forward pass, so
// this checks the analysis code alone; the demo-lm parity (engine taps) is in
// analysis/parity_lm.cpp.
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>

#include "support/analysis_fixtures.h"
#include "support/analysis_parity.h"

using namespace ss;

namespace {
std::map<std::string, Tensor> read_f32_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  std::string raw((std::istreambuf_iterator<char>(f)), {});
  uint64_t n;
  std::memcpy(&n, raw.data(), 8);
  auto header = nlohmann::json::parse(raw.substr(8, n));
  std::map<std::string, Tensor> out;
  for (auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    REQUIRE(info["dtype"] == "F32");
    Tensor t(info["shape"].get<std::vector<int64_t>>());
    size_t b = info["data_offsets"][0];
    std::memcpy(t.ptr(), raw.data() + 8 + n + b, t.numel() * 4);
    out[name] = std::move(t);
  }
  return out;
}

Model load_averaging(const std::string& dir) {
  auto cfg = test::read_json(dir + "/config.json");
  const int din = cfg["d_input"], d = cfg["hidden_size"], L = cfg["num_hidden_layers"], H = cfg["num_attention_heads"],
            dh = cfg["head_dim"];
  Model m = test::attention_only_model(din, d, L, H, dh);
  auto t = read_f32_safetensors(dir + "/model.safetensors");
  const Tensor& emb = t.at("embed_in.weight");  // [d, C] -> tok_emb [C, d]; C = din + 1 (+ BOS) (+ constant)
  const int C = int(emb.dim(1));
  m.weights.tok_emb = Tensor({C, d});
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < C; ++j) m.weights.tok_emb.at(j, i) = emb.at(i, j);
  m.weights.lm_head = t.at("readout.weight");
  for (int l = 0; l < L; ++l) {
    auto p = "layers." + std::to_string(l) + ".self_attn.";
    m.weights.layers[l].wq = t.at(p + "q_proj.weight");
    m.weights.layers[l].wk = t.at(p + "k_proj.weight");
    m.weights.layers[l].wv = t.at(p + "v_proj.weight");
    m.weights.layers[l].wo = t.at(p + "o_proj.weight");
  }
  return m;
}
}  // namespace

TEST_CASE("analysis equals the Python reference on the averaging models", "[analysis][parity]") {
  for (const char* name : {"averaging-bos-8", "averaging-bos-10", "averaging-d32-13"}) {
    INFO(name);
    const std::string root = SINKSCOPE_SOURCE_DIR;
    Model m = load_averaging(root + "/models/" + name);
    auto ref = test::read_json(root + "/tests/data/reference_metrics/" + name + ".json");
    REQUIRE(ref["cases"].size() == 3);
    int sinks = 0;
    for (const auto& c : ref["cases"]) {
      auto rows = c["inputs"].get<std::vector<std::vector<float>>>();
      Tensor x({int64_t(rows.size()), int64_t(rows[0].size())});
      for (size_t i = 0; i < rows.size(); ++i)
        for (size_t j = 0; j < rows[i].size(); ++j) x.at(i, j) = rows[i][j];
      Taps taps = test::forward_attention_only(m, test::embed_inputs(m, x));
      AnalysisSettings st;
      st.release_max_sinks = -1;
      Analysis an = analyze(m, taps, st);
      sinks += test::compare_with_reference(an, c["metrics"], st, taps);
    }
    CHECK(sinks > 0);
  }
}
