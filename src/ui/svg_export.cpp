#include "ui/svg_export.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "explorer/export.h"
#include "explorer/svg.h"
#include "imgui_internal.h"

namespace ss::ui {
namespace {

struct Capture {
  bool active = false;               // between prepare and end, with an export pending
  ImDrawListFlags saved_flags = 0;   // DrawListSharedData.InitialFlags before we turned AA off
  ImGuiWindow* window = nullptr;     // the panel
  // Marks, each with the draw list and index count at the time it was made,
  // so it lands in the SVG between the shapes drawn before and after it.
  struct PlacedMark {
    explorer::SvgMark mark;  // screen pixels
    const ImDrawList* dl;
    int idx;
  };
  std::vector<PlacedMark> marks;
};
Capture g_cap;

constexpr ImDrawListFlags kAntiAlias =
    ImDrawListFlags_AntiAliasedLines | ImDrawListFlags_AntiAliasedLinesUseTex | ImDrawListFlags_AntiAliasedFill;

// Glyphs of every font by the top-left corner of their atlas rectangle, in
// atlas pixels (what a glyph quad's first vertex carries as its UV).
struct GlyphKey {
  int u, v;
  bool operator<(const GlyphKey& o) const { return u != o.u ? u < o.u : v < o.v; }
};
struct GlyphRef {
  const ImFont* font;
  const ImFontGlyph* glyph;
};

std::map<GlyphKey, GlyphRef> glyph_index() {
  std::map<GlyphKey, GlyphRef> out;
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  for (const ImFont* f : atlas->Fonts)
    for (const ImFontGlyph& g : f->Glyphs)
      if (g.Visible)
        out.emplace(GlyphKey{int(std::lround(g.U0 * atlas->TexWidth)), int(std::lround(g.V0 * atlas->TexHeight))},
                    GlyphRef{f, &g});
  return out;
}

void append_utf8(std::string& s, unsigned cp) {
  if (cp < 0x80) s += char(cp);
  else if (cp < 0x800) s += char(0xC0 | (cp >> 6)), s += char(0x80 | (cp & 0x3F));
  else if (cp < 0x10000)
    s += char(0xE0 | (cp >> 12)), s += char(0x80 | ((cp >> 6) & 0x3F)), s += char(0x80 | (cp & 0x3F));
  else
    s += char(0xF0 | (cp >> 18)), s += char(0x80 | ((cp >> 12) & 0x3F)), s += char(0x80 | ((cp >> 6) & 0x3F)),
        s += char(0x80 | (cp & 0x3F));
}

ImVec2 sub(ImVec2 a, ImVec2 b) { return ImVec2(a.x - b.x, a.y - b.y); }
ImVec2 add(ImVec2 a, ImVec2 b) { return ImVec2(a.x + b.x, a.y + b.y); }
ImVec2 mul(ImVec2 a, float k) { return ImVec2(a.x * k, a.y * k); }
float dot(ImVec2 a, ImVec2 b) { return a.x * b.x + a.y * b.y; }
float len(ImVec2 a) { return std::sqrt(dot(a, a)); }

// Walks draw lists into one SvgDoc, in paint order, offset to the panel's corner.
struct Writer {
  explorer::SvgDoc doc;
  ImVec2 origin;  // the panel's top-left, screen px
  std::vector<Capture::PlacedMark>* marks = nullptr;
  std::map<GlyphKey, GlyphRef> glyphs = glyph_index();
  ImVec2 white = ImGui::GetIO().Fonts->TexUvWhitePixel;
  float tex_w = float(ImGui::GetIO().Fonts->TexWidth), tex_h = float(ImGui::GetIO().Fonts->TexHeight);

  // The text run being joined: glyphs of one font, size, colour and direction on one baseline.
  struct Run {
    bool open = false;
    const ImFont* font = nullptr;
    float scale = 1;
    ImU32 color = 0;
    ImVec2 dir, perp;  // unit vectors along and across the baseline
    ImVec2 start, pen; // pen positions (top of the line), screen px
    std::string text;
  } run;
  // The polygon being joined from a triangle fan (a convex fill).
  struct Fan {
    bool open = false;
    unsigned first = 0, last = 0;
    ImU32 color = 0;
    std::vector<float> xy;
  } fan;

  bool is_white(ImVec2 uv) const { return std::fabs(uv.x - white.x) < 1e-6f && std::fabs(uv.y - white.y) < 1e-6f; }

  void flush_run() {
    if (run.open && !run.text.empty()) {
      explorer::SvgText t;
      const ImVec2 base = add(run.start, mul(run.perp, run.font->Ascent * run.scale));
      t.x = base.x - origin.x, t.y = base.y - origin.y;
      t.size = run.font->FontSize * run.scale;
      t.angle = std::atan2(run.dir.y, run.dir.x) * 57.29578f;
      t.length = run.text.size() > 1 ? dot(sub(run.pen, run.start), run.dir) : 0.0f;
      t.color = run.color;
      t.text = std::move(run.text);
      doc.add(std::move(t));
    }
    run = Run{};
  }

