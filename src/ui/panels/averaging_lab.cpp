#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "explorer/averaging.h"
#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"
#include "ui/widgets/colormap.h"
#include "ui/widgets/heatmap.h"
#include "ui/widgets/token_chips.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {

void draw_averaging_lab(explorer::AppState& s) {
  auto& ui = explorer::explorer_ui();
  explorer::AveragingLab& lab = explorer::averaging_lab(s, static_cast<uint64_t>(ui.averaging_sequence_seed));
  ImGui::TextUnformatted("The minimal problem: output the mean of the inputs since the [SEP] (before it: since the start)");
  ImGui::SameLine();
  help_marker(guide::kAveraging);
  // Seeds side by side: loss on this sequence and where layer 0 puts its sinks.
  if (ImGui::Button("new random sequence")) ++ui.averaging_sequence_seed;
  ImGui::SameLine();
  ImGui::TextDisabled("sequence #%d, T = %d, [SEP] at %d", ui.averaging_sequence_seed, lab.T, lab.sep);
  ImGui::TextWrapped("Three ways to solve one task: averaging-bos-8 learned catch, tag and release; averaging-bos-10 "
                     "learned to solve it without a catch; averaging-construction is the paper's hand-built solution.");
  ImGui::SameLine();
  help_marker("averaging-construction is not trained: its weights are the paper's explicit construction "
              "(training/averaging_construction.py writes them). Layer 0 sends every token from the [SEP] on to the "
              "[SEP] (catch), which writes the same direction into all of them (tag); layer 1 averages exactly the "
              "tagged tokens (release). Its catch span is the segment, exactly, on every sequence.");
  if (ImGui::BeginTable("##seeds", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH)) {
    ImGui::TableSetupColumn("model");
    ImGui::TableSetupColumn("how");
    ImGui::TableSetupColumn("loss (MSE)");
    ImGui::TableSetupColumn("sinks on [SEP] / all sinks");
    ImGui::TableSetupColumn("layer 0: catch of the [SEP]");
    ImGui::TableHeadersRow();
    for (size_t i = 0; i < lab.runs.size(); ++i) {
      const explorer::AveragingRun& r = lab.runs[i];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      bool sel = ui.averaging_seed_index == static_cast<int>(i);
      if (ImGui::Selectable(r.name.c_str(), sel, ImGuiSelectableFlags_SpanAllColumns)) ui.averaging_seed_index = static_cast<int>(i);
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", r.name == "averaging-construction" ? "hand-built" : "trained");
      ImGui::TableNextColumn();
      if (!r.status.empty()) {
        ImGui::TextDisabled("%s", r.status.c_str());
        continue;
      }
      ImGui::Text("%.4f", r.loss);
      ImGui::TableNextColumn();
      int on_sep = 0;
      for (const Sink& sk : r.analysis.sinks) on_sep += sk.key == lab.sep;
      ImGui::Text("%d / %d", on_sep, static_cast<int>(r.analysis.sinks.size()));
      ImGui::TableNextColumn();
      if (r.sep_sink < 0) {
        ImGui::TextDisabled("no catch (no sink on the [SEP])");
      } else {
        const Sink& sk = r.analysis.sinks[size_t(r.sep_sink)];
        // The verdict: the [SEP] caught its whole segment, or only part of it.
        if (sk.span_end <= sk.span_begin) ImGui::Text("head %d: no catch", sk.head);
        else ImGui::Text("head %d catches [%d, %d)%s", sk.head, sk.span_begin, sk.span_end,
                         r.caught_segment ? ": the whole segment" : "");
      }
    }
    ImGui::EndTable();
  }
  ui.averaging_seed_index = std::clamp(ui.averaging_seed_index, 0, std::max(0, int(lab.runs.size()) - 1));
  if (lab.runs.empty() || !lab.runs[ui.averaging_seed_index].model || !lab.runs[ui.averaging_seed_index].status.empty())
    return;
  const explorer::AveragingRun& r = lab.runs[ui.averaging_seed_index];
  // Catch, tag, release on this sequence: every head's attention, [SEP] keys marked.
  const int L = r.model->config.n_layers, H = r.model->config.n_heads, T = lab.T;
  ImGui::TextDisabled("%s: attention of every head (rows = queries); triangles mark sinks, outlines their caught spans",
                      r.name.c_str());
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float cell_w = avail.x / std::max(1, H) - 6.0f, cell_h = avail.y / std::max(1, L) - 24.0f;
  static std::vector<std::string> short_labels;
  short_labels.clear();
  for (auto& l : r.labels) short_labels.push_back(l == "[SEP]" ? "SEP" : l == "BOS" ? "BOS" : l.substr(1));
  for (int l = 0; l < L; ++l) {
    for (int h = 0; h < H; ++h) {
      if (h) ImGui::SameLine();
      ImGui::BeginGroup();
      const Tensor* a = r.taps.get(l, "attn_pattern");  // [H, T, T]
      ImGui::Text("layer %d head %d%s", l, h, l == 0 ? " (catch + tag)" : " (release)");
      HeatmapSpec hs;
      if (a) hs.values = a->ptr() + size_t(h) * T * T;
      hs.rows = hs.cols = a ? T : 0;
      hs.causal = true;
      hs.row_labels = &short_labels;
      hs.col_labels = &short_labels;
      hs.legend_width = (h == H - 1) ? 60.0f : 0.0f;
      hs.legend_title = "attention";
      int k = 0;
      for (const Sink& sk : r.analysis.sinks)
        if (sk.layer == l && sk.head == h) {
          hs.marked_cols.push_back(sk.key);
          if (sk.span_end > sk.span_begin) hs.spans.push_back({sk.key, sk.span_begin, sk.span_end - 1, 0, k});
          ++k;
        }
      std::string id = "##avg" + std::to_string(l) + "_" + std::to_string(h);
      heatmap(id.c_str(), hs, ImVec2(cell_w, cell_h));
      ImGui::EndGroup();
    }
  }
}

}  // namespace ss::ui
