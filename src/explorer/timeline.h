// The training timeline (models/demo-lm-timeline): one small model saved at
// log-spaced steps (checkpoints/step_NNNNN.safetensors) and timeline.json,
// the metrics of every evaluation during training. When the app's model is a
// timeline, a slider picks the checkpoint: it is loaded on demand and
// installed in place of the current weights (same architecture, so the
// prompt and the selected head stay), and every panel shows that checkpoint.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "explorer/app_state.h"

namespace ss::explorer {

// One evaluation (timeline.json "evals", or a checkpoint's fp32 re-measure).
struct TimelinePoint {
  int step = 0;
  float val_loss = 0;        // validation loss (nats)
  float sink_share = 0;      // max over layers of the share of heads with sink_score(0) > 0.3
  float avg_share = 0;       // the same share averaged over layers 1..L-1
  float outlier_ratio = 0;   // max over layers of max_d |resid_post[0, d]| / median |resid_post| (BOS)
};

struct Timeline {
  std::string name;                      // the model folder; "" = the app's model is no timeline
  std::string status;                    // "" = fine; "loading ..." or the error
  std::vector<TimelinePoint> evals;      // every evaluation, ascending step
  std::vector<TimelinePoint> checkpoints;// the shipped checkpoints, ascending step
  std::vector<std::string> files;        // [checkpoints] weights path inside the folder
  int index = -1;                        // checkpoint the app shows now
  int loading = -1;                      // checkpoint being loaded, -1 = none
};

// timeline.json -> Timeline (name left empty); errors name the field.
Expected<Timeline> parse_timeline(std::string_view json);
// Natively: the weights file a timeline folder starts with (its last checkpoint).
Expected<std::string> timeline_final_weights(const std::string& dir);

const Timeline& timeline();
// Once a frame: notices a timeline model (fetches its timeline.json) or that
// the model is none any more.
void timeline_step(AppState& s);
// Loads checkpoint i in [0, checkpoints) into the app; false when refused
// (no timeline, out of range, one already loading).
bool timeline_set(AppState& s, int i);

}  // namespace ss::explorer
