// A model opened from files in memory (what the page hands over after a drop,
// a file dialog or a Hub download): single file and sharded give the same
// model as the folder on disk, and a failed open keeps the model that was there.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "core/file.h"
#include "core/url_query.h"
#include "explorer/app_state.h"
#include "explorer/open_files.h"
#include "explorer/session.h"
#include "explorer/url.h"
#include "engine/backend.h"
#include "model/safetensors.h"
#include "support/engine_util.h"

using namespace ss;

namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  auto f = MappedFile::open(path);
  REQUIRE(f.ok());
  return {f->bytes().begin(), f->bytes().end()};
}
std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// The entries `names` of `st`, byte for byte, as one safetensors file.
std::vector<uint8_t> shard(const SafeTensors& st, const std::vector<std::string>& names) {
  nlohmann::json h = nlohmann::json::object();
  std::vector<uint8_t> data;
  for (const std::string& n : names) {
    const TensorEntry* e = st.find(n);
    REQUIRE(e != nullptr);
    h[n] = {{"dtype", e->dtype_name}, {"shape", e->shape}, {"data_offsets", {data.size(), data.size() + e->bytes.size()}}};
    data.insert(data.end(), e->bytes.begin(), e->bytes.end());
  }
  const std::string hs = h.dump();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(uint64_t{hs.size()} >> (8 * i));
  out += hs;
  std::vector<uint8_t> file(out.begin(), out.end());
  file.insert(file.end(), data.begin(), data.end());
  return file;
}

struct TinyChars {
  const std::string dir = std::string(SINKSCOPE_SOURCE_DIR) + "/tests/data/models/tiny-chars";
  std::vector<uint8_t> config = read_bytes(dir + "/config.json"), tokenizer = read_bytes(dir + "/tokenizer.json"),
                       weights = read_bytes(dir + "/model.safetensors");
  std::vector<uint8_t> shard1, shard2, index;
  TinyChars() {
    auto st = SafeTensors::parse(weights);
    REQUIRE(st.ok());
    std::vector<std::string> a, b;
    nlohmann::json idx = {{"metadata", {{"total_size", weights.size()}}}, {"weight_map", nlohmann::json::object()}};
    for (const TensorEntry& e : st->entries()) {
      const bool first = e.name < "model.layers.1";
      (first ? a : b).push_back(e.name);
      idx["weight_map"][e.name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    }
    REQUIRE(!a.empty());
    REQUIRE(!b.empty());
    shard1 = shard(*st, a);
    shard2 = shard(*st, b);
    index = bytes_of(idx.dump());
  }
};

using Spans = std::vector<std::span<const uint8_t>>;

}  // namespace

TEST_CASE("open files: single-file and sharded sets load the same weights as the folder", "[hub][open_files]") {
  TinyChars t;
  auto disk = explorer::load_model_dir("tiny-chars", t.dir);
  REQUIRE(disk.ok());
  auto single = explorer::load_file_set("dropped", {"tiny/config.json", "tiny/tokenizer.json", "tiny/model.safetensors"},
                                        Spans{t.config, t.tokenizer, t.weights});
  REQUIRE(single.ok());
  CHECK((*single)->name == "dropped");
  auto sharded = explorer::load_file_set(
      "owner/tiny-sharded",
      {"model-00002-of-00002.safetensors", "config.json", "model.safetensors.index.json", "tokenizer.json",
       "model-00001-of-00002.safetensors", "notes.txt"},
      Spans{t.shard2, t.config, t.index, t.tokenizer, t.shard1, t.config});
  REQUIRE(sharded.ok());
  const std::vector<int32_t> ids = (*disk)->tokenizer.encode("She opened the door.", true).ids;
  for (const auto* m : {&*single, &*sharded}) {
    CHECK((*m)->tokenizer.encode("She opened the door.", true).ids == ids);
    Taps t1, t2;
    REQUIRE(make_cpu_backend()->forward((*disk)->model, ids, {}, {}, t1).ok());
    REQUIRE(make_cpu_backend()->forward((*m)->model, ids, {}, {}, t2).ok());
    CHECK(testing::max_abs_diff(*t1.get("logits"), *t2.get("logits")) == 0.0);
  }
}

TEST_CASE("open files: a broken set is refused and the model that was there stays", "[hub][open_files]") {
  TinyChars t;
  explorer::AppState s;
  explorer::own_session(s);
  explorer::install_model(s, explorer::load_model_dir("tiny-chars", t.dir));
  REQUIRE(s.model);
  auto try_open = [&](const std::vector<std::string>& names, const Spans& bytes) {
    auto m = explorer::load_file_set("x", names, bytes);
    REQUIRE_FALSE(m.ok());
    const std::string msg = m.error().message;
    explorer::install_model(s, std::move(m));
    CHECK(s.model);
    CHECK(s.model_name == "tiny-chars");
    CHECK(s.last_error == msg);
    return msg;
  };
  CHECK(try_open({"config.json", "model.safetensors.index.json", "tokenizer.json", "model-00001-of-00002.safetensors"},
                 Spans{t.config, t.index, t.tokenizer, t.shard1})
            .find("model-00002-of-00002.safetensors, which was not dropped") != std::string::npos);
  CHECK(try_open({"tokenizer.json", "model.safetensors"}, Spans{t.tokenizer, t.weights}).rfind("config.json is missing", 0) == 0);
  const std::string mamba = R"({"model_type": "mamba", "hidden_size": 32, "num_hidden_layers": 2, "vocab_size": 96})";
  CHECK(try_open({"config.json", "tokenizer.json", "model.safetensors"}, Spans{bytes_of(mamba), t.tokenizer, t.weights})
            .find("unknown model_type 'mamba'") != std::string::npos);
  CHECK_FALSE(explorer::check_config_text(mamba).ok());
  CHECK(explorer::check_config_text(std::string(t.config.begin(), t.config.end())).ok());
  // Shards swapped under each other's names: the index places tensors in a shard that does not hold them.
  CHECK(try_open({"config.json", "model.safetensors.index.json", "tokenizer.json", "model-00001-of-00002.safetensors",
                  "model-00002-of-00002.safetensors"},
                 Spans{t.config, t.index, t.tokenizer, t.shard2, t.shard1})
            .find("does not hold it") != std::string::npos);
}

TEST_CASE("open files: a model from the Hub is linked by its repo id, any other by model=", "[hub][open_files]") {
  explorer::AppState s;
  s.model_name = "owner/tiny";
  explorer::set_hub_link("owner/tiny", "owner/tiny", "v1", "http://127.0.0.1:9000");
  auto params = [](const std::string& q) {
    std::map<std::string, std::string> m;
    for (const auto& kv : parse_query(q)) m[kv.first] = kv.second;
    return m;
  };
  auto q = params(explorer::build_url_params(s));
  CHECK(q["hf"] == "owner/tiny");
  CHECK(q["rev"] == "v1");
  CHECK(q["hub"] == "http://127.0.0.1:9000");
  CHECK(q.count("model") == 0);
  // The defaults are left out; another model's link is model= again.
  explorer::set_hub_link("owner/tiny", "owner/tiny", "main", "https://huggingface.co");
  q = params(explorer::build_url_params(s));
  CHECK(q["hf"] == "owner/tiny");
  CHECK(q.count("rev") == 0);
  CHECK(q.count("hub") == 0);
  s.model_name = "tiny-chars";
  q = params(explorer::build_url_params(s));
  CHECK(q["model"] == "tiny-chars");
  CHECK(q.count("hf") == 0);
}
