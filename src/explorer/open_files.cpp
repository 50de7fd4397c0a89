#include "explorer/open_files.h"

#include "core/url_query.h"
#include "model/file_set.h"
#include "model/hub.h"
#include "model/loader.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
// clang-format off
EM_JS(void, ss_js_open_hub, (const char* repo, const char* rev), {
  if (window.sinkscopeHub) window.sinkscopeHub.openHub(UTF8ToString(repo), UTF8ToString(rev));
});
EM_JS(void, ss_js_pick_files, (int folder), {
  if (window.sinkscopeHub) window.sinkscopeHub.pickFiles(!!folder);
});
// clang-format on
#endif

namespace ss::explorer {

namespace {
std::string_view text_of(std::span<const uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
}  // namespace

Expected<std::shared_ptr<const LoadedModel>> load_file_set(const std::string& name, const std::vector<std::string>& names,
                                                           const std::vector<std::span<const uint8_t>>& bytes) {
  if (names.size() != bytes.size()) return make_error("internal: " + std::to_string(names.size()) + " names for " +
                                                      std::to_string(bytes.size()) + " files");
  auto set = classify_files(names);
  if (!set) return set.error();
  if (set->needs_index) set = classify_files(names, text_of(bytes[set->index]));
  if (!set) return set.error();
  const std::string_view config = text_of(bytes[set->config]);
  const std::string_view tokenizer = text_of(bytes[set->tokenizer]);
  if (set->weights >= 0) return load_model_bytes(name, config, tokenizer, bytes[set->weights]);
  std::vector<ShardBytes> shards;
  for (int i : set->shards) {
    const std::string& n = names[i];
    const size_t slash = n.find_last_of("/\\");
    shards.push_back({slash == std::string::npos ? n : n.substr(slash + 1), bytes[i]});
  }
  auto model = load_model_sharded(config, text_of(bytes[set->index]), shards, name);
  if (!model) return make_error("model '" + name + "': " + model.error().message);
  auto tok = load_tokenizer_for(tokenizer, model->config);
  if (!tok) return make_error("tokenizer.json of model '" + name + "': " + tok.error().message);
  auto m = std::make_shared<LoadedModel>();
  m->name = name;
  m->model = std::move(*model);
  m->tokenizer = std::move(*tok);
  return std::shared_ptr<const LoadedModel>(std::move(m));
}

namespace {
struct HubLink {
  std::string name, query;
};
HubLink& last_hub_link() {
  static HubLink l;
  return l;
}
}  // namespace

void set_hub_link(const std::string& name, const std::string& repo, const std::string& rev, const std::string& hub) {
  std::string q = "hf=" + url_encode(repo);
  if (!rev.empty() && rev != "main") q += "&rev=" + url_encode(rev);
  if (!hub.empty() && hub != kDefaultHub) q += "&hub=" + url_encode(hub);
  last_hub_link() = {name, q};
}

std::string hub_link(const std::string& name) {
  return !name.empty() && last_hub_link().name == name ? last_hub_link().query : std::string();
}

Expected<void> check_config_text(std::string_view config_json) {
  auto c = parse_config(config_json);
  if (!c) return c.error();
  return {};
}

#ifdef __EMSCRIPTEN__
bool page_opens_models() { return true; }
void request_open_hub(const std::string& repo, const std::string& rev) { ss_js_open_hub(repo.c_str(), rev.c_str()); }
void request_pick_files(bool folder) { ss_js_pick_files(folder ? 1 : 0); }
#else
bool page_opens_models() { return false; }
void request_open_hub(const std::string&, const std::string&) {}
void request_pick_files(bool) {}
#endif

}  // namespace ss::explorer
