// A vector figure as plain data: filled rectangles, polygons and text runs in
// screen pixels, written out as one SVG document. The UI fills it from the
// ImGui draw lists of the panel it exports (src/ui/svg_export.cpp); this part
// knows no ImGui, so the writer (escaping, number format, colours) is tested
// on its own. Colours are 0xAABBGGRR like ImGui's ImU32.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ss::explorer {

struct SvgRect {
  float x = 0, y = 0, w = 0, h = 0;  // px, top-left corner and size
  uint32_t color = 0;                // 0xAABBGGRR
};

struct SvgPolygon {
  std::vector<float> xy;  // [n, 2] px, n >= 3
  uint32_t color = 0;
};

// One run of text on one baseline, as the screen drew it.
struct SvgText {
  float x = 0, y = 0;      // px, start of the baseline
  float size = 13;         // font size, px
  float angle = 0;         // degrees, clockwise (SVG's rotate), about (x, y)
  float length = 0;        // px the run spans on screen (textLength); 0 = let the viewer decide
  uint32_t color = 0;
  std::string text;        // UTF-8 (invalid bytes become U+FFFD on output)
};

// A named region a reader of the SVG can find again: written as an
// invisible rect with class `name` and data-* attributes (e.g. a heatmap's
// cell grid with its rows and columns).
struct SvgMark {
  std::string name;                                        // [A-Za-z0-9_-]+
  float x = 0, y = 0, w = 0, h = 0;                        // px
  std::vector<std::pair<std::string, std::string>> data;   // data-KEY="VALUE"
};

// Shapes in paint order (the order ImGui drew them): each entry is one of the kinds.
struct SvgDoc {
  float width = 0, height = 0;  // px; the viewBox is [0, width] x [0, height]
  uint32_t background = 0;      // painted first when its alpha is not 0
  std::string title;            // <title>, for screen readers and file browsers
  std::string font_family = "DejaVu Sans, Verdana, sans-serif";  // the UI's own face first
  struct Item {
    enum Kind : uint8_t { Rect, Polygon, Text, Mark } kind;
    uint32_t index;  // into the vector of that kind
  };
  std::vector<Item> items;
  std::vector<SvgRect> rects;
  std::vector<SvgPolygon> polygons;
  std::vector<SvgText> texts;
  std::vector<SvgMark> marks;

  void add(SvgRect r) { items.push_back({Item::Rect, uint32_t(rects.size())}); rects.push_back(r); }
  void add(SvgPolygon p) { items.push_back({Item::Polygon, uint32_t(polygons.size())}); polygons.push_back(std::move(p)); }
  void add(SvgText t) { items.push_back({Item::Text, uint32_t(texts.size())}); texts.push_back(std::move(t)); }
  void add(SvgMark m) { items.push_back({Item::Mark, uint32_t(marks.size())}); marks.push_back(std::move(m)); }
};

// The whole document (UTF-8, standalone, well-formed XML).
std::string svg_document(const SvgDoc& doc);

// Text safe inside an XML element or a double-quoted attribute: & < > " '
// escaped, invalid UTF-8 and characters XML 1.0 forbids (control bytes other
// than tab, newline, return) replaced by U+FFFD.
std::string svg_escape(std::string_view s);

// "#rrggbb" of a 0xAABBGGRR colour (alpha goes into fill-opacity).
std::string svg_hex(uint32_t color);

}  // namespace ss::explorer
