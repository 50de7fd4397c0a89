// Every panel of the app, one file each under src/ui/panels/. A panel draws
// into the current ImGui window (the explorer layout, app/explorer_layout.cpp,
// owns the window and its place on screen), reads AppState and the results,
// and writes only the selection and the settings.
#pragma once
#include "app/app_state.h"

namespace ss::ui {

void draw_prompt_editor(app::AppState& s);   // the text the model reads
void draw_token_strip(app::AppState& s);     // one chip per token
void draw_attention_view(app::AppState& s);  // attention pattern of the selected head
void draw_sink_grid(app::AppState& s);       // layer x head grid of sink scores
void draw_residual_view(app::AppState& s);   // residual norms and massive activations
void draw_tag_view(app::AppState& s);        // tag direction and alignment of caught tokens
void draw_release_view(app::AppState& s);    // where later layers read the tag
void draw_settings(app::AppState& s);        // thresholds, backend, model
void draw_guide(app::AppState& s);           // what to look at, in words
void draw_status_bar(app::AppState& s);      // model, backend, tokens, timing, errors
void draw_next_token(app::AppState& s);      // top-k continuations from the logits
void draw_interventions(app::AppState& s);   // ablate a sink / remove a tag / knock out a head; compression
void draw_averaging_lab(app::AppState& s);   // the minimal [SEP] averaging problem
void draw_overlay(app::AppState& s);         // first-run "what am I looking at"

}  // namespace ss::ui
