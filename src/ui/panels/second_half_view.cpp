// The paper's second half on screen: the Tag probes, Several sinks and Key
// dimensions panels, the pin button (compare two prompts) and the clamp's
// controls in the Interventions panel. Numbers come from
// explorer/second_half.h; definitions in docs/metrics.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "explorer/second_half.h"
#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/head_picker.h"
#include "ui/panels/panels.h"
#include "ui/widgets/bars.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/token_chips.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {
namespace {

constexpr const char* kSpaceHelp[kProbeSpaces] = {
    "tag: the residual projected on the head's top principal output directions (its tag subspace, 1-2 dims).",
    "complement: the residual with the tag subspace projected out (every other direction).",
    "full: the whole residual stream after the head's layer.",
    "random: a random subspace of the tag subspace's size (a fixed seed): what any few directions give.",
};

// Four bars (tag, complement, full, random) with chance marked as the ghost bar.
void probe_bars(const char* id, const ProbeResult& p) {
  std::vector<Bar> bars;
  for (int s = 0; s < kProbeSpaces; ++s) {
    Bar b{probe_space_name(s), p.accuracy[s], category(s)};
    b.ghost = p.chance;
    bars.push_back(b);
  }
  const int hovered = hbars(id, bars, 1.0f, std::min(ImGui::GetContentRegionAvail().x, 520.0f), "%.2f");
  if (hovered >= 0) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(360);
    ImGui::TextUnformatted(kSpaceHelp[hovered]);
    ImGui::Text("held-out accuracy %.3f; chance %.3f (the outline: always guessing the most frequent class)",
                p.accuracy[hovered], p.chance);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
  std::string classes;
  for (size_t c = 0; c < p.classes.size(); ++c)
    classes += (c ? ", " : "") + p.classes[c] + " " + std::to_string(p.class_counts[c]);
  ImGui::TextDisabled("%d tokens in %d held-out folds, tag subspace %d dims; classes: %s", p.n_tokens, p.n_folds,
                      p.tag_dims, classes.c_str());
}

// The prompt's chips coloured by the user's labels (A blue, B orange);
// clicking one applies the brush.
void label_chips(const explorer::ExplorerView& v) {
  auto& ui = explorer::second_half_ui();
  ChipsSpec cs;
  cs.texts = &v.chips;
  cs.ids = v.in.ids;
  cs.fills.assign(v.T, 0);
  cs.badges.assign(v.T, "");
  for (int i = 0; i < v.T && i < int(ui.labels.size()); ++i)
    if (ui.labels[i] >= 0) cs.fills[i] = category(ui.labels[i], 0.8f), cs.badges[i] = ui.labels[i] ? "B" : "A";
  cs.highlight = explorer::explorer_ui().highlight;
  ImGui::BeginChild("##labelchips", ImVec2(0, std::min(160.0f, ImGui::GetContentRegionAvail().y * 0.4f)), true);
  ChipsResult r = token_chips("labelchips", cs);
  ImGui::EndChild();
  hover_token(r.hovered);
  if (r.clicked >= 0 && r.clicked < int(ui.labels.size()))
    ui.labels[r.clicked] = ui.labels[r.clicked] == ui.brush ? -1 : ui.brush;
}

}  // namespace

void draw_probes_view(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  head_picker(s);
  auto& ui = explorer::second_half_ui();
  explorer::fit_labels(v->T);
  const explorer::SecondHalfView* sv = explorer::second_half_view();
  ImGui::TextUnformatted("Probe set: which sink caught each token");
  ImGui::SameLine();
  help_marker("For the selected head, a linear probe (logistic regression) learns from a token's residual stream "
              "which kind of sink caught it (none, BOS, punctuation, newline, other), on the shipped probe text's "
              "windows plus your prompt, each window held out in turn. If the tag subspace alone gets near the "
              "full residual and far above random and chance, the tag carries the span's identity "
              "(docs/metrics.md, \"Tag probes\").");
  if (ImGui::Button("run on the probe set")) ui.want_catch_probe = true;
  tooltip_for_last_item("Costly (a forward pass per probe window, then 4 probes x every held-out window): computed "
                        "only when you press this, then kept for this prompt and head. Edits of the prompt or another "
                        "head need a new run.");
  if (sv && !sv->probe_error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", sv->probe_error.c_str());
  if (sv && sv->has_catch) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s, %d probe windows + your prompt", head_label(v->layer, v->head), sv->probe_windows);
    probe_bars("##catch", sv->catch_probe);
  }
  ImGui::Separator();
  ImGui::TextUnformatted("Your own labels");
  ImGui::SameLine();
  help_marker("Click chips to mark tokens as class A or B (click again to clear). The same four probes then learn "
              "A vs B from the selected head's layer, leaving one labelled token out at a time. Recomputed whenever "
              "the labels, the head or the prompt change.");
  ImGui::RadioButton("brush A", &ui.brush, 0);
  ImGui::SameLine();
  ImGui::RadioButton("brush B", &ui.brush, 1);
  ImGui::SameLine();
  ImGui::RadioButton("erase", &ui.brush, -1);
  ImGui::SameLine();
  if (ImGui::SmallButton("clear labels")) std::fill(ui.labels.begin(), ui.labels.end(), -1);
  label_chips(*v);
  if (sv && sv->has_labels) {
    if (sv->label_probe.classes.size() < 2) ImGui::TextDisabled("Label tokens of both classes to train a probe.");
    else probe_bars("##labels", sv->label_probe);
  } else {
    ImGui::TextDisabled("No tokens labelled yet.");
  }
}

