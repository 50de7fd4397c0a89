// AppState: the only mutable state the UI touches. Panels read it (and the
// model's results) and write only the selection and the settings; the session
// (session.h) turns a changed prompt into new tokens and a new forward pass.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ss::explorer {

struct LoadedModel;   // session.h: model + tokenizer + engine
struct Results;       // session.h: tokens and taps of the current prompt

struct Selection {
  int layer = 0;
  int head = 0;
  int token = -1;     // hovered/selected token, -1 = none
};

// Defaults and meaning: docs/metrics.md ("Settings and their defaults").
struct Settings {
  float sink_eps = 0.2f;      // a sink needs sink_score(k) > sink_eps (and the rest of is_sink())
  int sink_min_queries = 4;   // ... and at least this many queries that see it
  float catch_tau = 0.5f;     // query i is caught by s when A[i, s] >= catch_tau
  float massive_abs = 100.0f; // massive activation: |h| > massive_abs ...
  float massive_rel = 1000.0f;//   ... and > massive_rel * median |h|
  bool add_bos = true;        // prepend BOS when the tokenizer has one
  float font_px = 16.0f;      // logical pixels (times devicePixelRatio)
};

struct AppState {
  // The demo LM's default prompt, byte for byte models/demo-lm/default_prompt.txt
  // (its trailing newline too; a unit test compares them): BOS sinks in every
  // layer, and one head catches the whole quoted clause on its opening quote
  // (MODEL.md, "Default prompt").
  std::string prompt =
      "She opened the door.\n\"I have been waiting for you in this cold room for more than an hour,\" said her "
      "mother.\nShe sat down by the fire and said nothing.\n";
  uint64_t prompt_version = 1;      // bumped on every edit; the session compares it
  std::string model_name = "demo-lm";
  std::shared_ptr<const LoadedModel> model;  // null until a model is loaded
  std::shared_ptr<const Results> results;    // null until the prompt ran once
  Selection sel;
  Settings settings;
  std::string backend = "cpu";      // which Backend runs the forward pass
  std::string backend_notice;       // why the backend changed by itself ("WebGPU device lost: switched to CPU")
  double last_forward_ms = -1.0;    // wall time of the last forward pass, -1 = none yet
  double last_tokenize_ms = -1.0;
  int last_forward_rows = -1;       // token rows the last forward computed, any backend (the rest came from its cache)
  int token_count = 0;              // tokens of the current prompt (incl. BOS)
  std::string last_error;           // shown in the status bar; empty = fine
  std::string notice;               // shown in the status bar (e.g. prompt truncated); empty = none
  std::string loading;              // what is being loaded, empty = nothing
  bool ready = false;               // model loaded and the prompt processed once
  float dpr = 1.0f;                 // device pixels per logical pixel
  int frame = 0;                    // main-loop iterations (frame function runs)
  int frames_drawn = 0;             // of those, the ones rendered (the rest drew what was on screen)
  uint64_t drawn_fingerprint = 0;   // draw_fingerprint() of the last rendered frame

  void set_prompt(std::string p) {
    if (p == prompt) return;
    prompt = std::move(p);
    ++prompt_version;
  }
};

// One process-wide state: the platform loop, the C API (webapi) and the frame
// function all refer to the same object.
AppState& state();

}  // namespace ss::explorer
