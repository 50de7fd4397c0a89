#include "model/loader.h"

#include <filesystem>

#include "core/file.h"

namespace ss {

Expected<Model> load_model(std::string_view config_json, std::span<const uint8_t> bytes, std::string name) {
  auto config = parse_config(config_json);
  if (!config) return config.error();
  auto file = SafeTensors::parse(bytes, "model.safetensors");
  if (!file) return file.error();
  auto weights = map_weights(*config, *file);
  if (!weights) return make_error("model.safetensors: " + weights.error().message);
  Model m;
  m.config = std::move(*config);
  m.weights = std::move(*weights);
  m.name = std::move(name);
  return m;
}

Expected<Model> load_model_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  auto cfg = read_text_file((root / "config.json").string());
  if (!cfg) return cfg.error();
  const fs::path st = root / "model.safetensors";
  std::error_code ec;
  if (!fs::exists(st, ec) && fs::exists(root / "model.safetensors.index.json", ec))
    return make_error("'" + dir + "' holds a sharded checkpoint; sinkscope reads a single model.safetensors");
  auto mapped = MappedFile::open(st.string());
  if (!mapped) return mapped.error();
  std::string name = root.filename().string();
  if (name.empty()) name = root.parent_path().filename().string();
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
