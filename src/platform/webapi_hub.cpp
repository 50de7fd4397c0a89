// The C API for opening a model the user brings (webapi.h, group "Opening a
// model: the Hub, dropped files"): web/hub.js fetches a Hugging Face repo or
// reads dropped files, asks here what each answer and each file set means
// (model/hub.h, model/file_set.h), stages the bytes and loads them
// (explorer/open_files.h). The page moves bytes; every decision is made here.
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "explorer/open_files.h"
#include "explorer/session.h"
#include "model/file_set.h"
#include "model/hub.h"
#include "model/safetensors.h"
#include "ui/panels/open_model.h"

using namespace ss::explorer;

namespace {

std::string g_text;  // returned strings live here until the next call

// Files handed over by the page, owned here (malloc'd by the page, freed here).
struct Staged {
  std::string name;                                // as the page gave it (a path inside a dropped folder)
  std::unique_ptr<uint8_t, void (*)(void*)> data;  // [len] bytes
  size_t len;
};
std::vector<Staged>& stage() {
  static std::vector<Staged> s;
  return s;
}

std::string_view base_name(std::string_view n) {
  const size_t slash = n.find_last_of("/\\");
  return slash == std::string_view::npos ? n : n.substr(slash + 1);
}

const Staged* staged(std::string_view base) {
  for (const Staged& s : stage())
    if (base_name(s.name) == base) return &s;
  return nullptr;
}

std::string_view text_of(const Staged& s) { return {reinterpret_cast<const char*>(s.data.get()), s.len}; }

const char* out(const ss::json::Json& j) {
  g_text = j.dump(-1, ' ', false, ss::json::Json::error_handler_t::replace);
  return g_text.c_str();
}

std::string str(const char* s) { return s ? s : ""; }

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE double ss_open_model_rect(const char* item, int which) {
  float r[4];
  if (!item || which < 0 || which > 3 || !ss::ui::open_model_rect(item, r)) return -1;
  return r[which];
}

EMSCRIPTEN_KEEPALIVE double ss_max_model_bytes() { return static_cast<double>(ss::kMaxModelBytes); }

EMSCRIPTEN_KEEPALIVE const char* ss_hub_ref(const char* repo, const char* rev, const char* hub) {
  auto r = ss::parse_hub_ref(str(repo), str(rev), str(hub));
  if (!r) return out({{"error", r.error().message}});
  return out({{"error", ""}, {"repo", r->repo}, {"rev", r->rev}, {"hub", r->hub}, {"base", r->base}});
}

EMSCRIPTEN_KEEPALIVE const char* ss_hub_judge(const char* repo, const char* rev, const char* hub, const char* file,
                                              int status, double content_length, double bytes_before,
                                              const char* error_code) {
  auto r = ss::parse_hub_ref(str(repo), str(rev), str(hub));
  if (!r) return out({{"ok", false}, {"kind", "unexpected"}, {"title", "Not a Hub repo"}, {"text", r.error().message}, {"hint", ""}});
  ss::HubReply reply;
  reply.status = status;
  reply.content_length = content_length >= 0 && content_length < 9e18 ? static_cast<int64_t>(content_length) : -1;
  reply.error_code = str(error_code);
  const uint64_t before = bytes_before > 0 && bytes_before < 1.8e19 ? static_cast<uint64_t>(bytes_before) : 0;
  const ss::HubVerdict v = ss::judge_hub_reply(*r, str(file), reply, before, ss::kMaxModelBytes);
  return out({{"ok", v.ok}, {"kind", v.kind}, {"title", v.title}, {"text", v.text}, {"hint", v.hint}});
}

EMSCRIPTEN_KEEPALIVE int ss_stage_file(const char* name, uint8_t* bytes, int len) {
  std::unique_ptr<uint8_t, void (*)(void*)> owned(bytes, std::free);
  if (!name || !*name || len < 0 || (!bytes && len > 0) ||
      stage().size() >= static_cast<size_t>(ss::kMaxDroppedFiles))
    return 0;
  stage().push_back({name, std::move(owned), static_cast<size_t>(len)});
  return static_cast<int>(stage().size());
}

EMSCRIPTEN_KEEPALIVE void ss_stage_clear() { stage().clear(); }

EMSCRIPTEN_KEEPALIVE const char* ss_stage_plan(const char* names, int len) {
  // Each line "PATH<TAB>BYTES": the name, and the file's size for the limit.
  std::vector<std::string> list;
  std::vector<uint64_t> sizes;
  for (std::string& line : ss::split_names(names && len > 0 ? std::string_view(names, size_t(len)) : "")) {
    const size_t tab = line.rfind('\t');
    uint64_t size = 0;
    if (tab != std::string::npos) {
      for (size_t i = tab + 1; i < line.size() && line[i] >= '0' && line[i] <= '9' && size < (1ull << 60); ++i)
        size = size * 10 + uint64_t(line[i] - '0');
      line.resize(tab);
    }
    list.push_back(std::move(line));
    sizes.push_back(size);
  }
  const Staged* index = staged("model.safetensors.index.json");
  auto set = ss::classify_files(list, index ? text_of(*index) : std::string_view());
  if (!set) return out({{"error", set.error().message}});
  uint64_t weights = set->weights >= 0 ? sizes[size_t(set->weights)] : 0;
  for (int i : set->shards) weights += sizes[size_t(i)];
  if (weights > ss::kMaxModelBytes)
    return out({{"error", "the weights are " + ss::size_words(weights) + "; sinkscope in the page holds at most " +
                              ss::size_words(ss::kMaxModelBytes) + " of weights per model"},
                {"too_big", true}});
  return out({{"error", ""}, {"config", set->config}, {"tokenizer", set->tokenizer}, {"weights", set->weights},
              {"index", set->index}, {"shards", set->shards}, {"needs_index", set->needs_index},
              {"total_size", static_cast<double>(set->total_size)}});
}

EMSCRIPTEN_KEEPALIVE const char* ss_stage_shards() {
  const Staged* index = staged("model.safetensors.index.json");
  if (!index) return out({{"error", "model.safetensors.index.json was not staged"}});
  auto list = ss::shard_files(text_of(*index));
  if (!list) return out({{"error", list.error().message}});
  if (list->total_size > ss::kMaxModelBytes)
    return out({{"error", "the index says the weights are " + ss::size_words(list->total_size) +
                              "; sinkscope in the page holds at most " + ss::size_words(ss::kMaxModelBytes) +
                              " of weights per model"},
                {"too_big", true}});
  return out({{"error", ""}, {"shards", list->shards}, {"total_size", static_cast<double>(list->total_size)}});
}

EMSCRIPTEN_KEEPALIVE const char* ss_stage_check_config() {
  const Staged* config = staged("config.json");
  if (!config) return (g_text = "config.json is missing").c_str();
  auto ok = check_config_text(text_of(*config));
  g_text = ok ? std::string() : ok.error().message;
  return g_text.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* ss_stage_load(const char* name, const char* repo, const char* rev, const char* hub) {
  std::vector<std::string> names;
  std::vector<std::span<const uint8_t>> bytes;
  for (const Staged& s : stage()) {
    names.push_back(s.name);
    bytes.emplace_back(s.data.get(), s.len);
  }
  const std::string shown = name && *name ? name : "model";
  auto m = load_file_set(shown, names, bytes);
  g_text = m ? std::string() : m.error().message;
  AppState& s = state();
  const bool loaded = m.ok();
  install_model(s, std::move(m));  // a failed load keeps the model that was there
  if (loaded && repo && *repo) {
    if (auto ref = ss::parse_hub_ref(repo, str(rev), str(hub))) set_hub_link(shown, ref->repo, ref->rev, ref->hub);
  }
  if (!s.model && g_text.empty()) g_text = "model could not be loaded";
  stage().clear();  // the model keeps its own copy of the weights
  return g_text.c_str();
}

}  // extern "C"
#endif
