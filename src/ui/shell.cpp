#include "ui/shell.h"

#include <algorithm>

#include "imgui.h"
#include "ui/panels/panels.h"

namespace ss::ui {

namespace {

struct Rect {
  float x, y, w, h;
};

constexpr ImGuiWindowFlags kTile = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                   ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;

void tile(const char* title, Rect r, void (*draw)(app::AppState&), app::AppState& s,
          ImGuiWindowFlags extra = 0) {
  ImGui::SetNextWindowPos(ImVec2(r.x, r.y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(std::max(r.w, 1.0f), std::max(r.h, 1.0f)), ImGuiCond_Always);
  if (ImGui::Begin(title, nullptr, kTile | extra)) draw(s);
  ImGui::End();
}

// Splits `r` top to bottom by the given fractions (they should sum to 1).
template <size_t N>
void split_v(Rect r, const float (&frac)[N], Rect (&out)[N], float gap) {
  float y = r.y;
  for (size_t i = 0; i < N; ++i) {
    float h = (i + 1 == N) ? r.y + r.h - y : r.h * frac[i] - gap;
    out[i] = Rect{r.x, y, r.w, h};
    y += h + gap;
  }
}

}  // namespace

void draw_shell(app::AppState& s, float width, float height) {
  const float gap = 2.0f * s.dpr;
  const float status_h = ImGui::GetFrameHeight() + ImGui::GetStyle().WindowPadding.y * 2;
  const float body_h = std::max(height - status_h - gap, 10.0f);

  // Three columns on a wide screen; on a narrow one the middle column folds
  // under the left one so nothing becomes unreadably thin.
  const bool narrow = width < 900.0f * s.dpr;
  float left_w = narrow ? width * 0.5f : std::clamp(width * 0.28f, 260.0f * s.dpr, 520.0f * s.dpr);
  float right_w = narrow ? width - left_w - gap : width * 0.30f;
  float mid_w = narrow ? 0.0f : width - left_w - right_w - 2 * gap;

  Rect left{0, 0, left_w, body_h};
  Rect mid{left_w + gap, 0, mid_w, body_h};
  Rect right{narrow ? left_w + gap : left_w + mid_w + 2 * gap, 0, right_w, body_h};

  Rect l[4];
  split_v(left, {0.24f, 0.26f, 0.22f, 0.28f}, l, gap);
  tile("Prompt", l[0], draw_prompt_editor, s);
  tile("Tokens", l[1], draw_token_strip, s);
  tile("Settings", l[2], draw_settings, s);
  tile("Guide", l[3], draw_guide, s);

  if (narrow) {
    Rect r[5];
    split_v(right, {0.3f, 0.2f, 0.2f, 0.15f, 0.15f}, r, gap);
    tile("Attention", r[0], draw_attention_view, s);
    tile("Sink grid", r[1], draw_sink_grid, s);
    tile("Residual / outliers", r[2], draw_residual_view, s);
    tile("Tag", r[3], draw_tag_view, s);
    tile("Release", r[4], draw_release_view, s);
  } else {
    Rect m[3];
    split_v(mid, {0.6f, 0.2f, 0.2f}, m, gap);
    tile("Attention", m[0], draw_attention_view, s);
    tile("Tag", m[1], draw_tag_view, s);
    tile("Release", m[2], draw_release_view, s);
    Rect r[2];
    split_v(right, {0.5f, 0.5f}, r, gap);
    tile("Sink grid", r[0], draw_sink_grid, s);
    tile("Residual / outliers", r[1], draw_residual_view, s);
  }
  tile("##status", Rect{0, height - status_h, width, status_h}, draw_status_bar, s,
       ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
}

}  // namespace ss::ui
