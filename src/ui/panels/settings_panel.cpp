#include "backends/registry.h"
#include "core/parallel.h"
#include "imgui.h"
#include "ui/panels/common.h"
#include "ui/panels/guide_text.h"
#include "ui/panels/panels.h"
#include "ui/widgets/tooltip.h"

namespace ss::ui {
namespace {
void section(const char* title) {
  ImGui::Spacing();
  ImGui::TextUnformatted(title);
  ImGui::Separator();
}

// Which backend runs the forward pass. Only backends usable in this browser
// are listed (webgpu needs navigator.gpu); picking one reruns the prompt on it.
void draw_backend_picker(explorer::AppState& s) {
  const auto names = available_backends();
  if (ImGui::BeginCombo("backend", backend_title(s.backend).c_str())) {
    for (const std::string& n : names) {
      const bool picked = n == s.backend;
      if (ImGui::Selectable(backend_title(n).c_str(), picked) && !picked) {
        s.backend = n;
        s.backend_notice.clear();
        ++s.prompt_version;  // run the prompt again on the new backend
      }
      if (picked) ImGui::SetItemDefaultFocus();
    }
    ImGui::EndCombo();
  }
  tooltip_for_last_item("CPU runs in WebAssembly on this thread. WebGPU runs every layer as compute shaders on the GPU; "
                        "its results arrive a few frames later and the panels keep the previous prompt until then. "
                        "If the GPU fails, sinkscope switches back to CPU by itself.");
  if (names.size() == 1) ImGui::TextDisabled("only CPU here (no WebGPU in this browser)");
}

// CPU threads: the threaded module (and the desktop app) split each large
// product over cores; results do not change with the count.
void draw_threads(explorer::AppState&) {
  if (max_threads() == 1) {
    ImGui::TextDisabled("CPU threads: 1");
    tooltip_for_last_item("This page runs the single-threaded module: threads need a cross-origin isolated page "
                          "(served with COOP/COEP headers, as web/serve.mjs does) and a browser with SharedArrayBuffer.");
    return;
  }
  int n = threads();
  if (ImGui::SliderInt("CPU threads", &n, 1, max_threads())) set_threads(n);
  tooltip_for_last_item("How many cores the CPU backend splits each matrix product over (outputs, or whole heads). "
                        "Every output is summed in the same order on any count, so the numbers do not change, only the time.");
}
}  // namespace

void draw_settings(explorer::AppState& s) {
  auto& ui = explorer::explorer_ui();
  ImGui::PushItemWidth(ImGui::GetFontSize() * 10);
  section("Metrics");
  ImGui::SliderFloat("sink_eps", &s.settings.sink_eps, 0.01f, 1.0f, "%.2f");
  tooltip_for_last_item(guide::kSinkEps);
  ImGui::SliderInt("sink_min_queries", &s.settings.sink_min_queries, 1, 16);
  tooltip_for_last_item(guide::kSinkEps);
  ImGui::SliderFloat("catch_tau", &s.settings.catch_tau, 0.05f, 1.0f, "%.2f");
  tooltip_for_last_item(guide::kCatchTau);
  ImGui::InputFloat("massive_abs", &s.settings.massive_abs, 1.0f, 10.0f, "%.1f");
  tooltip_for_last_item(guide::kMassive);
  ImGui::InputFloat("massive_rel", &s.settings.massive_rel, 10.0f, 100.0f, "%.0f");
  tooltip_for_last_item(guide::kMassive);
  if (ImGui::Button("paper defaults")) {
    s.settings.sink_eps = 0.2f, s.settings.sink_min_queries = 4, s.settings.catch_tau = 0.5f;
    s.settings.massive_abs = 100.0f, s.settings.massive_rel = 1000.0f;
  }
  ImGui::SameLine();
  if (ImGui::Button("small-model thresholds")) s.settings.massive_abs = 5.0f, s.settings.massive_rel = 20.0f;
  tooltip_for_last_item("Massive activations in small models stay far below 100: these thresholds make their outliers visible.");
  if (ImGui::Checkbox("prepend BOS", &s.settings.add_bos)) ++s.prompt_version;
  section("Model and backend");
  ImGui::Text("model: %s", s.model_name.c_str());
  draw_backend_picker(s);
  draw_threads(s);
  section("Look");
  int theme = ui.contrast ? 2 : ui.dark ? 0 : 1;
  ImGui::SameLine();
  if (ImGui::RadioButton("dark", &theme, 0) | ImGui::RadioButton("light", &theme, 1) |
      ImGui::RadioButton("high contrast", &theme, 2))
    ui.dark = theme != 1, ui.contrast = theme == 2;
  tooltip_for_last_item("High contrast: white text on black, bright borders and a yellow outline on the "
                        "focused control, for low vision (also ?theme=contrast in the address).");
  ImGui::Checkbox("show the first-run overlay", &ui.show_overlay);
  ImGui::PopItemWidth();
}

}  // namespace ss::ui
