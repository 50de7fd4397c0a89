#include "ui/panels/averaging_train.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "averaging/live.h"
#include "imgui.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/line_plot.h"
#include "ui/widgets/scatter.h"

namespace ss::ui {

namespace {

// Every k-th point so a long run stays a few hundred vertices per curve.
LineSeries thin(const char* name, const std::vector<float>& xs, const std::vector<float>& ys, ImU32 color) {
  LineSeries s;
  s.name = name;
  s.color = color;
  s.markers = false;
  const size_t n = ys.size(), k = std::max<size_t>(1, n / 400);
  for (size_t i = 0; i < n; i += k) s.xs.push_back(xs[i]), s.ys.push_back(ys[i]);
  return s;
}

void controls(avg::LiveTraining& live) {
  avg::TrainConfig& c = live.next;
  int seed = static_cast<int>(c.seed);
  ImGui::PushItemWidth(90);
  if (ImGui::InputInt("seed", &seed)) c.seed = static_cast<uint64_t>(std::max(0, seed));
  ImGui::SameLine();
  ImGui::SliderInt("width d", &c.shape.d, 8, 64);
  ImGui::SameLine();
  ImGui::SliderInt("heads", &c.shape.H, 1, 4);
  ImGui::SameLine();
  ImGui::SliderInt("head dim", &c.shape.dh, 2, 16);
  ImGui::SameLine();
  ImGui::SliderFloat("learning rate", &c.opt.lr, 1e-4f, 3e-2f, "%.4f", ImGuiSliderFlags_Logarithmic);
  ImGui::SameLine();
  ImGui::InputInt("steps", &live.target_steps, 500);
  live.target_steps = std::max(1, live.target_steps);
  ImGui::PopItemWidth();
  // The task: one [SEP] per sequence (the default, where the mechanism forms) or
  // the older [SEP]-at-0-then-at-rate-p_sep; the constant input column a bias-free
  // model needs to prefer the [SEP] at all (averaging_report.md).
  ImGui::Checkbox("one [SEP] per sequence", &c.task.single_sep);
  ImGui::SameLine();
  ImGui::Checkbox("constant input column", &c.task.const_input);

  const bool same = c.seed == live.trainer.config().seed && c.shape.d == live.trainer.config().shape.d &&
                    c.shape.H == live.trainer.config().shape.H && c.shape.dh == live.trainer.config().shape.dh &&
                    c.opt.lr == live.trainer.config().opt.lr && c.task.single_sep == live.trainer.config().task.single_sep &&
                    c.task.const_input == live.trainer.config().task.const_input;
  if (live.running) {
    if (ImGui::Button("pause")) live.running = false;
  } else if (ImGui::Button(live.trainer.step() == 0 || !same ? "start" : "resume")) {
    if (!same) live.reset();  // new settings: a new run
    if (live.trainer.step() >= live.target_steps) live.reset();
    live.running = true;
  }
  ImGui::SameLine();
  if (ImGui::Button("reset")) live.reset();
  ImGui::SameLine();
  if (ImGui::Button("next seed")) {
    ++c.seed;
    live.reset();
    live.running = true;
  }
  ImGui::SameLine();
  ImGui::TextDisabled("step %d / %d   loss %.4f   %.0f steps/s", live.trainer.step(), live.target_steps,
                      live.trainer.last_loss(), live.steps_per_second);
}

void verdict(const avg::LiveTraining& live) {
  const avg::MechanismMetrics& m = live.trainer.metrics();
  const avg::VerdictThresholds& th = live.trainer.config().verdict;
  auto mark = [](bool ok) { return ok ? "yes" : "no "; };
  ImGui::Text("catch: [SEP] head L0 H%d catches its whole segment in %.2f >= %.2f of the sequences %s (catch span %.2f)",
              m.sep_head, m.catch_rate, th.catch_rate, mark(m.catch_rate >= th.catch_rate), m.catch_span);
  ImGui::Text("tag:   caught tokens align with v_sep W_O (cos %.2f >= %.2f) %s", m.tag_alignment, th.tag_alignment,
              mark(m.tag_alignment >= th.tag_alignment));
  ImGui::Text("release: L1 H%d puts %.2f >= %.2f of its attention on the current segment %s", m.release_head,
              m.release_mass, th.release_mass, mark(m.release_mass >= th.release_mass));
  if (live.trainer.formed_at() >= 0)
    ImGui::TextColored(ImVec4(0.3f, 0.9f, 0.4f, 1), "Verdict: the mechanism formed (first at step %d)", live.trainer.formed_at());
  else
    ImGui::TextColored(ImVec4(0.95f, 0.7f, 0.3f, 1), "Verdict: not formed (yet)");
  ImGui::SameLine();
  ImGui::TextDisabled("   tally: formed in %d of %d finished runs (the paper: at most 4 of 10)", live.formed, live.runs);
}

void curves(const avg::LiveTraining& live, float w) {
  const auto& losses = live.trainer.losses();
  std::vector<float> xs(losses.size());
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = float(i + 1);
  LinePlotSpec loss;
  loss.series.push_back(thin("training loss", xs, losses, IM_COL32(78, 121, 167, 255)));
  loss.x_title = "step";
  loss.y_title = "MSE";
  loss.log_y = true;
  loss.include_zero = false;
  loss.legend = false;
  line_plot("##avg_loss", loss, ImVec2(w, 170));
  ImGui::SameLine();

  const auto& ev = live.trainer.evals();
  std::vector<float> ex, sink, span, align, rel;
  for (const auto& e : ev) {
    ex.push_back(float(e.step));
    sink.push_back(e.m.sink_score0);
    span.push_back(e.m.catch_span);
    align.push_back(e.m.tag_alignment);
    rel.push_back(e.m.release_mass);
  }
  LinePlotSpec mech;
  mech.series.push_back(thin("sink score(0)", ex, sink, category(0)));
  mech.series.push_back(thin("catch span", ex, span, category(1)));
  mech.series.push_back(thin("tag alignment", ex, align, category(2)));
  mech.series.push_back(thin("L1 attention on tagged", ex, rel, category(3)));
  mech.x_title = "step";
  mech.hlines = {live.trainer.config().verdict.release_mass, live.trainer.config().verdict.tag_alignment};
  line_plot("##avg_mech", mech, ImVec2(w, 170));
}

void heatmaps_and_pca(const avg::LiveTraining& live, float w) {
  const avg::Trainer& tr = live.trainer;
  const avg::Acts& a = tr.eval_acts();
  const avg::Batch& b = tr.eval_batch();
  const avg::MechanismMetrics& m = tr.metrics();
  const int T = b.T, H = tr.params().shape.H;
  if (a.att.empty() || a.B < 1) return;
  static std::vector<std::string> labels;  // [T] "S" for [SEP], else the position
  labels.resize(T);
  for (int t = 0; t < T; ++t) labels[t] = b.is_sep(0, t) ? "SEP" : std::to_string(t);
  std::vector<int> seps;
  for (int t = 0; t < T; ++t)
    if (b.is_sep(0, t)) seps.push_back(t);
  auto draw = [&](const char* id, int layer, int head, const char* title) {
    ImGui::BeginGroup();
    ImGui::TextUnformatted(title);
    HeatmapSpec hs;
    hs.values = a.att[layer].data() + size_t(head) * T * T;  // sequence 0: [T, T]
    hs.rows = hs.cols = T;
    hs.causal = true;
    hs.row_labels = hs.col_labels = &labels;
    hs.row_title = "query";
    hs.col_title = "key";
    hs.marked_cols = seps;
    hs.legend_title = "attention";
    heatmap(id, hs, ImVec2(w, w));
    ImGui::EndGroup();
  };
  char t0[64], t1[64];
  std::snprintf(t0, sizeof t0, "L0 H%d ([SEP] head)", m.sep_head);
  std::snprintf(t1, sizeof t1, "L1 H%d (release head)", m.release_head);
  draw("##avg_att0", 0, m.sep_head, t0);
  ImGui::SameLine();
  draw("##avg_att1", 1, m.release_head, t1);
  ImGui::SameLine();

  // Tag PCA: the [SEP] head's outputs on sequence 0, coloured by segment.
  const int d = tr.params().shape.d;
  std::vector<float> ho = avg::head_out(tr.params(), a, 0, m.sep_head, 0);  // [T, d]
  avg::Pca2 pc = avg::pca2(ho, T, d);
  ScatterSpec sc;
  int seg = -1;
  for (int t = 0; t < T; ++t) {
    if (b.is_sep(0, t)) ++seg;
    sc.xs.push_back(pc.coords[size_t(t) * 2]);
    sc.ys.push_back(pc.coords[size_t(t) * 2 + 1]);
    sc.colors.push_back(b.is_sep(0, t) ? IM_COL32(255, 255, 255, 255) : category(seg));
    sc.labels.push_back(labels[t] + " (segment " + std::to_string(seg) + ")");
  }
  for (int i = 0; i <= seg && i < 10; ++i) sc.legend.push_back({"segment " + std::to_string(i), category(i)});
  sc.legend.push_back({"[SEP]", IM_COL32(255, 255, 255, 255)});
  ImGui::BeginGroup();
  ImGui::Text("tag PCA of L0 H%d outputs (PC1 %.0f%%, PC1+2 %.0f%%)", m.sep_head, 100 * pc.var_top1, 100 * pc.var_top2);
  scatter("##avg_pca", sc, ImVec2(w, w));
  ImGui::EndGroup();
  (void)H;
}

}  // namespace

void draw_averaging_train(explorer::AppState& s) {
  (void)s;
  avg::LiveTraining& live = avg::live_training();
  live.tick();  // one slice of training per frame
  ImGui::TextUnformatted("Train it yourself: a 2-layer attention-only model learns to average after [SEP]");
  controls(live);
  verdict(live);
  const float avail = ImGui::GetContentRegionAvail().x;
  curves(live, std::max(200.f, avail * 0.5f - 8));
  heatmaps_and_pca(live, std::max(160.f, std::min(360.f, avail / 3 - 10)));
}

}  // namespace ss::ui
