#include "explorer/first_view.h"

#include "explorer/ui_state.h"
#include "explorer/view.h"

namespace ss::explorer {

FirstView first_view(const Analysis& an) {
  FirstView best;
  int best_len = 0;
  // 1. The longest catch after a sink at key > 0: caught_after() (the span
  //    without the sink itself). Ties: higher sink_score, then the lower
  //    (layer, head, key), which an.sinks' order gives by keeping the first.
  for (size_t i = 0; i < an.sinks.size(); ++i) {
    const Sink& s = an.sinks[i];
    if (s.key <= 0) continue;
    const auto [b, e] = caught_after(s);
    const int len = e - b;
    if (len <= 0) continue;
    const bool better = len > best_len || (len == best_len && s.score > an.sinks[best.sink_index].score);
    if (!better) continue;
    best_len = len;
    best = FirstView{s.layer, s.head, s.key, static_cast<int>(i), true};
  }
  if (best.sink_index >= 0) return best;
  // 2. None: the strongest sink of all (highest sink_score; the first on a tie).
  for (size_t i = 0; i < an.sinks.size(); ++i) {
    const Sink& s = an.sinks[i];
    if (best.sink_index < 0 || s.score > an.sinks[best.sink_index].score)
      best = FirstView{s.layer, s.head, s.key, static_cast<int>(i), false};
  }
  return best;  // 3. No sink at all: layer 0, head 0, no sink.
}

namespace {
const void* g_done_for = nullptr;  // the model the first view was applied to
}

bool apply_first_view(AppState& s) {
  ExplorerUi& ui = explorer_ui();
  const ExplorerView* v = explorer_view();
  if (!v || !v->in.model || g_done_for == v->in.model) return false;
  g_done_for = v->in.model;
  // The address (layer=, head=) or a lesson picked the view; a selection that
  // is no longer the loaded model's (0, 0) was the user's or a kept one.
  if (ui.view_picked || s.sel.layer != 0 || s.sel.head != 0) return false;
  const FirstView f = first_view(v->analysis);
  s.sel.layer = f.layer;
  s.sel.head = f.head;
  v = explorer_update(s);
  if (!v) return false;
  for (size_t i = 0; i < v->head_sinks.size(); ++i)
    if (v->analysis.sinks[v->head_sinks[i]].key == f.key) ui.selected_sink = static_cast<int>(i);
  return true;
}

}  // namespace ss::explorer
