#include "app/explorer_url.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/explorer_state.h"
#include "imgui.h"

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

namespace ss::app {

std::string url_decode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') out += ' ';
    else if (c == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
             std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else out += c;
  }
  return out;
}

std::string url_encode(std::string_view in) {
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

int apply_url_params(AppState& s, std::string_view q) {
  if (!q.empty() && q[0] == '?') q.remove_prefix(1);
  int applied = 0;
  ExplorerUi& ui = explorer_ui();
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    size_t eq = kv.find('=');
    std::string key = url_decode(kv.substr(0, eq));
    std::string val = eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1));
    auto as_int = [&](int& dst) {
      char* end = nullptr;
      long v = std::strtol(val.c_str(), &end, 10);
      if (end && *end == 0 && !val.empty() && v >= 0 && v < 4096) dst = static_cast<int>(v), ++applied;
    };
    if (key == "prompt") s.set_prompt(val), ++applied;
    else if (key == "model" && !val.empty()) s.model_name = val, ++applied;
    else if (key == "layer") as_int(s.sel.layer), ui.pending_layer = s.sel.layer;
    else if (key == "head") as_int(s.sel.head), ui.pending_head = s.sel.head;
    else if (key == "panel") {
      if (auto p = panel_from_key(val)) ui.panel = *p, ++applied;
    } else if (key == "embed") ui.embed = val == "1" || val == "true", ++applied;
    else if (key == "theme") ui.dark = val != "light", ++applied;
  }
  if (applied) ui.show_overlay = false;  // a shared link opens straight on its view
  return applied;
}

std::string build_url_params(const AppState& s) {
  const ExplorerUi& ui = explorer_ui();
  std::string q = "model=" + url_encode(s.model_name) + "&prompt=" + url_encode(s.prompt) +
                  "&layer=" + std::to_string(s.sel.layer) + "&head=" + std::to_string(s.sel.head) +
                  "&panel=" + panel_key(ui.panel);
  if (!ui.dark) q += "&theme=light";
  if (ui.embed) q += "&embed=1";
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

std::string copy_link(const AppState& s) {
  std::string q = build_url_params(s);
#ifdef __EMSCRIPTEN__
  ss_js_set_query(q.c_str());
  return "link copied to the address bar";
#else
  std::string link = "?" + q;
  ImGui::SetClipboardText(link.c_str());
  std::printf("sinkscope link: %s\n", link.c_str());
  return "link copied (parameters: SINKSCOPE_PARAMS)";
#endif
}

}  // namespace ss::app
