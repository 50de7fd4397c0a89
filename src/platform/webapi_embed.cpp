// The C API for course pages and papers (group 12 of webapi.h): the panel as
// an SVG figure, the words of the page's live region, the theme, and the
// selected head's attention values the SVG test checks the figure against.
// Also the push of the live region's words to the page on change.
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <string>

#include "explorer/describe.h"
#include "explorer/export.h"
#include "explorer/session.h"
#include "explorer/ui_state.h"
#include "explorer/view.h"
#include "platform/live_description.h"

using namespace ss::explorer;

namespace {

std::string g_text;         // returned strings live here until the next call
std::string g_description;  // what the live region says now

// clang-format off
EM_JS(void, ss_js_describe, (const char* text), {
  if (Module.sinkscopeDescribe) Module.sinkscopeDescribe(UTF8ToString(text));
});
// clang-format on

std::string description_now(const AppState& s) {
  const ExplorerView* v = explorer_view();
  if (!v) return describe_no_view(s.loading.empty() ? s.model_name : s.loading, s.last_error);
  std::string d = describe_view(*v, explorer_ui().panel, explorer_ui().selected_sink);
  if (explorer_ui().keyboard_nav)
    d += " Keyboard control mode: arrow keys move between controls, Space presses one, Page Down and Page Up "
         "change tile, Escape returns to the head keys.";
  return d;
}

}  // namespace

namespace ss::explorer {

// Cheap enough for every frame (a few numbers into a short string); the page
// hears only changes, so a screen reader is not flooded.
void publish_description(const AppState& s) {
  std::string d = description_now(s);
  if (d == g_description) return;
  g_description = std::move(d);
  ss_js_describe(g_description.c_str());
}

}  // namespace ss::explorer

extern "C" {

EMSCRIPTEN_KEEPALIVE void ss_explorer_request_svg() { request_svg(std::string(panel_key(explorer_ui().panel)) + ".svg", false); }
EMSCRIPTEN_KEEPALIVE const char* ss_explorer_svg() { return last_svg().c_str(); }
EMSCRIPTEN_KEEPALIVE int ss_explorer_svg_count() { return svg_count(); }

EMSCRIPTEN_KEEPALIVE const char* ss_explorer_description() { return (g_text = description_now(state())).c_str(); }

EMSCRIPTEN_KEEPALIVE const char* ss_explorer_theme() {
  const ExplorerUi& ui = explorer_ui();
  return ui.contrast ? "contrast" : ui.dark ? "dark" : "light";
}

EMSCRIPTEN_KEEPALIVE int ss_explorer_set_theme(const char* name) {
  const std::string n = name ? name : "";
  if (n != "dark" && n != "light" && n != "contrast") return 0;
  explorer_ui().dark = n != "light";
  explorer_ui().contrast = n == "contrast";
  return 1;
}

EMSCRIPTEN_KEEPALIVE float ss_explorer_attention(int query, int key) {
  const ExplorerView* v = explorer_view();
  if (!v || query < 0 || key < 0 || query >= v->T || key >= v->T) return -1.0f;
  const std::vector<float>& p = v->base.pattern;  // [T, T]
  return p.size() == size_t(v->T) * v->T ? p[size_t(query) * v->T + key] : -1.0f;
}

}  // extern "C"
#endif
