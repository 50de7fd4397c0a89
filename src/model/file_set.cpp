#include "model/file_set.h"

#include <algorithm>
#include <map>

#include "core/json.h"
#include "model/safetensors_index.h"

namespace ss {

Expected<ShardList> shard_files(std::string_view index_json) {
  auto index = parse_safetensors_index(index_json);
  if (!index) return index.error();
  ShardList out;
  out.shards = std::move(index->shards);
  // metadata.total_size is advisory (the shards' own headers are checked at
  // load), but it lets the page refuse a model too big before downloading it.
  auto j = json::parse(index_json, "model.safetensors.index.json");
  if (j && j->is_object()) {
    auto m = j->find("metadata");
    if (m != j->end() && m->is_object()) {
      auto t = m->find("total_size");
      if (t != m->end() && t->is_number_unsigned()) out.total_size = t->get<uint64_t>();
      else if (t != m->end() && t->is_number_float() && t->get<double>() >= 0 && t->get<double>() < 1.8e19)
        out.total_size = static_cast<uint64_t>(t->get<double>());
    }
  }
  return out;
}

std::vector<std::string> split_names(std::string_view text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(at, nl - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line);
    at = nl + 1;
  }
  return out;
}

namespace {

std::string_view base_name(std::string_view path) {
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

int depth(std::string_view path) {
  return static_cast<int>(std::count_if(path.begin(), path.end(), [](char c) { return c == '/' || c == '\\'; }));
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The one file of `names` with base name `want`, nearest the top; -1 when
// none; an error when two sit at the same depth (two models in one drop).
Expected<int> pick(const std::vector<std::string>& names, std::string_view want) {
  int best = -1;
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    if (base_name(names[i]) != want) continue;
    if (best < 0 || depth(names[i]) < depth(names[best])) best = i;
    else if (depth(names[i]) == depth(names[best]))
      return make_error("two files named " + std::string(want) + " were dropped ('" + names[best] + "' and '" + names[i] +
                        "'): drop the files of one model");
  }
  return best;
}

}  // namespace

Expected<FileSet> classify_files(const std::vector<std::string>& names, std::string_view index_json) {
  if (names.empty()) return make_error("no files were dropped: a model is config.json, tokenizer.json and model.safetensors "
                                       "(or model.safetensors.index.json and its shards)");
  if (names.size() > static_cast<size_t>(kMaxDroppedFiles))
    return make_error("more than " + std::to_string(kMaxDroppedFiles) + " files were dropped: drop the model's folder only");
  FileSet fs;
  for (auto [slot, want] : {std::pair<int*, const char*>{&fs.config, "config.json"},
                            {&fs.tokenizer, "tokenizer.json"},
                            {&fs.weights, "model.safetensors"},
                            {&fs.index, "model.safetensors.index.json"}}) {
    auto i = pick(names, want);
    if (!i) return i.error();
    *slot = *i;
  }
  if (fs.config < 0) return make_error("config.json is missing: a model needs config.json, tokenizer.json and its safetensors weights");
  if (fs.tokenizer < 0) return make_error("tokenizer.json is missing: sinkscope reads the Hugging Face tokenizer.json (a tokenizer.model alone is not enough)");
  if (fs.weights >= 0) {
    fs.index = -1;  // a folder on disk prefers model.safetensors too
    return fs;
  }
  if (fs.index < 0) {
    std::string other;  // a stray .safetensors or a PyTorch file says what went wrong
    bool bin = false;
    for (const std::string& n : names) {
      const std::string_view b = base_name(n);
      if (ends_with(b, ".safetensors") && other.empty()) other = std::string(b);
      if (b == "pytorch_model.bin" || b == "pytorch_model.bin.index.json") bin = true;
    }
    if (!other.empty())
      return make_error(other + " was dropped without model.safetensors.index.json, which says which tensor is in which "
                                "shard; drop the index too (or name a single-file checkpoint model.safetensors)");
    if (bin)
      return make_error("the model has only pytorch_model.bin (PyTorch pickle weights), which sinkscope does not read. "
                        "Convert it once to safetensors with transformers: python3 -c \"from transformers import "
                        "AutoModelForCausalLM as M; M.from_pretrained('DIR').save_pretrained('DIR', safe_serialization=True)\"");
    return make_error("model.safetensors is missing (or model.safetensors.index.json with its shards)");
  }
  if (index_json.empty()) {
    fs.needs_index = true;
    return fs;
  }
  auto list = shard_files(index_json);
  if (!list) return list.error();
  fs.total_size = list->total_size;
  for (const std::string& shard : list->shards) {
    auto i = pick(names, shard);
    if (!i) return i.error();
    if (*i < 0) return make_error("the index names " + shard + ", which was not dropped (" +
                                  std::to_string(list->shards.size()) + " shard files in all)");
    fs.shards.push_back(*i);
  }
  return fs;
}

}  // namespace ss
