#include "explorer/svg.h"

#include <cmath>
#include <cstdio>

namespace ss::explorer {
namespace {

// Pixels with two decimals, trailing zeros dropped: exact enough for a
// figure, short enough for a few thousand cells.
void num(std::string& out, float v) {
  if (!std::isfinite(v)) v = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(v));
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  out += s;
}

void attr(std::string& out, const char* name, float v) {
  out += ' ';
  out += name;
  out += "=\"";
  num(out, v);
  out += '"';
}

// fill and, below full alpha, fill-opacity.
void fill(std::string& out, uint32_t c) {
  out += " fill=\"" + svg_hex(c) + '"';
  const unsigned a = (c >> 24) & 0xff;
  if (a != 255) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " fill-opacity=\"%.3g\"", a / 255.0);
    out += buf;
  }
}

// Length of the UTF-8 sequence starting at s[i] if it is valid, else 0.
size_t utf8_len(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  // Overlong forms, surrogates, beyond U+10FFFF, and XML's non-characters.
  static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfffe || cp == 0xffff) return 0;
  return n;
}

}  // namespace

std::string svg_hex(uint32_t c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff);
  return buf;
}

std::string svg_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_len(s, i);
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (n == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string svg_document(const SvgDoc& d) {
  std::string out;
  out.reserve(64 + d.items.size() * 80);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"";
  attr(out, "width", d.width);
  attr(out, "height", d.height);
  out += " viewBox=\"0 0 ";
  num(out, d.width);
  out += ' ';
  num(out, d.height);
  out += "\" font-family=\"" + svg_escape(d.font_family) + "\" xml:space=\"preserve\">\n";
  if (!d.title.empty()) out += "<title>" + svg_escape(d.title) + "</title>\n";
  if ((d.background >> 24) != 0) {
    out += "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\"";
    fill(out, d.background);
    out += "/>\n";
  }
  for (const SvgDoc::Item& it : d.items) {
    switch (it.kind) {
      case SvgDoc::Item::Rect: {
        const SvgRect& r = d.rects[it.index];
        out += "<rect";
        attr(out, "x", r.x), attr(out, "y", r.y), attr(out, "width", r.w), attr(out, "height", r.h);
        fill(out, r.color);
        out += "/>\n";
        break;
      }
      case SvgDoc::Item::Polygon: {
        const SvgPolygon& p = d.polygons[it.index];
        out += "<polygon points=\"";
        for (size_t k = 0; k + 1 < p.xy.size(); k += 2) {
          if (k) out += ' ';
          num(out, p.xy[k]);
          out += ',';
          num(out, p.xy[k + 1]);
        }
        out += '"';
        fill(out, p.color);
        out += "/>\n";
        break;
      }
      case SvgDoc::Item::Text: {
        const SvgText& t = d.texts[it.index];
        out += "<text";
        attr(out, "x", t.x), attr(out, "y", t.y), attr(out, "font-size", t.size);
        if (t.length > 0) {
          attr(out, "textLength", t.length);
          out += " lengthAdjust=\"spacingAndGlyphs\"";
        }
        if (std::fabs(t.angle) > 0.01f) {
          out += " transform=\"rotate(";
          num(out, t.angle);
          out += ' ';
          num(out, t.x);
          out += ' ';
          num(out, t.y);
          out += ")\"";
        }
        fill(out, t.color);
        out += '>' + svg_escape(t.text) + "</text>\n";
        break;
      }
      case SvgDoc::Item::Mark: {
        const SvgMark& m = d.marks[it.index];
        out += "<rect class=\"" + svg_escape(m.name) + '"';
        attr(out, "x", m.x), attr(out, "y", m.y), attr(out, "width", m.w), attr(out, "height", m.h);
        for (const auto& [k, v] : m.data) out += " data-" + svg_escape(k) + "=\"" + svg_escape(v) + '"';
        out += " fill=\"none\" stroke=\"none\"/>\n";
        break;
      }
    }
  }
  out += "</svg>\n";
  return out;
}

}  // namespace ss::explorer