void draw_sinks_view(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  head_picker(s);
  const explorer::SecondHalfView* sv = explorer::second_half_view();
  if (!sv) return;
  // The head's sinks as bands on the token strip: chip colour = the sink whose span it is in.
  std::vector<const Sink*> sinks;
  for (const Sink& sk : sv->full.sinks)
    if (sk.layer == v->layer && sk.head == v->head) sinks.push_back(&sk);
  ImGui::Text("%s: %d sinks", head_label(v->layer, v->head), int(sinks.size()));
  ImGui::SameLine();
  help_marker("Each sink's catch span (the longest run of queries giving it at least catch_tau attention) as a "
              "coloured band: a chip takes the colour of the last sink whose span covers it; the sinks carry "
              "their badge. One head can catch several spans, one sink after another.");
  ChipsSpec cs;
  cs.texts = &v->chips;
  cs.ids = v->in.ids;
  cs.fills.assign(v->T, 0);
  cs.badges.assign(v->T, "");
  for (size_t k = 0; k < sinks.size(); ++k) {
    for (int i = sinks[k]->span_begin; i < sinks[k]->span_end && i < v->T; ++i) cs.fills[i] = category(int(k), 0.5f);
    cs.fills[sinks[k]->key] = category(int(k));
    cs.badges[sinks[k]->key] = "S" + std::to_string(k + 1);
  }
  std::vector<int> handed;  // handoff queries of the head
  for (const Handoff& h : sv->sh.handoffs)
    if (h.layer == v->layer && h.head == v->head) handed.push_back(h.query);
  for (int q : handed)
    if (q < v->T && cs.badges[q].empty()) cs.badges[q] = "->";
  cs.highlight = explorer::explorer_ui().highlight;
  ImGui::BeginChild("##sinkbands", ImVec2(0, std::min(150.0f, ImGui::GetContentRegionAvail().y * 0.35f)), true);
  ChipsResult r = token_chips("sinkbands", cs);
  ImGui::EndChild();
  hover_token(r.hovered);
  ImGui::Text("Handoffs (%d)", int(handed.size()));
  ImGui::SameLine();
  help_marker("A handoff is a query where the sink this head attends to most changes (among its sinks that query "
              "can see): the '->' chips. from/to attention = the query's attention to the old and the new sink.");
  for (const Handoff& h : sv->sh.handoffs)
    if (h.layer == v->layer && h.head == v->head)
      ImGui::BulletText("query %d %s: sink %d (%.2f) -> sink %d (%.2f)", h.query, v->chips[h.query].c_str(), h.from,
                        h.from_attention, h.to, h.to_attention);
  // Cosine matrices: this head's sinks, and the model's strongest sink heads.
  auto matrix = [&](const TagCosines& tc, const char* id, float size) {
    const int n = int(tc.sinks.size());
    static std::vector<float> vals;
    static std::vector<std::string> labels;
    vals.resize(tc.cos.size());
    for (size_t i = 0; i < tc.cos.size(); ++i) vals[i] = tc.cos[i];
    labels.clear();
    for (const SinkRef& r2 : tc.sinks)
      labels.push_back(tc.scope == "head" ? std::to_string(r2.key) : "L" + std::to_string(r2.layer) + "H" + std::to_string(r2.head));
    HeatmapSpec hs;
    hs.values = vals.data();
    hs.rows = hs.cols = n;
    hs.vmin = -1, hs.vmax = 1;
    hs.cmap = ColorMap::Diverging;
    hs.row_labels = hs.col_labels = &labels;
    hs.show_values = true;
    hs.value_fmt = "%.2f";
    hs.legend_title = "cos";
    hs.max_cell = 40;
    heatmap(id, hs, ImVec2(size, size));
  };
  const float side = std::min(ImGui::GetContentRegionAvail().x * 0.5f - 8, 360.0f);
  const TagCosines* mine = nullptr;
  const TagCosines* model = nullptr;
  for (const TagCosines& tc : sv->sh.tag_cosines) {
    if (tc.scope == "head" && tc.layer == v->layer && tc.head == v->head) mine = &tc;
    if (tc.scope == "model") model = &tc;
  }
  ImGui::BeginGroup();
  ImGui::TextUnformatted("Tags of this head's sinks");
  ImGui::SameLine();
  help_marker("Signed cosine between the tags (v_sink W_O) of the head's sinks, by key. Near 1: the spans get the "
              "same tag, so a later head cannot tell them apart by the tag alone; near 0: separate directions.");
  if (mine) matrix(*mine, "##cos_head", side);
  else ImGui::TextDisabled("fewer than two tagged sinks");
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::TextUnformatted("Across the strongest sink heads");
  ImGui::SameLine();
  help_marker("Interference: the cosine between the tags of the model's strongest sink heads (each by its "
              "strongest sink). Heads that write the same tag direction share one channel of the residual stream.");
  if (model) matrix(*model, "##cos_model", side);
  else ImGui::TextDisabled("no tagged sinks");
  ImGui::EndGroup();
}

