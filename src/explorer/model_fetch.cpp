#include "explorer/model_fetch.h"

#include <cstdint>
#include <span>
#include <string_view>

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else
#include "core/file.h"
#include "explorer/model_paths.h"
#endif

namespace ss::explorer {

bool valid_model_name(const std::string& n) {
  if (n.empty() || n.size() > 128 || n[0] == '.') return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

namespace {
// A weights path inside the folder: plain names and one level of subfolder, no "..".
bool valid_inner_path(const std::string& p) {
  if (p.empty() || p.find("..") != std::string::npos || p[0] == '/') return false;
  for (char c : p)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-' || c == '/'))
      return false;
  return true;
}
}  // namespace

#ifdef __EMSCRIPTEN__
namespace {
// One model's three fetches, chained: config.json, tokenizer.json, weights.
struct Fetch {
  std::string name, weights, config, tokenizer;
  ModelDone done;
  TextDone text_done;
  int stage = 0;  // 0 config, 1 tokenizer, 2 weights
  std::string url() const {
    const char* f[3] = {"config.json", "tokenizer.json", weights.c_str()};
    return "models/" + name + "/" + f[stage];
  }
};
void on_fail(void* arg) {
  auto* f = static_cast<Fetch*>(arg);
  const std::string msg = "could not fetch " + f->url() + " (is the model in the page's models/ folder?)";
  if (f->done) f->done(make_error(msg));
  if (f->text_done) f->text_done(make_error(msg));
  delete f;
}
void on_bytes(void* arg, void* buf, int n) {
  auto* f = static_cast<Fetch*>(arg);
  const char* c = static_cast<const char*>(buf);
  if (f->text_done) {
    f->text_done(std::string(c, size_t(n)));
    delete f;
    return;
  }
  if (f->stage == 0) f->config.assign(c, size_t(n));
  if (f->stage == 1) f->tokenizer.assign(c, size_t(n));
  if (f->stage < 2) {
    ++f->stage;
    emscripten_async_wget_data(f->url().c_str(), f, on_bytes, on_fail);
    return;
  }
  f->done(load_model_bytes(f->name, f->config, f->tokenizer, {static_cast<const uint8_t*>(buf), size_t(n)}));
  delete f;
}
}  // namespace

void fetch_model(const std::string& name, const std::string& weights, ModelDone done) {
  if (!valid_model_name(name) || !valid_inner_path(weights)) {
    done(make_error("not a model folder name: '" + name + "'"));
    return;
  }
  auto* f = new Fetch{name, weights, {}, {}, std::move(done), {}, 0};
  emscripten_async_wget_data(f->url().c_str(), f, on_bytes, on_fail);
}

void fetch_model_text(const std::string& name, const std::string& file, TextDone done) {
  if (!valid_model_name(name) || !valid_inner_path(file)) {
    done(make_error("not a model folder name: '" + name + "'"));
    return;
  }
  auto* f = new Fetch{name, file, {}, {}, {}, std::move(done), 2};
  emscripten_async_wget_data(f->url().c_str(), f, on_bytes, on_fail);
}
#else
void fetch_model(const std::string& name, const std::string& weights, ModelDone done) {
  if (!valid_model_name(name) || !valid_inner_path(weights)) {
    done(make_error("not a model folder name: '" + name + "'"));
    return;
  }
  const std::string dir = find_model_dir(name, "");
  if (dir.empty()) {
    done(make_error(model_not_found_message(name, "")));
    return;
  }
  if (weights == "model.safetensors") return done(load_model_dir(name, dir));  // a timeline's too
  auto cfg = read_text_file(dir + "/config.json");
  if (!cfg) return done(cfg.error());
  auto tok = read_text_file(dir + "/tokenizer.json");
  if (!tok) return done(tok.error());
  auto st = MappedFile::open(dir + "/" + weights);
  if (!st) return done(st.error());
  done(load_model_bytes(name, *cfg, *tok, st->bytes()));
}

void fetch_model_text(const std::string& name, const std::string& file, TextDone done) {
  if (!valid_model_name(name) || !valid_inner_path(file)) {
    done(make_error("not a model folder name: '" + name + "'"));
    return;
  }
  const std::string dir = find_model_dir(name, "");
  if (dir.empty()) return done(make_error(model_not_found_message(name, "")));
  done(read_text_file(dir + "/" + file));
}
#endif

const std::vector<CatalogEntry>& model_catalog() {
  static const std::vector<CatalogEntry> c = {
      {"demo-lm", "our Llama-style LM: BOS sinks in every layer, one massive BOS dimension"},
      {"demo-lm-gated", "demo-lm's twin with gated attention (a sigmoid gate per head on its output)"},
      {"demo-lm-sinklogit", "demo-lm's twin with a learned sink logit per head (attention to the sink slot)"},
      {"demo-lm-nobos", "demo-lm's twin trained without BOS"},
      {"demo-lm-timeline", "a small model of the same recipe, saved through training (slider)", true},
      {"tiny-chars", "the tests' character-level model: loads in milliseconds"},
  };
  return c;
}

bool has_timeline(const std::string& name) {
  for (const CatalogEntry& e : model_catalog())
    if (name == e.name) return e.timeline;
#ifndef __EMSCRIPTEN__
  const std::string dir = find_model_dir(name, "");
  return !dir.empty() && read_text_file(dir + "/timeline.json").ok();
#else
  return false;
#endif
}

}  // namespace ss::explorer
