// The app's model loader (what sinkscope-app --model-dir and the CLI's --model
// DIR use) opens a sharded folder: demo-lm split into two shards with an
// index gives the same model, tokenizer and logits as the single file.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "core/file.h"
#include "engine/backend.h"
#include "explorer/session.h"
#include "model/loader.h"
#include "support/engine_util.h"

using namespace ss;
namespace fs = std::filesystem;

namespace {

// The entries `names` of `st`, byte for byte (dtype kept), as one safetensors file.
std::string shard_bytes(const SafeTensors& st, const std::vector<std::string>& names) {
  nlohmann::json h = nlohmann::json::object();
  std::string data;
  for (const std::string& n : names) {
    const TensorEntry* e = st.find(n);
    REQUIRE(e != nullptr);
    h[n] = {{"dtype", e->dtype_name}, {"shape", e->shape}, {"data_offsets", {data.size(), data.size() + e->bytes.size()}}};
    data.append(reinterpret_cast<const char*>(e->bytes.data()), e->bytes.size());
  }
  const std::string hs = h.dump();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(uint64_t{hs.size()} >> (8 * i));
  return out + hs + data;
}

}  // namespace

TEST_CASE("the app and CLI loader opens a sharded folder: demo-lm in two shards = demo-lm", "[families][sharded][demo-lm]") {
  const std::string src = std::string(SINKSCOPE_SOURCE_DIR) + "/models/demo-lm";
  const fs::path dir = fs::temp_directory_path() / ("sinkscope-demo-sharded-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto f = MappedFile::open(src + "/model.safetensors");
  REQUIRE(f.ok());
  auto st = SafeTensors::parse(f->bytes());
  REQUIRE(st.ok());
  std::vector<std::string> a, b;  // the embeddings and first half of the layers, then the rest
  for (const TensorEntry& e : st->entries()) (e.name < "model.layers.4" ? a : b).push_back(e.name);
  REQUIRE(!a.empty());
  REQUIRE(!b.empty());
  nlohmann::json index = {{"metadata", {{"total_size", f->bytes().size()}}}, {"weight_map", nlohmann::json::object()}};
  for (const auto& n : a) index["weight_map"][n] = "model-00001-of-00002.safetensors";
  for (const auto& n : b) index["weight_map"][n] = "model-00002-of-00002.safetensors";
  std::ofstream(dir / "model-00001-of-00002.safetensors", std::ios::binary) << shard_bytes(*st, a);
  std::ofstream(dir / "model-00002-of-00002.safetensors", std::ios::binary) << shard_bytes(*st, b);
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();
  fs::copy_file(src + "/config.json", dir / "config.json");
  fs::copy_file(src + "/tokenizer.json", dir / "tokenizer.json");

  auto sharded = explorer::load_model_dir("demo-sharded", dir.string());
  INFO((sharded ? "" : sharded.error().message));
  REQUIRE(sharded.ok());
  auto single = explorer::load_model_dir("demo-lm", src);
  REQUIRE(single.ok());
  const std::vector<int32_t> ids = (*single)->tokenizer.encode("She opened the door.", true).ids;
  CHECK((*sharded)->tokenizer.encode("She opened the door.", true).ids == ids);
  Taps t1, t2;
  REQUIRE(make_cpu_backend()->forward((*single)->model, ids, {}, {}, t1).ok());
  REQUIRE(make_cpu_backend()->forward((*sharded)->model, ids, {}, {}, t2).ok());
  CHECK(testing::max_abs_diff(*t1.get("logits"), *t2.get("logits")) == 0.0);
  fs::remove_all(dir);
}
