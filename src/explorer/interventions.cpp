#include "explorer/interventions.h"

#include <memory>
#include <sstream>

#include "engine/backend.h"
#include "explorer/context_limit.h"
#include "explorer/second_half.h"
#include "explorer/view.h"

namespace ss::explorer {

namespace {

// What the last "after" run was made for.
struct AfterKey {
  int toggles = -1, layer = -1, head = -1, sink = -1;
  int clamp_dim = -1, clamp_layer = -1, clamp_token = -3;  // clamp_outlier's settings (second_half.h)
  uint64_t view_generation = 0;
  AnalysisSettings settings;
  bool operator==(const AfterKey&) const = default;
};

int toggles(const ExplorerUi& ui) {
  return (ui.knock_out_head ? 1 : 0) | (ui.ablate_sink ? 2 : 0) | (ui.remove_tag ? 4 : 0) |
         (second_half_ui().clamp ? 8 : 0);
}

void run_after(ExplorerView& v, const ExplorerUi& ui, const AnalysisSettings& st) {
  static std::unique_ptr<Backend> cpu;  // its own instance: no cache shared with the live prompt
  v.has_after = false;
  v.after_error.clear();
  Hooks hooks = intervention_hooks(v, ui, v.after_label);
  if (hooks.empty()) return;
  if (!cpu) cpu = make_cpu_backend();
  // A hooked pass keeps every tap (a RemoveKey renormalises patterns after
  // the softmax, so they cannot be recomputed from attn_lse): past the long
  // prompt's size that would not fit the page, so it says so instead.
  if (const size_t T = v.in.ids->size(); long_prompt(v.in.model->config, T)) {
    v.after_error = "interventions run on prompts of up to " + std::to_string(max_intervention_tokens(v.in.model->config)) +
                    " tokens with this model (this one has " + std::to_string(T) +
                    "): the hooked pass keeps every attention pattern";
    return;
  }
  Taps taps;
  auto r = cpu->forward(*v.in.model, *v.in.ids, hooks, TapFilter{}, taps);  // every tap: the analysis reads most
  if (!r) {
    v.after_error = r.error().message;
    return;
  }
  v.after_analysis = analyze(*v.in.model, taps, st, v.in.texts);
  LossRows rows;
  v.after = summarize(taps, *v.in.ids, v.in.tokenizer, rows, v.in.model, v.in.model->weights.version);
  v.after.pattern = head_pattern(*v.in.model, taps, v.layer, v.head);
  v.has_after = true;
}

}  // namespace

Hooks intervention_hooks(const ExplorerView& v, const ExplorerUi& ui, std::string& label) {
  Hooks hooks;
  const Sink* s = v.sink();
  std::ostringstream os;
  if (ui.knock_out_head) {
    hooks.push_back({HookKind::ZeroHead, v.layer, v.head, -1, {}});
    os << "head L" << v.layer << "H" << v.head << " knocked out; ";
  }
  if (ui.ablate_sink && s) {
    hooks.push_back({HookKind::RemoveKey, s->layer, s->head, s->key, {}});
    os << "attention of L" << s->layer << "H" << s->head << " to the sink at " << s->key << " removed; ";
  }
  if (ui.remove_tag && s && !s->tag.empty()) {
    hooks.push_back({HookKind::SubtractDirection, s->layer, -1, -1, s->tag});
    os << "tag of the sink at " << s->key << " projected out of layer " << s->layer << "'s output; ";
  }
  ClampSpec spec;
  std::vector<float> medians;
  std::string why;
  if (resolve_clamp(v, spec, medians, &why)) {
    const Hooks c = clamp_hooks(spec, medians);
    hooks.insert(hooks.end(), c.begin(), c.end());
    os << "dim " << spec.dim << " clamped to its median from layer " << spec.from_layer << " on, at ";
    if (spec.tokens.empty()) os << "every token; ";
    else os << "token " << spec.tokens[0] << "; ";
  } else if (!why.empty()) {
    os << "clamp not applied: " << why << "; ";
  }
  label = os.str();
  return hooks;
}

void ensure_after(ExplorerView& v, const ExplorerUi& ui, const AnalysisSettings& st) {
  static AfterKey last;
  const SecondHalfUi& sh = second_half_ui();
  const AfterKey key{toggles(ui), v.layer, v.head, ui.selected_sink, sh.clamp_dim, sh.clamp_layer, sh.clamp_token,
                     v.generation, st};
  if (key == last) return;
  run_after(v, ui, st);
  last = key;
}

}  // namespace ss::explorer