  void flush_fan() {
    if (fan.open && fan.xy.size() >= 6) doc.add(explorer::SvgPolygon{std::move(fan.xy), fan.color});
    fan = Fan{};
  }

  void flush() {
    flush_run();
    flush_fan();
  }

  // A glyph quad a-b-c-d (top-left, top-right, bottom-right, bottom-left in text space).
  void glyph(const ImDrawVert& a, const ImDrawVert& b, const ImDrawVert& d, const ImVec4& clip) {
    auto it = glyphs.find(GlyphKey{int(std::lround(a.uv.x * tex_w)), int(std::lround(a.uv.y * tex_h))});
    if (it == glyphs.end()) return;  // cut by a clip rect (its UVs moved) or not a glyph: not text
    const ImFont* font = it->second.font;
    const ImFontGlyph& g = *it->second.glyph;
    const ImVec2 ab = sub(b.pos, a.pos), ad = sub(d.pos, a.pos);
    if (g.X1 <= g.X0 || len(ab) < 1e-3f || len(ad) < 1e-3f) return;
    const float scale = len(ab) / (g.X1 - g.X0);
    const ImVec2 dir = mul(ab, 1.0f / len(ab)), perp = mul(ad, 1.0f / len(ad));
    const ImVec2 centre = add(a.pos, mul(add(ab, ad), 0.5f));
    if (centre.x < clip.x || centre.y < clip.y || centre.x > clip.z || centre.y > clip.w) return;
    // Where ImGui's pen stood for this glyph (top of the line).
    const ImVec2 pen = sub(sub(a.pos, mul(dir, g.X0 * scale)), mul(perp, g.Y0 * scale));
    bool join = run.open && run.font == font && run.color == a.col && std::fabs(run.scale - scale) < 0.01f * scale &&
                dot(run.dir, dir) > 0.999f;
    float gap = 0;
    const float space = font->GetCharAdvance(' ') * scale;
    if (join) {
      const ImVec2 off = sub(pen, run.pen);
      gap = dot(off, dir);
      join = std::fabs(dot(off, perp)) < 0.5f && gap > -0.75f && gap < space * 2.5f;  // wider: separate labels
    }
    if (!join) {
      flush_run();
      flush_fan();
      run.open = true, run.font = font, run.scale = scale, run.color = a.col, run.dir = dir, run.perp = perp;
      run.start = run.pen = pen;
    } else if (gap > 0.5f * space) {
      run.text.append(static_cast<size_t>(std::lround(gap / space)), ' ');  // spaces have no quad
    }
    append_utf8(run.text, g.Codepoint);
    run.pen = add(pen, mul(dir, g.AdvanceX * scale));
  }

  void rect(float x0, float y0, float x1, float y1, ImU32 col, const ImVec4& clip) {
    x0 = std::max(x0, clip.x), y0 = std::max(y0, clip.y), x1 = std::min(x1, clip.z), y1 = std::min(y1, clip.w);
    if (x1 <= x0 || y1 <= y0 || (col >> IM_COL32_A_SHIFT) == 0) return;
    flush();
    doc.add(explorer::SvgRect{x0 - origin.x, y0 - origin.y, x1 - x0, y1 - y0, col});
  }

  static bool outside(std::initializer_list<ImVec2> pts, const ImVec4& clip) {
    float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
    for (ImVec2 p : pts) x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    return x1 <= clip.x || y1 <= clip.y || x0 >= clip.z || y0 >= clip.w;
  }

  void triangle(unsigned i0, unsigned i1, unsigned i2, const ImDrawVert* vb, const ImVec4& clip) {
    const ImDrawVert &a = vb[i0], &b = vb[i1], &c = vb[i2];
    if (!(is_white(a.uv) && is_white(b.uv) && is_white(c.uv))) return;  // a piece of a glyph: not a shape
    if ((a.col >> IM_COL32_A_SHIFT) == 0 && (b.col >> IM_COL32_A_SHIFT) == 0 && (c.col >> IM_COL32_A_SHIFT) == 0) return;
    if (outside({a.pos, b.pos, c.pos}, clip)) return;
    flush_run();
    if (fan.open && fan.first == i0 && fan.last == i1 && fan.color == a.col) {  // next triangle of a convex fill
      fan.xy.push_back(c.pos.x - origin.x), fan.xy.push_back(c.pos.y - origin.y);
      fan.last = i2;
      return;
    }
    flush_fan();
    fan.open = true, fan.first = i0, fan.last = i2, fan.color = a.col;
    for (const ImDrawVert* v : {&a, &b, &c}) fan.xy.push_back(v->pos.x - origin.x), fan.xy.push_back(v->pos.y - origin.y);
  }

