#include "platform/webapi.h"

#include <emscripten/emscripten.h>

#include <string>
#include <string_view>

#include "explorer/app_state.h"
#include "explorer/session.h"
#include "core/parallel.h"
#include "imgui.h"
#include "imgui_internal.h"  // FindWindowByName: where a test should click

using ss::explorer::state;

extern "C" {

EMSCRIPTEN_KEEPALIVE int ss_ready() { return state().ready ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE const char* ss_prompt() { return state().prompt.c_str(); }
EMSCRIPTEN_KEEPALIVE int ss_token_count() { return state().token_count; }
EMSCRIPTEN_KEEPALIVE const char* ss_backend() { return state().backend.c_str(); }
EMSCRIPTEN_KEEPALIVE double ss_last_forward_ms() { return state().last_forward_ms; }
EMSCRIPTEN_KEEPALIVE double ss_last_tokenize_ms() { return state().last_tokenize_ms; }
EMSCRIPTEN_KEEPALIVE int ss_last_forward_rows() { return state().last_forward_rows; }
EMSCRIPTEN_KEEPALIVE int ss_layer() { return state().sel.layer; }
EMSCRIPTEN_KEEPALIVE int ss_head() { return state().sel.head; }
EMSCRIPTEN_KEEPALIVE const char* ss_last_error() { return state().last_error.c_str(); }
EMSCRIPTEN_KEEPALIVE const char* ss_notice() { return state().notice.c_str(); }
EMSCRIPTEN_KEEPALIVE const char* ss_model_name() { return state().model_name.c_str(); }
EMSCRIPTEN_KEEPALIVE int ss_frame_count() { return state().frame; }
// CPU threads: 1 in the plain module; the threaded one starts at the core count.
EMSCRIPTEN_KEEPALIVE int ss_threads() { return ss::threads(); }
EMSCRIPTEN_KEEPALIVE int ss_set_threads(int n) { return ss::set_threads(n); }
// Frames rendered; an unchanged frame runs (ss_frame_count) but is not drawn.
EMSCRIPTEN_KEEPALIVE int ss_frames_drawn() { return state().frames_drawn; }
// Vertices in the last frame's draw lists: what every frame builds, hashes and uploads.
EMSCRIPTEN_KEEPALIVE int ss_draw_vertex_count() {
  const ImDrawData* d = ImGui::GetDrawData();
  return d && d->Valid ? d->TotalVtxCount : -1;
}

EMSCRIPTEN_KEEPALIVE double ss_window_rect(const char* title, int which) {
  if (!ImGui::GetCurrentContext() || !title) return -1;
  ImGuiWindow* w = ImGui::FindWindowByName(title);
  if (!w || !w->WasActive) return -1;
  const float v[4] = {w->Pos.x, w->Pos.y, w->Size.x, w->Size.y};
  return which >= 0 && which < 4 ? v[which] : -1;
}

EMSCRIPTEN_KEEPALIVE void ss_set_prompt(const char* text) { state().set_prompt(text ? text : ""); }

EMSCRIPTEN_KEEPALIVE int ss_select_head(int layer, int head) {
  auto& s = state();
  if (!s.model) return 0;
  if (layer < 0 || layer >= ss::explorer::model_layers(*s.model)) return 0;
  if (head < 0 || head >= ss::explorer::model_heads(*s.model)) return 0;
  s.sel.layer = layer;
  s.sel.head = head;
  return 1;
}

EMSCRIPTEN_KEEPALIVE void ss_set_model_name(const char* name) {
  auto& s = state();
  s.model_name = name ? name : "";
  s.loading = s.model_name;
}

EMSCRIPTEN_KEEPALIVE const char* ss_load_model(const char* name, const uint8_t* config,
                                               int config_len, const uint8_t* tokenizer,
                                               int tokenizer_len, const uint8_t* safetensors,
                                               int safetensors_len) {
  static std::string result;  // returned to JS; copied by ccall
  auto& s = state();
  auto m = ss::explorer::load_model_bytes(
      name ? name : "model", std::string_view(reinterpret_cast<const char*>(config), config_len),
      std::string_view(reinterpret_cast<const char*>(tokenizer), tokenizer_len),
      {safetensors, static_cast<size_t>(safetensors_len)});
  // The load's own outcome: a failed second load keeps the first model, so
  // s.model says nothing about this call.
  result = m.ok() ? std::string() : m.error().message;
  ss::explorer::install_model(s, std::move(m));
  if (!s.model && result.empty()) result = "model could not be loaded";
  return result.c_str();
}

}  // extern "C"
