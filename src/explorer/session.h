// Session: from bytes to results. Loading turns the three files of a model
// folder (config.json, tokenizer.json, model.safetensors) into a LoadedModel;
// update() turns the current prompt into tokens and one forward pass on the
// picked backend (AppState::backend, through an Engine, so an appended token
// reuses the prefix on an incremental backend) whose wall time lands in
// AppState::last_forward_ms. Native reads the folder from disk; the browser
// page fetches the same files and hands their bytes over through webapi.
//
// One path for every backend (engine/backend.h): a synchronous one finishes
// inside update(); an asynchronous one (WebGPU, ONNX Runtime Web) keeps its
// pass in flight while the frame draws the previous results, and update()
// polls it once a frame:
//   - one pass in flight at a time; a newer prompt waits for it, then goes
//     next (typing never starves it)
//   - kLost, a failed submit, or a backend not available here: switch to
//     "cpu", say so in AppState::backend_notice, keep prompt, selection and
//     previous results; the CPU computes the prompt in the same frame
//   - kFailed: this prompt runs on CPU, the backend stays picked
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "explorer/app_state.h"
#include "core/status.h"
#include "engine/taps.h"
#include "model/weights.h"
#include "tokenizer/tokenizer.h"

namespace ss::explorer {

struct LoadedModel {
  std::string name;     // folder name (URL ?model=NAME)
  Model model;          // config + canonical weights
  Tokenizer tokenizer;
};

struct TokenView {
  std::vector<int32_t> ids;          // [T]
  std::vector<std::string> texts;    // [T] readable text of each token (for chips)
  std::vector<std::pair<int32_t, int32_t>> ranges;  // [T] byte range in the prompt
};

// Everything computed for one prompt. Its values do not change once published
// in AppState, so panels may keep a shared_ptr to it while a newer one is
// computed. The one exception is where the taps live (the two mutable
// members): they may move from the live engine into `taps`, same values.
struct Results {
  uint64_t prompt_version = 0;       // which prompt these belong to
  TokenView tokens;
  bool has_taps = false;             // false when the forward pass failed
  // Every tap of the forward pass (engine/taps.h): read them through tap_set().
  // Async backends move theirs into `taps`; the CPU path shares the live
  // engine's taps instead of copying them (tens of MB per keystroke), and
  // update() copies them into `taps` only if someone still holds these
  // results when the engine is about to change them.
  mutable Taps taps;
  mutable const Taps* shared_taps = nullptr;
  const Taps& tap_set() const { return shared_taps ? *shared_taps : taps; }
  std::chrono::steady_clock::time_point started;  // when update() began on this prompt (edit-to-frame)
  double forward_ms = -1.0;
  double tokenize_ms = -1.0;
};

// Short description for the status bar: "demo-lm: llama, 4 layers x 4 heads, d=128".
std::string describe(const LoadedModel& m);
int model_layers(const LoadedModel& m);
int model_heads(const LoadedModel& m);

Expected<std::shared_ptr<const LoadedModel>> load_model_bytes(
    const std::string& name, std::string_view config_json, std::string_view tokenizer_json,
    std::span<const uint8_t> safetensors);

// Reads <dir>/{config.json,tokenizer.json,model.safetensors}; errors name the missing file.
Expected<std::shared_ptr<const LoadedModel>> load_model_dir(const std::string& name,
                                                            const std::string& dir);

// Installs a loaded model (or the error of a failed load) into the state.
// keep_selection: the same architecture again (a training checkpoint), so the
// selected head stays; otherwise the selection goes back to layer 0, head 0.
void install_model(AppState& s, Expected<std::shared_ptr<const LoadedModel>> m, bool keep_selection = false);

// Recomputes results when the prompt (or the model) changed; cheap otherwise.
// Called once a frame, first thing (the explorer's one entry point).
void update(AppState& s);

struct SessionStats {
  // Asynchronous backends' passes:
  int64_t submitted = 0;   // started
  int64_t delivered = 0;   // results published
  int64_t failed = 0;      // kFailed answers (ran on CPU instead)
  int64_t fallbacks = 0;   // switches to "cpu" (lost, failed submit, unavailable)
  bool in_flight = false;  // a pass is running now
  int64_t sync_passes = 0; // passes a synchronous backend ran (the CPU)
  int64_t tap_copies = 0;  // published results given their own copy of the engine's taps
};
const SessionStats& session_stats();  // the app's session (not one of own_session())
// Gives state `s` a session of its own (engine, pass in flight, stats) instead
// of the app's: a second model shown at the same time (compare.h).
void own_session(const AppState& s);
// Drops every state's live backend and its pass in flight (tests; model reload).
void reset_session();

}  // namespace ss::explorer
