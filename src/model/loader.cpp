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

}  // namespace ss
