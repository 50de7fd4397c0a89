#include "cli/dump.h"

#include <cstring>
#include <fstream>
#include <utility>
#include <vector>

#include "core/tensor_storage.h"

namespace ss::cli {

// One F32 safetensors file: 8-byte little-endian header length, the JSON
// header (dtype, shape, data_offsets per tensor, __metadata__), the data
// (16-bit weights widened as they are written).
Expected<void> write_safetensors(const std::string& path, const std::vector<std::pair<std::string, const Tensor*>>& ts,
                                 const nlohmann::json& metadata) {
  nlohmann::json header;
  header["__metadata__"] = metadata;
  size_t off = 0;
  for (const auto& [name, t] : ts) {
    const size_t bytes = size_t(t->numel()) * 4;
    header[name] = {{"dtype", "F32"}, {"shape", t->shape}, {"data_offsets", {off, off + bytes}}};
    off += bytes;
  }
  std::string h = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  h.append((8 - h.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::ofstream f(path, std::ios::binary);
  if (!f) return make_error("cannot write " + path);
  const uint64_t n = h.size();
  char len[8];
  for (int i = 0; i < 8; ++i) len[i] = char((n >> (8 * i)) & 0xff);
  f.write(len, 8);
  f.write(h.data(), std::streamsize(h.size()));
  for (const auto& kv : ts) {
    const F32View v = f32_view(*kv.second);
    f.write(reinterpret_cast<const char*>(v.data()), std::streamsize(kv.second->numel() * 4));
  }
  if (!f) return make_error("writing " + path + " failed");
  return {};
}

Expected<void> write_dump(const std::string& path, const Model& model, const Taps& taps, const nlohmann::json& an) {
  const ModelConfig& c = model.config;
  std::vector<std::pair<std::string, const Tensor*>> ts;
  for (int l = 0; l < c.n_layers; ++l)
    for (const char* what : {"attn_pattern", "q", "k", "v", "head_out", "resid_pre", "resid_post"}) {
      const std::string name = tap_name(l, what);
      const Tensor* t = taps.get(name);
      if (!t) return make_error("--dump: the forward pass kept no " + name);
      ts.emplace_back(name, t);
    }
  if (const Tensor* t = taps.get("logits")) ts.emplace_back("logits", t);
  bool any_norm = false;
  for (int l = 0; l < c.n_layers; ++l) {
    const LayerWeights& w = model.weights.layers[l];
    const std::string p = "weights." + std::to_string(l) + ".";
    ts.emplace_back(p + "wo", &w.wo);
    ts.emplace_back(p + "wk", &w.wk);
    if (!w.ln1_w.empty()) ts.emplace_back(p + "ln1_w", &w.ln1_w), any_norm = true;
  }
  Tensor freq;
  if (uses_rope(c)) {
    std::vector<float> f = rope_frequencies(c);
    freq = Tensor({int64_t(f.size())});
    freq.data = std::move(f);
    ts.emplace_back("rope_inv_freq", &freq);
  }
  const nlohmann::json config = {
      {"n_layers", c.n_layers}, {"n_heads", c.n_heads}, {"n_kv_heads", c.n_kv_heads > 0 ? c.n_kv_heads : c.n_heads},
      {"d_model", c.d_model},   {"d_head", c.d_head},
      {"norm", !any_norm ? "none" : c.norm == NormKind::LayerNorm ? "layernorm" : "rmsnorm"},
      {"norm_eps", c.norm_eps}, {"rope", uses_rope(c)}, {"rotary_dim", c.rotary_dim > 0 ? c.rotary_dim : c.d_head}};
  nlohmann::json meta = {{"config", config.dump()}, {"settings", an.value("settings", nlohmann::json::object()).dump()}};
  if (an.contains("ids")) meta["ids"] = an["ids"].dump();
  if (an.contains("tokens")) meta["tokens"] = an["tokens"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return write_safetensors(path, ts, meta);
}

}  // namespace ss::cli
