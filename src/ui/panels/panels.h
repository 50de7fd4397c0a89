// Every panel of the app, one file each under src/ui/panels/. A panel draws
// into the current ImGui window (the explorer layout, ui/layout.cpp,
// owns the window and its place on screen), reads AppState and the results,
// and writes only the selection and the settings.
#pragma once
#include "explorer/app_state.h"

namespace ss::ui {

void draw_prompt_editor(explorer::AppState& s);   // the text the model reads
void draw_token_strip(explorer::AppState& s);     // one chip per token
void draw_attention_view(explorer::AppState& s);  // attention pattern of the selected head
void draw_sink_grid(explorer::AppState& s);       // layer x head grid of sink scores
void draw_residual_view(explorer::AppState& s);   // residual norms and massive activations
void draw_tag_view(explorer::AppState& s);        // tag direction and alignment of caught tokens
void draw_release_view(explorer::AppState& s);    // where later layers read the tag
void draw_settings(explorer::AppState& s);        // thresholds, backend, model
void draw_guide(explorer::AppState& s);           // what to look at, in words
void draw_status_bar(explorer::AppState& s);      // model, backend, tokens, timing, errors
void draw_next_token(explorer::AppState& s);      // top-k continuations from the logits
void draw_interventions(explorer::AppState& s);   // ablate a sink / remove a tag / knock out a head; compression
void draw_averaging_lab(explorer::AppState& s);   // the minimal [SEP] averaging problem
void draw_overlay(explorer::AppState& s);         // first-run "what am I looking at"
void draw_lesson_bar(explorer::AppState& s);      // the open lesson: step k of n, Back/Next, caption, question
bool lesson_bar_visible();                         // a lesson is open, or one failed to open (its message shows)
void draw_compare(explorer::AppState& s);         // two models on one prompt, side by side (compare mode)
bool draw_model_picker(explorer::AppState& s);    // the app's model, from the shipped ones; true = switching
bool draw_compare_picker(explorer::AppState& s);  // "compare with...": a second model; true = picked
bool draw_open_model(explorer::AppState& s);      // "open model...": a Hub repo or files from disk; true = started
bool timeline_strip_shown();                      // the app's model is a training timeline
void draw_timeline_strip(explorer::AppState& s, float height);  // checkpoint slider + training plots
void draw_probes_view(explorer::AppState& s);     // tag probes: probe set and your own A/B labels
void draw_sinks_view(explorer::AppState& s);      // several sinks of a head: spans, handoffs, tag cosines
void draw_key_dims_view(explorer::AppState& s);   // residual dimensions that build the sink's key
void draw_pin_button(explorer::AppState& s);      // pin / unpin the analysis (compare two prompts)
void draw_clamp_controls(explorer::AppState& s);  // clamp an outlier (Interventions panel)

}  // namespace ss::ui
