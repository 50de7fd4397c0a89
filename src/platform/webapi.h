// The C API the web page and the browser tests use: 158 functions, every
// EMSCRIPTEN_KEEPALIVE definition in src/platform/webapi*.cpp, declared below in
// 17 groups, each with what it returns or does, its units, the range of its
// arguments and what it answers before there is a model, a view or a result.
// Call them with Module.ccall / Module.cwrap. Flat on purpose: numbers, UTF-8
// strings and pointers into wasm memory only.
//
// Conventions
//   - Returned strings stay valid until the next call that changes them;
//     ccall copies them at once. They are never null.
//   - Pointers (arguments and results) are byte offsets into wasm memory:
//     write and read them through Module.HEAPU8.buffer. The caller mallocs and
//     frees what it passes in; a typed-array view made before memory grows goes
//     stale, so make it right after the call.
//   - Times are wall-clock milliseconds (ms). Buffer lengths are bytes, tap
//     lengths are floats.
//   - "No model": no successful ss_load_model yet. "No view": the explorer has
//     not analysed the current results yet (a model, a prompt that ran, and
//     one frame after it). Getters answer -1, 0 or "" then, as noted.
//   - Only the browser build has them: cmake/app.cmake compiles webapi.cpp for
//     Emscripten only, and the other webapi_*.cpp are empty outside
//     #ifdef __EMSCRIPTEN__. The benchmark page's own module
//     (bench/bench_page.cpp, ss_bench_*) is not part of this API.
//
// Groups                                                 functions  defined in
//    1 Lifecycle and model loading                                6  webapi.cpp
//    2 Prompt and tokens                                          5  webapi.cpp, webapi_explorer.cpp
//    3 Explorer view and selection                               13  webapi.cpp, webapi_explorer.cpp
//    4 Sinks and spans                                            5  webapi_explorer.cpp
//    5 Exports (link, CSV, JSON, PNG)                             6  webapi_explorer.cpp
//    6 Settings: CPU threads and the app's backend                8  webapi.cpp, webapi_backends.cpp
//    7 Timing                                                     7  webapi.cpp, webapi_explorer.cpp
//    8 Frames and layout (test and benchmark helpers)             4  webapi.cpp
//    9 Averaging lab and trainer                                 14  webapi_trainer.cpp
//   10 WebGPU backend probe (parity tests, kernel checks,
//      the benchmark page's timeForward)                         11  webapi_webgpu.cpp
//   11 Parity table (every backend vs the CPU), WebGPU kernels    8  webapi_parity.cpp
//   12 Figures, live description and theme                        7  webapi_embed.cpp
//   13 Lessons                                                   14  webapi_lesson.cpp
//   14 Compare mode, training timeline, sink slot, models        18  webapi_twins.cpp
//   15 The paper's second half: probes, sinks, clamp, pin        13  webapi_second_half.cpp
//   16 Timing in the headless module (bench/gpu/run.mjs)          8  webapi_timing.cpp
//   17 Opening a model: the Hub, dropped files (web/hub.js)      10  webapi_hub.cpp
//                                                         total 158
// Groups 11 and 16 are also in the headless module (cmake/headless.cmake),
// which has no app: 16 only there.
#pragma once
#include <cstdint>

