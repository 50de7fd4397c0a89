// The C API the web page and the browser tests use (exported with
// EMSCRIPTEN_KEEPALIVE; call with Module.ccall / Module.cwrap). Flat on
// purpose: numbers and UTF-8 strings only. Returned strings stay valid until
// the next call that changes them; ccall copies them at once.
//
//   state (read)
//     int         ss_ready()            1 once a model is loaded and the prompt ran
//     const char* ss_prompt()           the prompt text
//     int         ss_token_count()      tokens of the prompt, incl. BOS
//     const char* ss_backend()          "cpu", ...
//     double      ss_last_forward_ms()  wall time of the last forward pass, -1 = none
//     int         ss_last_forward_rows() token rows it computed (an edit at the end: the changed ones)
//     double      ss_last_tokenize_ms() wall time of the last tokenization
//     int         ss_layer(), ss_head() the selected head
//     const char* ss_last_error()       "" when fine
//     const char* ss_notice()           status-bar notice ("prompt truncated ..."), "" when none
//     const char* ss_model_name()       the model being shown (or loaded)
//     int         ss_frame_count()      frames run so far (the loop is alive)
//     int         ss_frames_drawn()     of those, frames drawn (an unchanged one is skipped)
//     int         ss_draw_vertex_count() vertices in the last frame's draw lists
//     int         ss_threads()          CPU threads in use; ss_set_threads(n) changes it
//     double      ss_window_rect(title, i)  ImGui window `title`: i = 0 x, 1 y, 2 width,
//                                       3 height in canvas pixels; -1 when not shown
//   actions (used by the page and the tests)
//     void        ss_set_prompt(text)
//     int         ss_select_head(layer, head)   1 = selected, 0 = out of range
//     void        ss_set_model_name(name)       before loading: what the status bar names
//     const char* ss_load_model(name, config, config_len, tokenizer, tokenizer_len,
//                               safetensors, safetensors_len)
//                 bytes of the three files (malloc'd by the caller, who frees them);
//                 returns "" on success, else the error in words
#pragma once
#include <cstdint>

extern "C" {
int ss_ready();
const char* ss_prompt();
int ss_token_count();
const char* ss_backend();
double ss_last_forward_ms();
int ss_last_forward_rows();
double ss_last_tokenize_ms();
int ss_layer();
int ss_head();
const char* ss_last_error();
const char* ss_notice();
const char* ss_model_name();
int ss_frame_count();
int ss_frames_drawn();
int ss_draw_vertex_count();
int ss_threads();
int ss_set_threads(int n);
double ss_window_rect(const char* title, int which);
void ss_set_prompt(const char* text);
int ss_select_head(int layer, int head);
void ss_set_model_name(const char* name);
const char* ss_load_model(const char* name, const uint8_t* config, int config_len,
                          const uint8_t* tokenizer, int tokenizer_len, const uint8_t* safetensors,
                          int safetensors_len);
}
