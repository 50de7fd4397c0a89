// The explorer's part of the C API (EMSCRIPTEN_KEEPALIVE, called with ccall):
// small flat getters the browser tests use to check real state, not pixels.
// Every function is safe to call before a model is loaded (it returns -1, 0
// or an empty string then).
#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <string>

#include "explorer/export.h"
#include "explorer/view.h"
#include "explorer/session.h"
#include "platform/export_files.h"
#include "explorer/ui_state.h"
#include "explorer/url.h"

using namespace ss::explorer;

namespace {
std::string g_text;  // returned strings live here until the next call
const ExplorerView* view() { return explorer_view(); }
}  // namespace

extern "C" {

// Sinks of the whole prompt (all layers and heads).
EMSCRIPTEN_KEEPALIVE int ss_explorer_sink_count() { return view() ? static_cast<int>(view()->analysis.sinks.size()) : -1; }

// Sinks of the selected head.
EMSCRIPTEN_KEEPALIVE int ss_explorer_head_sink_count() { return view() ? static_cast<int>(view()->head_sinks.size()) : -1; }

// Sink i of the selected head: its key, and the caught span [begin, end) (which: 0 key, 1 begin, 2 end, 3 caught count).
EMSCRIPTEN_KEEPALIVE int ss_explorer_head_sink(int i, int which) {
  const ExplorerView* v = view();
  const ss::Sink* s = v ? v->head_sink(i) : nullptr;
  if (!s) return -1;
  switch (which) {
    case 0: return s->key;
    case 1: return s->span_begin;
    case 2: return s->span_end;
    case 3: return static_cast<int>(s->caught.size());
    default: return -1;
  }
}

// Sink i of the whole prompt: 0 layer, 1 head, 2 key, 3 span begin, 4 span end.
EMSCRIPTEN_KEEPALIVE int ss_explorer_sink(int i, int which) {
  const ExplorerView* v = view();
  if (!v || i < 0 || i >= static_cast<int>(v->analysis.sinks.size())) return -1;
  const ss::Sink& s = v->analysis.sinks[i];
  const int f[5] = {s.layer, s.head, s.key, s.span_begin, s.span_end};
  return which >= 0 && which < 5 ? f[which] : -1;
}

// tag_variance (var_top1) of the selected head's selected sink; -1 without a view.
EMSCRIPTEN_KEEPALIVE float ss_explorer_tag_variance() { return view() ? explorer_tag_variance(state()) : -1.0f; }

EMSCRIPTEN_KEEPALIVE int ss_explorer_token_count() { return view() ? view()->T : -1; }
EMSCRIPTEN_KEEPALIVE int ss_explorer_layer() { return state().sel.layer; }
EMSCRIPTEN_KEEPALIVE int ss_explorer_head() { return state().sel.head; }
EMSCRIPTEN_KEEPALIVE void ss_explorer_select(int layer, int head) { state().sel.layer = layer, state().sel.head = head; }
EMSCRIPTEN_KEEPALIVE int ss_explorer_panel() { return static_cast<int>(explorer_ui().panel); }
EMSCRIPTEN_KEEPALIVE const char* ss_explorer_panel_key() { return panel_key(explorer_ui().panel); }
EMSCRIPTEN_KEEPALIVE int ss_explorer_embed() { return explorer_ui().embed ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE void ss_explorer_hide_overlay() { explorer_ui().show_overlay = false; }
EMSCRIPTEN_KEEPALIVE int ss_explorer_overlay() { return explorer_ui().show_overlay ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE void ss_explorer_set_panel(int p) {
  if (p >= 0 && p < kPanelCount) explorer_ui().panel = static_cast<Panel>(p);
}
EMSCRIPTEN_KEEPALIVE const char* ss_explorer_prompt() { return state().prompt.c_str(); }
EMSCRIPTEN_KEEPALIVE float ss_explorer_loss() { return view() ? view()->base.loss : -1.0f; }
EMSCRIPTEN_KEEPALIVE double ss_explorer_edit_to_frame_ms() { return explorer_ui().edit_to_frame_ms; }
EMSCRIPTEN_KEEPALIVE double ss_explorer_frame_ms() { return explorer_ui().explorer_frame_ms; }
// Prompt version of the analysis the last frame drew (edit-to-frame timing in the browser suite).
EMSCRIPTEN_KEEPALIVE double ss_explorer_drawn_version() { return static_cast<double>(explorer_ui().timed_version); }
EMSCRIPTEN_KEEPALIVE float ss_explorer_analyze_ms() { return view() ? static_cast<float>(view()->analyze_ms) : -1.0f; }

// The query string "copy link" would write.
EMSCRIPTEN_KEEPALIVE const char* ss_explorer_link() { return (g_text = build_url_params(state())).c_str(); }

// Exports: CSV / JSON text of the current analysis (also what the buttons download).
EMSCRIPTEN_KEEPALIVE const char* ss_explorer_export_csv() { return (g_text = export_csv_now()).c_str(); }
EMSCRIPTEN_KEEPALIVE const char* ss_explorer_export_json() { return (g_text = export_json_now()).c_str(); }

// PNG of the current panel: request it, let one frame render, then read the bytes.
EMSCRIPTEN_KEEPALIVE void ss_explorer_request_png() { request_png(std::string(panel_key(explorer_ui().panel)) + ".png"); }
EMSCRIPTEN_KEEPALIVE int ss_explorer_png_size() { return static_cast<int>(last_png().size()); }
EMSCRIPTEN_KEEPALIVE const uint8_t* ss_explorer_png_data() { return last_png().data(); }

}  // extern "C"
#endif