void draw_key_dims_view(explorer::AppState& s) {
  const explorer::ExplorerView* v = view_or_reason(s);
  if (!v) return;
  head_picker(s);
  sink_picker(s);
  const explorer::SecondHalfView* sv = explorer::second_half_view();
  const Sink* sk = v->sink();
  if (!sv || !sk) {
    ImGui::TextDisabled("The selected head has no sink.");
    return;
  }
  const KeyDimensions* kd = nullptr;
  for (const KeyDimensions& k : sv->sh.key_dimensions)
    if (k.layer == sk->layer && k.head == sk->head && k.key == sk->key) kd = &k;
  if (!kd || kd->contribution.empty()) {
    ImGui::TextDisabled("The taps this needs (q, k, resid_pre) are missing.");
    return;
  }
  ImGui::Text("Sink at %d %s: mean score q . k = %.2f over %d %s queries (key bias %.2f)", kd->key,
              v->chips[kd->key].c_str(), kd->score, kd->n_queries, kd->queries.c_str(), kd->bias);
  ImGui::SameLine();
  help_marker("The score the caught queries give the sink's key, q . k / sqrt(dh), split exactly into one term per "
              "residual dimension of the sink's row (through the layer's input norm, W_K and RoPE). Bars: the "
              "dimensions with the largest terms, as a share of the sum of |terms|. Red = a massive activation "
              "(over the Residual panel's thresholds) or among the layer's top |h| entries: the outlier that "
              "makes the sink.");
  std::vector<Bar> bars;
  float vmax = 0;
  for (const KeyDim& e : kd->top) vmax = std::max(vmax, std::fabs(e.share));
  for (const KeyDim& e : kd->top) {
    char label[64];
    std::snprintf(label, sizeof label, "dim %d%s", e.dim, e.massive ? " (massive)" : e.top_k ? " (outlier)" : "");
    bars.push_back({label, std::fabs(e.share), e.massive || e.top_k ? IM_COL32(220, 80, 60, 255) : category(0)});
  }
  const int hovered = hbars("##keydims", bars, std::max(vmax, 1e-6f), std::min(ImGui::GetContentRegionAvail().x, 560.0f));
  if (hovered >= 0) {
    const KeyDim& e = kd->top[hovered];
    ImGui::BeginTooltip();
    ImGui::Text("dim %d: contribution %+.3f (share %+.3f)", e.dim, e.contribution, e.share);
    ImGui::Text("resid_pre %.2f (%.0fx the layer's median |h|), normed %.3f", e.x, e.ratio_to_median, e.n);
    ImGui::TextUnformatted(e.massive ? "a massive activation of this layer" : e.top_k ? "among the layer's top |h| entries" : "not an outlier");
    ImGui::EndTooltip();
  }
  ImGui::TextDisabled("bars: |share| of the sum of |terms|; the sign is in the tooltip");
}

void draw_pin_button(explorer::AppState& s) {
  const explorer::ExplorerView* v = explorer::explorer_view();
  const explorer::Pinned& p = explorer::pinned();
  if (!p.valid) {
    ImGui::BeginDisabled(!v);
    if (ImGui::SmallButton("pin") && v) explorer::pin(*v, s);
    ImGui::EndDisabled();
    tooltip_for_last_item("Compare two prompts: pin this analysis, then edit the prompt. While pinned, the sink map "
                          "shows each head's sink-score change (now - pinned) and the token strip the selected "
                          "head's spans before (outline) and now.");
  } else {
    if (ImGui::SmallButton("unpin")) explorer::unpin();
    tooltip_for_last_item("Back to the normal view.");
  }
}