  // Quads as ImGui writes them (PrimRect, PrimRectUV, a non-AA line segment):
  // indices a b c, a c d.
  // Writes the marks made on `dl` before index `idx` (all of them: INT_MAX).
  void marks_until(const ImDrawList* dl, int idx) {
    for (Capture::PlacedMark& m : *marks)
      if (m.dl == dl && m.idx <= idx) {
        flush();
        m.mark.x -= origin.x, m.mark.y -= origin.y;
        doc.add(std::move(m.mark));
        m.dl = nullptr;  // written
      }
  }

  void draw_list(const ImDrawList* dl) {
    for (const ImDrawCmd& cmd : dl->CmdBuffer) {
      if (cmd.UserCallback || cmd.ElemCount == 0) continue;
      const ImDrawIdx* ib = dl->IdxBuffer.Data + cmd.IdxOffset;  // [ElemCount]
      const ImDrawVert* vb = dl->VtxBuffer.Data + cmd.VtxOffset;
      const ImVec4 clip = cmd.ClipRect;
      for (unsigned i = 0; i + 2 < cmd.ElemCount;) {
        marks_until(dl, static_cast<int>(cmd.IdxOffset + i));
        const bool quad = i + 5 < cmd.ElemCount && ib[i + 3] == ib[i] && ib[i + 4] == ib[i + 2] &&
                          ib[i + 5] != ib[i] && ib[i + 5] != ib[i + 1] && ib[i + 5] != ib[i + 2];
        if (quad) {
          const ImDrawVert &a = vb[ib[i]], &b = vb[ib[i + 1]], &c = vb[ib[i + 2]], &d = vb[ib[i + 5]];
          const bool shape = is_white(a.uv) && is_white(b.uv) && is_white(c.uv) && is_white(d.uv);
          const bool one_colour = a.col == b.col && a.col == c.col && a.col == d.col;
          if (!shape) {
            glyph(a, b, d, clip);
            i += 6;
            continue;
          }
          const bool axis = a.pos.y == b.pos.y && b.pos.x == c.pos.x && c.pos.y == d.pos.y && d.pos.x == a.pos.x;
          if (axis && one_colour) {
            rect(std::min(a.pos.x, c.pos.x), std::min(a.pos.y, c.pos.y), std::max(a.pos.x, c.pos.x),
                 std::max(a.pos.y, c.pos.y), a.col, clip);
            i += 6;
            continue;
          }
        }
        triangle(ib[i], ib[i + 1], ib[i + 2], vb, clip);
        i += 3;
      }
      flush();  // a new command may change the clip rect or the texture
    }
    marks_until(dl, 1 << 30);
  }

  // The window, then its visible child windows, as ImGui orders them for rendering.
  void window(const ImGuiWindow* w) {
    draw_list(w->DrawList);
    for (const ImGuiWindow* child : w->DC.ChildWindows)
      if (child->Active && !child->Hidden) window(child);
  }
};

}  // namespace

void svg_panel_prepare() {
  if (g_cap.active || !explorer::svg_pending()) return;
  g_cap = Capture{};
  g_cap.active = true;
  ImDrawListSharedData& sd = GImGui->DrawListSharedData;
  g_cap.saved_flags = sd.InitialFlags;
  sd.InitialFlags &= ~kAntiAlias;
}

void svg_panel_begin() {
  if (!g_cap.active) return;
  g_cap.window = ImGui::GetCurrentWindow();
  g_cap.window->DrawList->Flags &= ~kAntiAlias;  // in case it began before prepare
}

bool svg_capturing() { return g_cap.active; }

void svg_mark(const char* name, ImVec2 a, ImVec2 b, std::vector<std::pair<std::string, std::string>> data) {
  if (!g_cap.active) return;
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  g_cap.marks.push_back({explorer::SvgMark{name, a.x, a.y, b.x - a.x, b.y - a.y, std::move(data)}, dl, dl->IdxBuffer.Size});
}

void svg_panel_end() {
  if (!g_cap.active) return;
  GImGui->DrawListSharedData.InitialFlags = g_cap.saved_flags;
  Capture cap = std::move(g_cap);
  g_cap = Capture{};
  if (!cap.window) return;
  Writer w;
  w.origin = cap.window->Pos;
  w.doc.width = cap.window->Size.x;
  w.doc.height = cap.window->Size.y;
  w.doc.background = ImGui::GetColorU32(ImGuiCol_WindowBg);
  w.marks = &cap.marks;
  w.window(cap.window);
  w.flush();
  explorer::finish_svg(w.doc);
}

}  // namespace ss::ui
