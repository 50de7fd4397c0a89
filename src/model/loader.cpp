#include "model/loader.h"

#include <filesystem>
#include <map>

#include "core/file.h"
#include "model/safetensors_index.h"

namespace ss {

Expected<Model> load_model(std::string_view config_json, std::span<const uint8_t> bytes, std::string name,
                           uint64_t max_bytes) {
  auto config = parse_config(config_json);
  if (!config) return config.error();
  auto file = SafeTensors::parse(bytes, "model.safetensors", max_bytes);
  if (!file) return file.error();
  auto weights = map_weights(*config, *file);
  if (!weights) return make_error("model.safetensors: " + weights.error().message);
  Model m;
  m.config = std::move(*config);
  m.weights = std::move(*weights);
  m.name = std::move(name);
  return m;
}

Expected<Model> load_model_sharded(std::string_view config_json, std::string_view index_json,
                                   const std::vector<ShardBytes>& shards, std::string name) {
  auto config = parse_config(config_json);
  if (!config) return config.error();
  auto index = parse_safetensors_index(index_json);
  if (!index) return index.error();
  // Parse every shard the index names, within one byte budget for them all.
  std::vector<SafeTensors> files;  // [index->shards.size()], in index order
  uint64_t total = 0;
  for (const std::string& shard : index->shards) {
    const ShardBytes* given = nullptr;
    for (const ShardBytes& s : shards)
      if (s.name == shard) given = &s;
    if (!given) return make_error("model.safetensors.index.json names the shard '" + shard + "', which is missing");
    total += given->bytes.size();
    if (total > kMaxModelBytes)
      return make_error("the shards hold more than " + std::to_string(kMaxModelBytes >> 20) + " MB, the most one model may take here");
    auto file = SafeTensors::parse(given->bytes, shard, kMaxModelBytes);
    if (!file) return file.error();
    files.push_back(std::move(*file));
  }
  // Each tensor in exactly one shard, and where the index says.
  std::map<std::string_view, int> holder;  // tensor -> shard that holds it
  for (int i = 0; i < static_cast<int>(files.size()); ++i)
    for (const TensorEntry& e : files[i].entries()) {
      auto [it, added] = holder.emplace(e.name, i);
      if (!added)
        return make_error("tensor '" + e.name + "' is in two shards, '" + index->shards[it->second] + "' and '" +
                          index->shards[i] + "'");
    }
  for (const auto& [tensor, shard] : index->tensor_shard)
    if (!files[shard].find(tensor))
      return make_error("model.safetensors.index.json places tensor '" + tensor + "' in '" + index->shards[shard] +
                        "', which does not hold it");
  std::vector<const SafeTensors*> views;
  for (const SafeTensors& f : files) views.push_back(&f);
  auto weights = map_weights(*config, views);
  if (!weights) return make_error("sharded checkpoint: " + weights.error().message);
  Model m;
  m.config = std::move(*config);
  m.weights = std::move(*weights);
  m.name = std::move(name);
  return m;
}

namespace {

// DIR/model.safetensors.index.json and the shards it names, memory-mapped.
Expected<Model> load_sharded_dir(const std::filesystem::path& root, std::string_view cfg, std::string name) {
  auto index_text = read_text_file((root / "model.safetensors.index.json").string());
  if (!index_text) return index_text.error();
  auto index = parse_safetensors_index(*index_text);
  if (!index) return index.error();
  std::vector<MappedFile> mapped;  // keeps the shards' bytes alive while loading
  std::vector<ShardBytes> shards;
  for (const std::string& shard : index->shards) {
    std::error_code ec;
    if (!std::filesystem::exists(root / shard, ec))
      return make_error("model.safetensors.index.json names the shard '" + shard + "', which is missing from the folder");
    auto f = MappedFile::open((root / shard).string());
    if (!f) return f.error();
    mapped.push_back(std::move(*f));
    shards.push_back({shard, mapped.back().bytes()});
  }
  return load_model_sharded(cfg, *index_text, shards, std::move(name));
}

}  // namespace

Expected<Model> load_model_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  auto cfg = read_text_file((root / "config.json").string());
  if (!cfg) return cfg.error();
  std::string name = root.filename().string();
  if (name.empty()) name = root.parent_path().filename().string();
  const fs::path st = root / "model.safetensors";
  std::error_code ec;
  if (!fs::exists(st, ec)) {
    if (fs::exists(root / "model.safetensors.index.json", ec)) return load_sharded_dir(root, *cfg, name);
    if (fs::exists(root / "pytorch_model.bin", ec) || fs::exists(root / "pytorch_model.bin.index.json", ec))
      return make_error("'" + dir + "' holds only pytorch_model.bin (PyTorch pickle weights), which sinkscope does not read. " +
                        "Convert it once to safetensors with transformers: python3 -c \"from transformers import " +
                        "AutoModelForCausalLM as M; M.from_pretrained('" + dir + "').save_pretrained('" + dir +
                        "', safe_serialization=True)\"");
  }
  auto mapped = MappedFile::open(st.string());
  if (!mapped) return mapped.error();
  return load_model(*cfg, mapped->bytes(), name);
}

Expected<Tokenizer> load_tokenizer_for(std::string_view tokenizer_json, const ModelConfig& config) {
  auto tok = Tokenizer::from_json(tokenizer_json);
  if (!tok) return tok.error();
  // A config may pad its vocabulary past the tokenizer's, never the other way.
  const int tv = tok->vocab_size(), cv = config.vocab_size;
  if (tv > cv || tv * 2 < cv)
    return make_error("it has " + std::to_string(tv) + " tokens but config.json says vocab_size " +
                      std::to_string(cv) + ": is the tokenizer from another model?");
  if (tok->bos_id() < 0 && config.bos_token_id >= 0) tok->set_bos_id(config.bos_token_id);
  return tok;
}

}  // namespace ss