void draw_clamp_controls(explorer::AppState& s) {
  const explorer::ExplorerView* v = explorer::explorer_view();
  if (!v) return;
  auto& ui = explorer::second_half_ui();
  ImGui::Checkbox("clamp an outlier", &ui.clamp);
  tooltip_for_last_item("clamp_outlier: set one residual dimension at the chosen token to the layer's median of that "
                        "dimension (over the prompt's tokens, without the clamp), in the stream entering every layer "
                        "from the chosen one on. Default: the largest dimension at the selected sink's token, from "
                        "layer 0. The paper's claim: without the outlier, the sink goes.");
  if (!ui.clamp) return;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  ImGui::InputInt("dim", &ui.clamp_dim);
  tooltip_for_last_item("Residual dimension to clamp; -1 = the top outlier at the token (on demo-lm: 292).");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  ImGui::InputInt("from layer", &ui.clamp_layer);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  ImGui::InputInt("token", &ui.clamp_token);
  tooltip_for_last_item("Token to clamp: -2 = the selected sink's key, -1 = every token, else a position.");
  ui.clamp_dim = std::clamp(ui.clamp_dim, -1, v->in.model->config.d_model - 1);
  ui.clamp_layer = std::clamp(ui.clamp_layer, 0, v->L - 1);
  ui.clamp_token = std::clamp(ui.clamp_token, -2, v->T - 1);
  ClampSpec spec;
  std::vector<float> med;
  std::string why;
  if (!explorer::resolve_clamp(*v, spec, med, &why)) {
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", why.c_str());
    return;
  }
  ImGui::TextDisabled("dim %d := median %.3f (layer %d) ... from layer %d on", spec.dim, med[spec.from_layer],
                      spec.from_layer, spec.from_layer);
  if (!v->has_after) return;
  // Before / after: the BOS sink's share, the sinks, and the selected head's spans and tag.
  const ClampSide b = clamp_side(v->analysis, v->base.loss), a = clamp_side(v->after_analysis, v->after.loss);
  ImGui::Text("sink_score(0) over heads: max %.3f -> %.3f, mean %.3f -> %.3f; sinks %d -> %d", b.key0_max, a.key0_max,
              b.key0_mean, a.key0_mean, b.n_sinks, a.n_sinks);
  tooltip_for_last_item("sink_score(0): the mean attention the queries give the first token (the BOS sink), per "
                        "head; max and mean over every head, before -> after the clamp.");
  std::string spans;
  for (const Analysis* an : {&v->analysis, &v->after_analysis}) {
    spans += an == &v->analysis ? "spans of " : "  ->  ";
    if (an == &v->analysis) spans += std::string(head_label(v->layer, v->head)) + ": ";
    int n = 0;
    for (const Sink& sk : an->sinks)
      if (sk.layer == v->layer && sk.head == v->head)
        spans += (n++ ? ", " : "") + std::to_string(sk.key) + ":[" + std::to_string(sk.span_begin) + "," + std::to_string(sk.span_end) + ")";
    if (!n) spans += "none";
  }
  ImGui::TextUnformatted(spans.c_str());
  tooltip_for_last_item("The selected head's sinks as key:[span begin, end) before -> after (the attention maps below "
                        "show the same head).");
  // The selected sink's tag after the clamp, against its tag before.
  if (const Sink* sel = v->sink()) {
    const Sink* same = nullptr;
    for (const Sink& sk : v->after_analysis.sinks)
      if (sk.layer == sel->layer && sk.head == sel->head && sk.key == sel->key) same = &sk;
    if (!same) {
      ImGui::Text("tag of the sink at %d: the sink is gone after the clamp", sel->key);
    } else if (!sel->tag.empty() && same->tag.size() == sel->tag.size()) {
      double dot = 0, na = 0, nb = 0;
      for (size_t j = 0; j < sel->tag.size(); ++j)
        dot += double(sel->tag[j]) * same->tag[j], na += double(sel->tag[j]) * sel->tag[j], nb += double(same->tag[j]) * same->tag[j];
      const double c = na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
      ImGui::Text("tag of the sink at %d: |tag| %.2f -> %.2f, cos(before, after) %.3f", sel->key, sel->tag_norm,
                  same->tag_norm, c);
    }
    tooltip_for_last_item("The tag v_sink W_O of the selected sink before and after the clamp: its length and the "
                          "cosine between the two directions (1 = the same tag).");
  }
}

}  // namespace ss::ui
