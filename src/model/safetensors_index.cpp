#include "model/safetensors_index.h"

#include <algorithm>
#include <set>

#include "core/json.h"

namespace ss {

namespace {

const char* kWhat = "model.safetensors.index.json";

// A shard must sit next to the index: a bare name ending in .safetensors.
bool plain_shard_name(const std::string& f) {
  static const std::string ext = ".safetensors";
  if (f.size() <= ext.size() || f.size() > 255 || f.compare(f.size() - ext.size(), ext.size(), ext) != 0) return false;
  if (f.front() == '.') return false;  // ".", "..", hidden files
  return std::none_of(f.begin(), f.end(), [](char c) { return c == '/' || c == '\\' || c == ':' || c == '\0'; });
}

// A JSON object keeps only the last of repeated keys, so a tensor listed twice
// in weight_map (for two shards) would silently take the last; find it first.
// Returns the repeated tensor name, or "" when there is none.
std::string repeated_tensor(std::string_view text) {
  std::string top;  // the current top-level key
  std::set<std::string> seen;
  std::string repeated;
  auto cb = [&](int depth, json::Json::parse_event_t ev, json::Json& parsed) {
    if (ev != json::Json::parse_event_t::key || !parsed.is_string()) return true;
    const std::string& k = parsed.get_ref<const std::string&>();
    if (depth == 1) top = k;
    else if (depth == 2 && top == "weight_map" && !seen.insert(k).second && repeated.empty()) repeated = k;
    return true;
  };
  (void)json::Json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
  return repeated;
}

}  // namespace

Expected<ShardIndex> parse_safetensors_index(std::string_view text) {
  auto parsed = json::parse(text, kWhat);
  if (!parsed) return parsed.error();
  const json::Json& j = *parsed;
  if (!j.is_object()) return make_error(std::string(kWhat) + ": top level must be an object");
  auto it = j.find("weight_map");
  if (it == j.end() || !it->is_object())
    return make_error(std::string(kWhat) + ": missing the object 'weight_map' (tensor name -> shard file)");
  if (it->empty()) return make_error(std::string(kWhat) + ": 'weight_map' lists no tensors");
  if (const std::string twice = repeated_tensor(text); !twice.empty())
    return make_error(std::string(kWhat) + ": tensor '" + twice + "' is listed twice in 'weight_map'");
  ShardIndex idx;
  std::map<std::string, int> shard_of_name;  // file -> provisional index
  for (auto e = it->begin(); e != it->end(); ++e) {
    if (!e.value().is_string())
      return make_error(std::string(kWhat) + ": tensor '" + e.key() + "' maps to " + e.value().dump() + ", not a file name");
    const std::string file = e.value().get<std::string>();
    if (!plain_shard_name(file))
      return make_error(std::string(kWhat) + ": tensor '" + e.key() + "' names the shard '" + file +
                        "'; shards must be *.safetensors files in the same folder");
    auto [pos, added] = shard_of_name.emplace(file, 0);
    if (added && static_cast<int>(shard_of_name.size()) > kMaxShards)
      return make_error(std::string(kWhat) + ": more than " + std::to_string(kMaxShards) + " shard files");
    idx.tensor_shard[e.key()] = 0;
  }
  for (auto& [file, i] : shard_of_name) {  // std::map: sorted names
    i = static_cast<int>(idx.shards.size());
    idx.shards.push_back(file);
  }
  for (auto e = it->begin(); e != it->end(); ++e) idx.tensor_shard[e.key()] = shard_of_name[e.value().get<std::string>()];
  return idx;
}

}  // namespace ss