extern "C" {

// ---- 1 Lifecycle and model loading (6) -------------------------------------

// 1 once a model is loaded and its prompt ran once, else 0 (also after a
// failed first load). It stays 1 across later loads.
int ss_ready();
// Loads a model from the bytes of its config.json, tokenizer.json and
// model.safetensors (lengths in bytes; the model keeps its own copy, so the
// caller may free the buffers right after). name: what ss_model_name and the
// status bar show (null = "model"). Returns "" on success, else the error in
// words (also in ss_last_error); a failed load keeps the model that was there.
// On success the selection goes back to layer 0, head 0 and the prompt runs
// on the next frame.
const char* ss_load_model(const char* name, const uint8_t* config, int config_len,
                          const uint8_t* tokenizer, int tokenizer_len, const uint8_t* safetensors,
                          int safetensors_len);
// Before loading: the name ss_model_name returns and the status bar shows as
// being loaded. null = "".
void ss_set_model_name(const char* name);
// The model shown (or being loaded); "demo-lm" before any load or
// ss_set_model_name.
const char* ss_model_name();
// The status bar's error (a failed load, a failed forward pass); "" when fine.
const char* ss_last_error();
// The status bar's notice ("prompt truncated ..."); "" when none, and before
// the first run.
const char* ss_notice();

// ---- 2 Prompt and tokens (5) -----------------------------------------------

// Replaces the prompt (UTF-8; null = ""). A real change bumps the prompt
// version; the session tokenizes and runs it on the next frame, not in this
// call. Needs no model (the prompt runs once one is loaded).
void ss_set_prompt(const char* text);
// The prompt text; the demo LM's default prompt until ss_set_prompt.
const char* ss_prompt();
// The same text as ss_prompt() (the explorer's copy of the getter).
const char* ss_explorer_prompt();
// Tokens of the last prompt that ran, BOS included, after truncation to the
// model's context; 0 before the first run.
int ss_token_count();
// Tokens T of the explorer's view (ss_token_count once the frame analysed
// it); -1 with no view.
int ss_explorer_token_count();

// ---- 3 Explorer view and selection (13) ------------------------------------

// The selected head's layer, in [0, n_layers) once a frame has clamped it;
// 0 before a model and after every load.
int ss_layer();
// The selected head, in [0, n_heads) once a frame has clamped it; 0 before a
// model and after every load.
int ss_head();
// Selects head (layer, head), layer in [0, n_layers), head in [0, n_heads):
// 1 = selected, 0 = no model or out of range (the selection is unchanged).
int ss_select_head(int layer, int head);
// The same value as ss_layer().
int ss_explorer_layer();
// The same value as ss_head().
int ss_explorer_head();
// Writes the selection without a check (no model needed); the next frame
// with a view clamps it into [0, n_layers) x [0, n_heads).
void ss_explorer_select(int layer, int head);
// The main area's panel, 0..7: 0 attention, 1 residual, 2 tag, 3 release,
// 4 interventions, 5 averaging, 6 guide, 7 settings; 0 at start unless the
// URL has panel=.
int ss_explorer_panel();
// That panel's URL key: "attention", "residual", "tag", "release",
// "interventions", "averaging", "guide" or "settings".
const char* ss_explorer_panel_key();
// Switches to panel p in [0, 7] (numbered as ss_explorer_panel); any other p
// is ignored.
void ss_explorer_set_panel(int p);
// 1 when the page was opened with embed=1 (the chosen panel only, no
// chrome), else 0.
int ss_explorer_embed();
// 1 while the first-run "What am I looking at?" overlay shows (1 at start
// unless URL parameters applied), else 0.
int ss_explorer_overlay();
// Closes that overlay (tests do this before they click).
void ss_explorer_hide_overlay();
// Mean next-token cross-entropy over the prompt of the view's forward pass,
// in nats; -1 with no view.
float ss_explorer_loss();

// ---- 4 Sinks and spans (5) -------------------------------------------------
// Positions are token indices in [0, T); a catch span is [begin, end).

// Sinks of the whole prompt (every layer and head); -1 with no view.
int ss_explorer_sink_count();
// Sink i in [0, ss_explorer_sink_count()), ordered by layer, head, key:
// which 0 layer, 1 head, 2 key (its position), 3 span begin, 4 span end;
// -1 with no view or i or which out of range.
int ss_explorer_sink(int i, int which);
// Sinks of the selected head; -1 with no view.
int ss_explorer_head_sink_count();
// Sink i in [0, ss_explorer_head_sink_count()) of the selected head, by
// ascending key: which 0 key, 1 span begin, 2 span end, 3 number of caught
// queries; -1 with no view or i or which out of range.
int ss_explorer_head_sink(int i, int which);
// tag_variance (var_top1: share of variance in [0, 1]) of the selected sink
// of the selected head, computing that head's PCA if no panel has; 0 when
// the head has no sink; -1 with no view.
float ss_explorer_tag_variance();

// ---- 5 Exports: link, CSV, JSON, PNG (6) -----------------------------------

// The query string "copy link" would write (model, prompt, layer, head,
// panel, theme=light and embed=1 when set; no leading '?'). Needs no model.
const char* ss_explorer_link();
// CSV of the current analysis, one row per sink in the CLI's schema (what the
// CSV button downloads; runs the full analysis, cached per prompt and
// settings); "" with no view.
const char* ss_explorer_export_csv();
// The same analysis as JSON; "" with no view.
const char* ss_explorer_export_json();
// Asks for a PNG of the current panel, named "<panel key>.png"; it is taken
// after the next rendered frame, which also downloads it in the browser.
void ss_explorer_request_png();
// Size in bytes of the last PNG taken; 0 before any.
int ss_explorer_png_size();
// The last PNG's bytes in wasm memory (ss_explorer_png_size() of them, valid
// until the next PNG); may be null (0) before any.
const uint8_t* ss_explorer_png_data();

// ---- 6 Settings: CPU threads and the app's backend (8) ---------------------

// CPU threads the forward pass uses: always 1 in the plain module; the
// threaded module starts at the core count, at most 4.
int ss_threads();
// Asks for n threads, clamped to [1, 4] in the threaded module (1 in the
// plain one); returns what was set.
int ss_set_threads(int n);
// The backend that runs the forward pass: "cpu" (the default), "webgpu",
// "ort" or "ort-webgpu" (backend=NAME in the URL picks one at start). It goes
// back to "cpu" by itself when the chosen one is unavailable, cannot start or
// loses its device (ss_backend_notice says so).
const char* ss_backend();
// Comma-separated backends the picker offers here: "cpu" first, then the
// registered ones that are available, by name (e.g. "cpu,ort,ort-webgpu,webgpu").
const char* ss_backends();
// Picks backend `name` (one of ss_backends()): 1 = picked (the notice is
// cleared; a different backend reruns the prompt on the next frame), 0 = not
// available here (nothing changes; null counts as "").
int ss_set_backend(const char* name);
// Why the backend changed or a prompt fell back to the CPU by itself
// ("... device lost: switched to CPU", "... failed (...): this prompt ran on
// CPU"); "" = it did not.
const char* ss_backend_notice();
// 1 while a request to an asynchronous backend (webgpu, ort) runs, else 0.
int ss_async_in_flight();
// Asynchronous-backend requests since start: which 0 submitted, 1 delivered
// (results published), 2 failed (the prompt ran on the CPU), 3 fallbacks to
// "cpu", 4 copies of the engine's taps given to results still held when the
// engine changed them (any backend); -1 for any other which.
double ss_async_count(int which);

// ---- 7 Timing (7) ----------------------------------------------------------

// Wall time of the last forward pass, in ms (an asynchronous backend: submit
// to result); -1 before the first, and when the last prompt had no tokens.
double ss_last_forward_ms();
// Wall time of the last tokenization, in ms; -1 before the first run.
double ss_last_tokenize_ms();
// Token rows the last forward pass computed, on any backend (after an edit
// at the end: the changed rows only, the rest came from the KV cache, on the
// CPU or on the GPU); -1 before the first pass.
int ss_last_forward_rows();
// Edit to frame, in ms: from the session starting on a new prompt
// (tokenize + forward + analysis + drawing) to the first frame that showed
// its results; -1 until the first such frame.
double ss_explorer_edit_to_frame_ms();
// Of that, the explorer's analysis and drawing alone, in ms; -1 until the
// first such frame.
double ss_explorer_frame_ms();
// Prompt version (it starts at 1 and grows by one per prompt change or
// backend switch) of the results that frame drew; 0 until the first such
// frame.
double ss_explorer_drawn_version();
// Time the explorer's analysis of the current view took, in ms; -1 with no
// view.
float ss_explorer_analyze_ms();

// ---- 8 Frames and layout: test and benchmark helpers (4) -------------------

// Frame-function runs so far (the main loop is alive); 0 before the first.
int ss_frame_count();
// Of those, the frames rendered (a frame identical to the last is not
// drawn); 0 before the first.
int ss_frames_drawn();
// Vertices in the last rendered frame's draw lists (what each frame builds,
// hashes and uploads); -1 before a frame was rendered.
int ss_draw_vertex_count();
// ImGui window `title` (its full name, e.g. "Prompt", "##embed"): which 0 x,
// 1 y, 2 width, 3 height, in canvas pixels (CSS pixels times
// devicePixelRatio); -1 when it was not shown last frame, does not exist,
// title is null, which is outside [0, 3], or before ImGui started.
double ss_window_rect(const char* title, int which);

// ---- 9 Averaging lab and trainer (14) --------------------------------------
// The live training run is shared with the averaging panel; the same seed
// gives the same numbers as the native run.

// Resets the live run with seed (>= 0) and the averaging panel's current
// settings (default d 16, 2 layers, 2 heads of 8, T 32, batch 16, lr 1e-2
// with warm-up and cosine over the run), to stop after `steps` (>= 1) steps.
// run_in_frames != 0: the averaging panel trains it a slice (8 ms) per frame
// while shown; 0: only ss_trainer_run trains it.
void ss_trainer_start(int seed, int steps, int run_in_frames);
// Trains n steps now, n clipped to [0, steps left to the target]; returns the
// steps done. Reaching the target evaluates the run and adds it to the tally.
int ss_trainer_run(int n);
// Optimiser steps done in the current run; 0 right after ss_trainer_start.
int ss_trainer_step();
// 1 while the panel trains the run frame by frame (run_in_frames, until the
// target), else 0.
int ss_trainer_running();
// Training loss of the last step; 0 before the first step.
double ss_trainer_loss();
// Training loss of step i in [0, ss_trainer_step()); NaN out of range.
double ss_trainer_loss_at(int i);
// Training speed in steps per second, over the last ss_trainer_run or frame
// slice; 0 before any.
double ss_trainer_steps_per_second();
// The latest evaluation's metric `name` (not null): loss, sep_head,
// sep_attention, sink_score0, catch_share, catch_rate, catch_span,
// tag_alignment, release_head, release_mass, formed (0/1), formed_at (first
// evaluation step where it formed, -1 = not yet); NaN for any other name.
// Evaluations run every 50 steps, at the target and on ss_trainer_evaluate.
double ss_trainer_metric(const char* name);
// Evaluates the run now on the fixed evaluation batch.
void ss_trainer_evaluate();
// Finished runs since the page opened: which 0 = runs, any other = the runs
// where the mechanism formed.
int ss_trainer_tally(int which);
// Shipped averaging models the lab holds; -1 before the averaging panel was
// first drawn.
int ss_avg_lab_models();
// Position of the [SEP] in the lab's sequence; -1 before the averaging panel
// was first drawn.
int ss_avg_lab_sep();
// Model i in [0, ss_avg_lab_models()): 1 = ran on the sequence, 0 = loading
// (or loaded, not run yet), -1 = error, i out of range or no lab yet.
int ss_avg_lab_state(int i);
// Model i's layer-0 sink on the [SEP] with the longest catch: which 0 span
// begin, 1 span end ([begin, end), positions), 2 head, 3 = 1 when the span
// covers every token after the [SEP] (else 0); -1 when it has no such sink,
// is loading or failed, i or which is out of range, or no lab yet.
int ss_avg_lab_catch(int i, int which);

// ---- 10 WebGPU backend probe (11) ------------------------------------------
// Its own WebGPU backend instance, apart from the app's, on the app's model
// or on a bare model from ss_webgpu_load_model; each finished pass is
// compared with the CPU backend on the same input.

// Loads a bare model from config.json and model.safetensors bytes (lengths
// in bytes; no tokenizer, so the tiny families and averaging models work),
// used until ss_webgpu_use_app_model(). "" = loaded, else the error (the
// previous probe model stays).
const char* ss_webgpu_load_model(const uint8_t* config, int config_len, const uint8_t* st,
                                 int st_len);
// Drops that model: later passes run on the app's model.
void ss_webgpu_use_app_model();
// Starts one pass on n int32 token ids (n < 0 counts as 0), reading back the
// taps in the comma list `taps` (null or "" = all): 1 = started (poll it),
// 0 = refused (ss_webgpu_error, e.g. "no model loaded").
int ss_webgpu_run(const int32_t* ids, int n, const char* taps);
// The same on input vectors [T, cols] of floats, row-major (averaging models:
// cols = the model's input width); T, cols >= 1.
int ss_webgpu_run_inputs(const float* values, int T, int cols, const char* taps);
// Starts one WGSL kernel (a name of KernelCheck::names(),
// src/backends/webgpu/kernel_check.h: every kernel, the matmuls also with
// 16-bit weights) on
// random inputs from `seed` against the CPU reference: 1 = started, 0 =
// refused (ss_webgpu_error). Then poll, and ss_webgpu_max_diff("out").
int ss_webgpu_kernel_check(const char* kernel, int seed);
// The pass or kernel check started last: 0 running, 1 done (a pass: the CPU
// backend has then run the same input), -1 failed or nothing running (before
// any run, and a pass's poll after its 1), -2 device lost; ss_webgpu_error
// says why.
int ss_webgpu_poll();
// The last WebGPU pass, submit to taps in memory, in ms; -1 before the first.
double ss_webgpu_ms();
// The CPU backend on the same input, run when a pass is done, in ms; -1
// before the first.
double ss_webgpu_cpu_ms();
// Taps the last pass read back (a kernel check: 1, "out"); 0 before any.
int ss_webgpu_tap_count();
// Max |webgpu - cpu| over the taps named `tap` or ending in ".tap" (every
// layer); -1 = no such tap, 1e30 when the shapes differ, a value is NaN or
// the CPU side lacks the tap.
double ss_webgpu_max_diff(const char* tap);
// Why the last run, kernel check or poll failed ("" when fine; a failed
// ss_webgpu_load_model only returns its error).
const char* ss_webgpu_error();

// ---- 11 Parity table, WebGPU kernels (8) -----------------------------------
// engine/parity.h in the page: cases added as bytes, then one backend of the
// registry runs every claim it makes against the CPU backend, stepped from JS
// (tests/browser/parity.test.mjs). The table is the same as the native one.

// Adds a case: config.json and model.safetensors bytes (no tokenizer), and
// either n_ids int32 token ids (language models) or float vectors [rows,
// cols] (averaging models; then ids may be null). `name` is the model's
// folder (ONNX Runtime fetches models/NAME/model.onnx). "" = added, else the
// error (the case is not added).
const char* ss_parity_add_case(const char* name, const char* cfg, int cfg_len, const uint8_t* st, int st_len,
                               const int32_t* ids, int n_ids, const float* vectors, int rows, int cols);
// Drops every case and the run.
void ss_parity_clear();
// Starts the table for registry backend `backend` ("cpu", "webgpu", "ort",
// "ort-webgpu") over the cases; plant_tap (a tap kind, "" = none) gets
// plant_delta added to its first element in every result, to prove a wrong
// tap is caught. 1 = started, 0 = no such backend available here.
int ss_parity_start(const char* backend, const char* plant_tap, float plant_delta);
// One submit or poll of the run; 1 once every row is in (also with no run).
int ss_parity_step();
// 1 when the run is complete and every row is ok, not claimed or n/a.
int ss_parity_passed();
// The table as fixed-width text ("" before a start).
const char* ss_parity_table();
// The rows as JSON: [{"backend", "model", "check", "status" ("ok", "FAIL",
// "not claimed", "n/a", "ERROR"), "diff", "note"}].
const char* ss_parity_rows();
// The WebGPU backend's kernel set for the passes recorded from now on (every
// backend instance): "auto" (by adapter and shape), or forced: "tiled"
// (16x16 tiles), "blocked" (64x64 tiles of 4x4 blocks), "barrier_free" (one
// thread per output). 1 = set, 0 = no such set (nothing changes).
// src/backends/webgpu/gpu.h, matmul_kernel(), says what auto picks.
int ss_webgpu_set_kernels(const char* set);

// ---- 12 Figures, live description and theme (7) --------------------------
// For papers and course pages (webapi_embed.cpp): the current panel as an SVG
// figure drawn from the screen's own draw lists (src/ui/svg_export.h), the
// words the page's ARIA live region speaks, the colour theme, and the
// selected head's attention values an SVG can be checked against.

// Asks for an SVG of the current panel; it is made during the next frame
// (no download; the toolbar's "SVG" button downloads one).
void ss_explorer_request_svg();
// The last SVG made ("" before the first): UTF-8 text, width and height in
// CSS pixels times devicePixelRatio (the canvas's pixels), text as <text>.
// Each heatmap's cell grid is an invisible <rect class="ss-heatmap"> with
// data-rows, data-cols, data-vmin, data-vmax, data-cmap, data-causal, data-title.
const char* ss_explorer_svg();
// How many SVGs have been made so far (wait for it to grow after a request).
int ss_explorer_svg_count();
// What the canvas shows, in words (explorer/describe.h): the panel, the
// selected head, its selected sink and what it catches. Before a view: the
// model being loaded or the last error. The page's #sr-description live
// region gets the same text whenever it changes.
const char* ss_explorer_description();
// "dark", "light" or "contrast" (high contrast; also ?theme=contrast).
const char* ss_explorer_theme();
// Sets the theme by that name: 1 = done, 0 = unknown name (theme unchanged).
int ss_explorer_set_theme(const char* name);
// Attention of query `query` to key `key` in the selected head, in [0, 1];
// -1 out of range or without a view.
float ss_explorer_attention(int query, int key);

// ---- 13 Lessons (14) -------------------------------------------------------
// A lesson (docs/lessons.md) walks a student through views, one step at a
// time (webapi_lesson.cpp, explorer/lesson_run.h). web/loader.js fetches
// ?lesson=NAME (lessons/NAME.json next to index.html) or ?lesson=URL and
// hands the text to ss_lesson_load; the lesson bar and the tests step
// through it. Steps are numbered from 0 here (the lesson bar shows k + 1).

// Parses and checks a lesson (UTF-8 JSON text; source: its name or URL for
// messages, null = "") and shows its first step. "" on success, else the
// error in one sentence ("step 3: unknown panel 'heatmap' (...)"), also in
// ss_lesson_error and on screen; a lesson already open stays open. Checks
// against the model happen now if one is loaded, else on its first frame.
const char* ss_lesson_load(const char* text, const char* source);
// Shows `message` on screen as the lesson's error (the page's download
// failed before there was text to load); null or "" = a generic message.
void ss_lesson_report(const char* message);
// Why the last lesson could not open; "" when none failed.
const char* ss_lesson_error();
// 1 while a lesson is open, else 0.
int ss_lesson_active();
// The step shown, in [0, ss_lesson_step_count()); -1 with no lesson.
int ss_lesson_step();
// Steps of the open lesson (1..64); 0 with no lesson.
int ss_lesson_step_count();
// Next step: 1 = moved; 0 = no lesson, the last step, or the step's question
// not answered yet. The new step's state (prompt, panel, head, sink, token,
// intervention) is written at once; its sink is selected once it is analysed.
int ss_lesson_next();
// The previous step, its state restored: 1 = moved, 0 = first step or none.
int ss_lesson_back();
// Restores the current step's state (what the student changed is undone).
void ss_lesson_reset();
// Answers the step's question: 1 right (Next opens), 0 wrong (the hint shows,
// attempts + 1), -1 no open question of that kind. Picking a head in the app
// (head picker, sink grid, arrow keys) or clicking a token answers the same way.
int ss_lesson_answer_head(int layer, int head);
int ss_lesson_answer_token(int index);
// The model the current step is written for ("" with no lesson); the app
// fetches models/NAME/ itself when the step needs another model than the
// one shown, and applies the step again once it is in.
const char* ss_lesson_model();
// The lesson as JSON: {"active", "error", and with a lesson "title", "step",
// "count", "current": {title, model, prompt (null = inherited app prompt),
// panel, layer, head, sink, token, intervention [names], caption},
// "question": {text, kind, hint} (when the step asks), "answered",
// "attempts", "feedback" ("none" | "wrong" | "right"), "can_next",
// "prompt_is_step"}, and always "app":
// {model, panel, layer, head, token, sink (key of the
// selected sink, -1 = none), catch [begin, end) after it, intervention}}.
const char* ss_lesson_state();
// Closes the lesson (the view stays as it is).
void ss_lesson_close();

// ---- 14 Compare mode, training timeline, sink slot, models (18) ------------
// webapi_twins.cpp: a second model on the same prompt (explorer/compare.h,
// ?compare=NAME), the training timeline's checkpoints (explorer/timeline.h),
// the sink slot of a model with a learned sink logit per head
// (docs/metrics.md, "Sink slot"), and the model picker's list.

// Starts loading models/NAME/ as the compared model (null or "" = compare
// off). A name that is not a folder name keeps the previous one and says why
// in ss_compare_status.
void ss_compare_set(const char* name);
// The compared model's name; "" when compare mode is off.
const char* ss_compare_name();
// 1 = the compared model ran on the current prompt, 0 = loading or not run
// yet, -1 = compare off or its load failed (ss_compare_status says why).
int ss_compare_state();
// "" when fine, else "loading NAME ..." or the error.
const char* ss_compare_status();
// The sink map of side `which` (0 = the app's model, 1 = the compared one):
// the sink_score of head (layer, head)'s strongest sink, 0 = no sink; -1 out
// of range or before that side has a view.
double ss_compare_sink_map(int which, int layer, int head);
// That sink's key (its position; 0 = BOS), -1 when the head has no sink, out
// of range or before that side has a view.
int ss_compare_sink_key(int which, int layer, int head);
// A number of side `which` (0, 1 as above): loss (nats), sink1_share,
// max_sink_score, mean_map_score (mean of the sink map), heads_with_sink,
// max_outlier_ratio and max_bos_ratio (max over layers of max |resid_post| /
// median, over the prompt and at token 0), slot_min / slot_max (the range of
// sink_slot_share over heads; -1 without a sink slot), layers, heads,
// tokens, layer, head (the selected head on that side). NaN for any other
// name or before that side has a view.
double ss_compare_metric(int which, const char* name);
// Checkpoints of the app's model when it is a training timeline; 0 otherwise
// (also while its timeline.json loads).
int ss_timeline_count();
// Evaluations in its timeline.json (one per step); 0 when none.
int ss_timeline_eval_count();
// Loads checkpoint i in [0, ss_timeline_count()) into the app (prompt and
// selected head stay): 1 = started (or already shown), 0 = refused (no
// timeline, out of range, another checkpoint still loading).
int ss_timeline_set(int i);
// The checkpoint shown now; -1 without a timeline.
int ss_timeline_index();
// The checkpoint being loaded; -1 when none.
int ss_timeline_loading();
// The training step of the checkpoint shown; -1 without a timeline.
int ss_timeline_step();
// The shown checkpoint's metrics from timeline.json (fp32, held-out windows):
// val_loss (nats), sink_share (max over layers of the share of heads with
// sink_score(0) > 0.3), avg_share (its mean over layers 1..L-1),
// outlier_ratio (max over layers of the BOS max |h| / median |h|). NaN for
// any other name or without a timeline.
double ss_timeline_metric(const char* name);
// sink_slot_share of head (layer, head) on the current prompt, in [0, 1];
// -1 when the model has no sink slot, out of range, or without a view.
double ss_sink_slot_share(int layer, int head);
// The models the picker offers, comma-separated ("demo-lm,demo-lm-gated,...").
const char* ss_model_catalog();
// Switches the app to models/NAME/ (the picker's path; the prompt stays):
// 1 = started, 0 = not a folder name. A failed load keeps the model that was
// there and sets ss_last_error.
int ss_open_model(const char* name);

// ---- 15 The paper's second half: probes, several sinks, clamp, pin (13) -----
// webapi_second_half.cpp (explorer/second_half.h): the Tag probes, Several
// sinks and Key dimensions panels, the Interventions panel's outlier clamp,
// and pinning an analysis to compare two prompts. JSON comes in the CLI's
// formats (`sinkscope-cli analyze`, docs/metrics.md), for the selected head
// where a head is meant. Without a view: 0, "" or "[]" as noted.

// Labels token `token` (0 .. T-1) of the prompt for "your own labels": cls 0
// = A, 1 = B, -1 = none. 1 = done, 0 = no view or out of range.
int ss_sh_label(int token, int cls);
// Clears every label.
void ss_sh_clear_labels();
// The tag probes of the selected head: {"labels": probe | null, "catch":
// probe | null, "probe_windows", "error"}, each probe one entry of the CLI's
// "probes" list ({layer, head, target, classes, class_counts, n_tokens,
// n_folds, tag_dims, chance, accuracy: {tag, complement, full, random}}).
// labels: leave-one-out on the labelled tokens (null with none labelled).
// run_catch = 1 runs the catch probe on the shipped probe set plus the
// prompt now (seconds: a pass per probe window and 4 probes per held-out
// window); 0 returns it only when already run for this prompt and head. ""
// without a view.
const char* ss_sh_probes_json(int run_catch);
// The prompt's handoffs, tag_cosines and key_dimensions, every head, as the
// CLI's lists of those names; "[]" without a view.
const char* ss_sh_handoffs_json();
const char* ss_sh_tag_cosines_json();
const char* ss_sh_key_dims_json();
// Turns the outlier clamp on (clamp_outlier): dim in [-1, d_model) (-1 = the
// top outlier dim at the token), from_layer in [0, L), token in [-2, T) (-2 =
// the selected sink's key, -1 = every token). "" = set, else why not (the
// previous clamp is kept). The Interventions panel's "after" applies it.
const char* ss_sh_set_clamp(int dim, int from_layer, int token);
// Turns the clamp off.
void ss_sh_clear_clamp();
// The clamp's before/after in the CLI's "clamp" format ({dim, from_layer,
// tokens, medians [L], before, after}; each side {loss, sink1_share,
// sink_score_key0 [L][H], key0_max, key0_mean, n_sinks}, after also {sinks,
// tags}), plus "label" and "error" (non-empty: why nothing ran). Runs the
// "after" pass when needed. "" without a view or with the clamp off.
const char* ss_sh_clamp_json();
// Pins the current analysis: 1 = pinned, 0 = no view. While pinned the sink
// map shows sink-score deltas and the token strip the spans before / now.
int ss_sh_pin();
// Back to the normal view.
void ss_sh_unpin();
// 1 while an analysis is pinned, else 0.
int ss_sh_pinned();
// While pinned: {"pinned_prompt", "T_before", "T_after", "sink_map_before",
// "sink_map_after", "sink_map_delta" ([L][H], strongest sink score per head,
// now - pinned), "layer", "head", "spans_before", "spans_after" ([{key,
// begin, end}] of the selected head's sinks, end exclusive), "loss_before",
// "loss_after"}. "" when not pinned, without a view, or when the model's
// shape changed since pinning.
const char* ss_sh_deltas_json();

// ---- 16 Timing in the headless module (8) ----------------------------------
// Only in sinkscope_headless (cmake/headless.cmake), for bench/gpu/run.mjs:
// one model, any registry backend, one pass at a time, stepped from JS.
// Correctness is the parity table's job; these only time.

// Loads config.json + model.safetensors bytes as the model timed (drops the
// backends made for the previous one). "" = loaded, else the error.
const char* ss_timing_load(const char* cfg, int cfg_len, const uint8_t* st, int st_len);
// Starts one pass of registry backend `backend` on n int32 token ids with the
// taps listed (comma list, "" = every tap); an incremental backend fills a
// fresh KV cache. 1 = started, 0 = refused (ss_timing_error says why).
int ss_timing_start(const char* backend, const int32_t* ids, int n, const char* taps);
// A keystroke: the same backend, model and taps on n ids of which the first
// (the cache's rows) are unchanged; runs rows [cached, n) only. 1 = started,
// 0 = the backend is not incremental, or n is not longer than the cache.
int ss_timing_extend(const int32_t* ids, int n);
// 0 running, 1 done, -1 failed (ss_timing_error says why).
int ss_timing_poll();
// The last pass, submit to taps in wasm memory (ms); -1 before one.
double ss_timing_ms();
// Bytes of the taps the last pass delivered (every row, f32).
double ss_timing_tap_bytes();
// 1 = registry backend `backend` extends a KV cache (capabilities().incremental).
int ss_timing_incremental(const char* backend);
// Why the last call failed ("" = it did not).
const char* ss_timing_error();

// ---- 17 Opening a model: the Hub, dropped files (10) -----------------------
// webapi_hub.cpp: what web/hub.js asks while it opens a model the page does
// not ship, by Hugging Face repo id (?hf=OWNER/NAME&rev=REV&hub=HOST, the
// toolbar's "open model...") or from files dropped or picked. The page only
// fetches and reads bytes; the rules are model/hub.h and model/file_set.h.
// Files are staged (handed over one by one), then loaded together; a failed
// load keeps the model that was there. JSON answers carry "error" ("" = fine).
// None needs a model.

// The most bytes of weights one model may take in this build (kMaxModelBytes,
// src/model/safetensors.h: 1 GiB in wasm32).
double ss_max_model_bytes();
// Checks a repo reference (repo "OWNER/NAME"; rev "" = main; hub "" =
// https://huggingface.co; see parse_hub_ref). {"error", "repo", "rev", "hub",
// "base"}: base is HUB/OWNER/NAME/resolve/REV/ (the URL of every file is
// base + FILE); on a bad reference only "error", naming the part.
const char* ss_hub_ref(const char* repo, const char* rev, const char* hub);
// What one answer of the Hub means for `file`: status = the HTTP status after
// redirects (0 = the request failed: network, CORS, a redirect loop),
// content_length in bytes (-1 = not sent), bytes_before = weight bytes
// already fetched for this model, error_code = the X-Error-Code header ("" =
// none). {"ok", "kind", "title", "text", "hint"}: kind one of gated,
// repo_missing, revision_missing, file_missing, too_big, network, server,
// unexpected ("" when ok); title, text and hint are the overlay's words.
const char* ss_hub_judge(const char* repo, const char* rev, const char* hub, const char* file, int status,
                         double content_length, double bytes_before, const char* error_code);
// Stages one file: name = its name or its path inside a dropped folder,
// bytes = a buffer of len bytes from _malloc, which the module now owns (it
// frees it, also when refused). Returns the number of files staged, 0 =
// refused (no name, len < 0, more than 100,000 files).
int ss_stage_file(const char* name, uint8_t* bytes, int len);
// Frees every staged file.
void ss_stage_clear();
// Which of a file set to read: names = len bytes of lines "PATH<TAB>BYTES"
// (every file dropped or picked). {"error", "config", "tokenizer",
// "weights", "index", "shards" [..], "needs_index", "total_size"}: indices
// into the lines (-1 = absent); needs_index = 1 when the set is sharded and
// model.safetensors.index.json is not staged yet (stage it, ask again; then
// "shards" lists the files it names). error names what is missing ("config.json
// is missing", "the index names F, which was not dropped ..."), and "too_big": 1
// when the weights exceed ss_max_model_bytes().
const char* ss_stage_plan(const char* names, int len);
// The staged model.safetensors.index.json's shard files: {"error", "shards"
// [names, sorted], "total_size" (metadata.total_size, 0 = not given)}; error
// with "too_big": 1 when total_size exceeds ss_max_model_bytes().
const char* ss_stage_shards();
// The staged config.json checked alone (family, options) before any weights
// are fetched: "" = runnable here, else the loader's message (e.g. "unknown
// model_type 'mamba' ...").
const char* ss_stage_check_config();
// Loads the staged files as the app's model, shown as `name` (null or "" =
// "model"), and clears the stage. repo, rev, hub: where it came from when it
// is a Hub repo ("copy link" then writes hf=, rev=, hub= instead of model=);
// "" for local files. "" = loaded (selection back to layer 0, head 0; the
// prompt runs on the next frame), else the error (also in ss_last_error), and
// the model that was there stays.
const char* ss_stage_load(const char* name, const char* repo, const char* rev, const char* hub);
// Where the toolbar's "open model..." control `item` was drawn in the last
// frame (for tests that click it): item "button", or inside its popup "repo",
// "rev", "fetch", "folder", "files"; which 0 x, 1 y, 2 width, 3 height, in
// canvas pixels like ss_window_rect. -1 when not drawn (popup closed) or out
// of range.
double ss_open_model_rect(const char* item, int which);

}  // extern "C"
