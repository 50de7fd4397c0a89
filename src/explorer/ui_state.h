// The explorer's own UI state (AppState holds what everything shares: prompt,
// selection, settings). Panels, the C API and the URL code read and write it.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace ss::explorer {

// The panels the main area switches between (Tab cycles them; `panel=` in the URL).
enum class Panel : int { Attention, Residual, Tag, Release, Interventions, Averaging, Guide, Settings,
                        Probes, Sinks, Keys,  // the paper's second half (second_half.h)
                        Compare,              // two models side by side (compare.h)
                        Count };
constexpr int kPanelCount = static_cast<int>(Panel::Count);
const char* panel_key(Panel p);    // "attention", "residual", ... (URL value)
const char* panel_title(Panel p);  // "Attention", "Residual & outliers", ...
std::optional<Panel> panel_from_key(std::string_view key);

enum class CompressMode : int { None, LowRank, Sparse };

struct ExplorerUi {
  Panel panel = Panel::Attention;
  bool embed = false;           // embed=1: the chosen panel only, no chrome
  bool dark = true;
  bool contrast = false;        // high-contrast theme (theme=contrast): black, white, yellow focus
  bool keyboard_nav = false;    // Enter: arrows/Space/Tab move through and press every control; Esc: back to head keys
  bool theme_dirty = true;      // re-apply colors next frame
  int highlight = -1;           // token under the mouse anywhere (chips, plots), this frame
  int next_highlight = -1;      // collected while drawing, becomes `highlight` next frame
  bool show_overlay = true;     // first-run "what am I looking at"
  int selected_sink = 0;        // index among the selected head's sinks
  // layer/head from the URL, applied once the model is in (loading resets the selection).
  int pending_layer = -1, pending_head = -1;
  // The address (layer=/head=) or a lesson chose the head: the computed first
  // view (first_view.h) is not applied over it.
  bool view_picked = false;
  // Interventions (applied to the selected head / sink).
  bool ablate_sink = false;     // attention of the head to the sink's key := 0
  bool remove_tag = false;      // subtract the tag direction from resid_post of the sink's layer
  bool knock_out_head = false;  // the head's output := 0
  // Compression.
  CompressMode compress = CompressMode::None;
  float sparsity = 0.5f;        // share of weights pruned (magnitude)
  float rank_ratio = 1.0f;      // OATS rule: r = ratio * (1 - p) * m n / (m + n)
  // Averaging lab.
  int averaging_seed_index = 0;
  int averaging_sequence_seed = 1;
  // Edit-to-frame: tokenize + forward (session) + analysis + panel drawing, in
  // ms, for the first frame that showed a new prompt's results.
  double edit_to_frame_ms = -1;
  double explorer_frame_ms = -1;  // analysis + drawing of that frame alone
  uint64_t timed_version = 0;
  // One-line feedback ("link copied", "saved attention.png").
  std::string toast;
  double toast_until = 0;
  // Export requests, serviced after rendering (PNG needs the finished frame).
  bool want_png = false;
  std::string png_path;         // native: file to write; browser: download name
};

ExplorerUi& explorer_ui();

}  // namespace ss::explorer
