#include "explorer/url.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "explorer/compare.h"
#include "explorer/open_files.h"
#include "explorer/ui_state.h"
#include "core/url_query.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
// clang-format off
EM_JS(char*, ss_js_location_search, (), {
  return stringToNewUTF8(window.location.search || "");
});
EM_JS(void, ss_js_set_query, (const char* q), {
  const query = UTF8ToString(q);
  const url = window.location.pathname + "?" + query + window.location.hash;
  window.history.replaceState(null, "", url);
  const full = window.location.href;
  if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(full).catch(() => {});
});
// clang-format on
#endif

namespace ss::explorer {

int apply_url_params(AppState& s, std::string_view q) {
  int applied = 0;
  bool panel_given = false;  // compare= opens the compare panel unless panel= says otherwise
  ExplorerUi& ui = explorer_ui();
  // Splitting and decoding live in core/url_query (fuzzed: tests/fuzz/fuzz_url_params.cpp).
  for (const auto& kv : ss::parse_query(q)) {
    const std::string& key = kv.first;
    const std::string& val = kv.second;  // named, not a structured binding: clang 14 lambdas cannot capture those
    auto as_int = [&](int& dst) {
      if (auto v = ss::parse_index(val)) dst = *v, ++applied;
    };
    if (key == "prompt") s.set_prompt(val), ++applied;
    else if (key == "model" && !val.empty()) s.model_name = val, ++applied;
    else if (key == "layer") as_int(s.sel.layer), ui.pending_layer = s.sel.layer, ui.view_picked = true;
    else if (key == "head") as_int(s.sel.head), ui.pending_head = s.sel.head, ui.view_picked = true;
    else if (key == "panel") {
      if (auto p = panel_from_key(val)) ui.panel = *p, ++applied, panel_given = true;
    } else if (key == "embed") ui.embed = val == "1" || val == "true", ++applied;
    else if (key == "theme") ui.dark = val != "light", ui.contrast = val == "contrast", ++applied;
    else if (key == "backend" && !val.empty()) s.backend = val, ++applied;
    else if (key == "compare" && !val.empty()) {  // a second model side by side (compare.h); a bad name says so
      compare_set(val), ++applied;
      if (!panel_given) ui.panel = Panel::Compare;
    }  // the session falls back (with a notice) if it cannot run here
  }
  if (applied) ui.show_overlay = false;  // a shared link opens straight on its view
  return applied;
}

std::string build_url_params(const AppState& s) {
  const ExplorerUi& ui = explorer_ui();
  const std::string hub = hub_link(s.model_name);  // a model opened from the Hub reopens by its repo id
  std::string q = (hub.empty() ? "model=" + url_encode(s.model_name) : hub) + "&prompt=" + url_encode(s.prompt) +
                  "&layer=" + std::to_string(s.sel.layer) + "&head=" + std::to_string(s.sel.head) +
                  "&panel=" + panel_key(ui.panel);
  if (ui.contrast) q += "&theme=contrast";
  else if (!ui.dark) q += "&theme=light";
  if (ui.embed) q += "&embed=1";
  if (!compare_state().name.empty()) q += "&compare=" + url_encode(compare_state().name);
  return q;
}

void load_url_params(AppState& s) {
#ifdef __EMSCRIPTEN__
  char* q = ss_js_location_search();
  apply_url_params(s, q);
  std::free(q);
#else
  if (const char* q = std::getenv("SINKSCOPE_PARAMS")) apply_url_params(s, q);
#endif
}

CopiedLink copy_link(const AppState& s) {
  std::string q = build_url_params(s);
#ifdef __EMSCRIPTEN__
  ss_js_set_query(q.c_str());
  return {"?" + q, "link copied to the address bar"};
#else
  std::string link = "?" + q;
  std::printf("sinkscope link: %s\n", link.c_str());
  return {link, "link copied (parameters: SINKSCOPE_PARAMS)"};
#endif
}

}  // namespace ss::explorer
