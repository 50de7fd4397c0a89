// The SVG writer behind the panel's vector export (explorer/svg.h) and the
// words the page's live region speaks (explorer/describe.h): both are plain
// functions, checked here without ImGui or a browser.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "explorer/describe.h"
#include "explorer/svg.h"

using namespace ss::explorer;
using Catch::Matchers::Contains;

TEST_CASE("svg: colours, numbers and paint order", "[svg]") {
  SvgDoc d;
  d.width = 200, d.height = 100.5f;
  d.background = 0xff201c1a;  // ImU32 0xAABBGGRR: r 1a, g 1c, b 20
  d.add(SvgRect{1.25f, 2, 10, 20, 0xff0000ff});           // red
  d.add(SvgPolygon{{0, 0, 10, 0, 5, 8}, 0x80ff0000});     // blue, half alpha
  d.add(SvgText{3, 14, 13, 0, 40, 0xffffffff, "query"});
  d.add(SvgText{8, 50, 13, -90, 0, 0xff00ff00, "key"});
  d.add(SvgMark{"ss-heatmap-grid", 4, 5, 60, 70, {{"rows", "3"}, {"cols", "3"}}});
  const std::string s = svg_document(d);
  CHECK_THAT(s, Contains("viewBox=\"0 0 200 100.5\""));
  CHECK_THAT(s, Contains("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#1a1c20\"/>"));
  CHECK_THAT(s, Contains("<rect x=\"1.25\" y=\"2\" width=\"10\" height=\"20\" fill=\"#ff0000\"/>"));
  CHECK_THAT(s, Contains("<polygon points=\"0,0 10,0 5,8\" fill=\"#0000ff\" fill-opacity=\"0.502\"/>"));
  CHECK_THAT(s, Contains("textLength=\"40\" lengthAdjust=\"spacingAndGlyphs\" fill=\"#ffffff\">query</text>"));
  CHECK_THAT(s, Contains("transform=\"rotate(-90 8 50)\" fill=\"#00ff00\">key</text>"));
  CHECK_THAT(s, Contains("class=\"ss-heatmap-grid\" x=\"4\" y=\"5\" width=\"60\" height=\"70\" data-rows=\"3\" data-cols=\"3\""));
  // Paint order is the order of add(): rect, polygon, texts, mark.
  const size_t r = s.find("fill=\"#ff0000\""), p = s.find("<polygon"), t = s.find(">query<"), m = s.find("ss-heatmap-grid");
  CHECK(r < p);
  CHECK(p < t);
  CHECK(t < m);
  CHECK(s.rfind("</svg>\n") == s.size() - 7);
}

TEST_CASE("svg: text is escaped and always well-formed UTF-8", "[svg]") {
  CHECK(svg_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  CHECK(svg_escape("caf\xC3\xA9") == "caf\xC3\xA9");                // valid UTF-8 kept
  CHECK(svg_escape("\xFF" "a") == "\xEF\xBF\xBD" "a");              // a stray byte
  CHECK(svg_escape("\xC3") == "\xEF\xBF\xBD");                      // cut sequence
  CHECK(svg_escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");      // overlong '/'
  CHECK(svg_escape("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  CHECK(svg_escape(std::string("a\0b\x01", 4)) == "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");  // XML forbids these
  CHECK(svg_escape("\t\n") == "\t\n");
  SvgDoc d;
  d.width = d.height = 10;
  d.title = "<script>";
  d.add(SvgText{0, 0, 10, 0, 0, 0xff000000, "</text><script>alert(1)</script>"});
  const std::string s = svg_document(d);
  CHECK(s.find("<script>") == std::string::npos);
  CHECK_THAT(s, Contains("<title>&lt;script&gt;</title>"));
  CHECK(svg_hex(0x80563412) == "#123456");
}

namespace {

// A view of a 10-token prompt, 2 layers x 3 heads, with the selected head's sinks given.
ExplorerView view_with(std::vector<ss::Sink> sinks, const std::vector<std::string>& texts) {
  ExplorerView v;
  v.L = 2, v.H = 3, v.T = static_cast<int>(texts.size());
  v.layer = 1, v.head = 2;
  v.analysis.sinks = std::move(sinks);
  for (size_t i = 0; i < v.analysis.sinks.size(); ++i) v.head_sinks.push_back(static_cast<int>(i));
  v.in.texts = &texts;
  return v;
}

ss::Sink sink(int key, float score, int b, int e) {
  ss::Sink s;
  s.layer = 1, s.head = 2, s.key = key, s.score = score, s.span_begin = b, s.span_end = e;
  for (int i = b; i < e; ++i) s.caught.push_back(i);
  return s;
}

}  // namespace

TEST_CASE("describe: the selected head's sink and its catch in words", "[describe]") {
  const std::vector<std::string> texts = {"<|bos|>", "He", " said", " \"", "go", " now", ".\"", "\n", " ", "x"};
  ExplorerView v = view_with({sink(3, 0.5f, 3, 7), sink(7, 0.333f, 8, 9)}, texts);
  const std::string a = describe_view(v, Panel::Attention, 0);
  CHECK(a == "Attention panel. Layer 1, head 2: sink at token 3 (' \"') with sink score 0.50 catches tokens 3 to 6 "
             "(4 queries). Sink 1 of 2 in this head. 10 tokens, 2 layers x 3 heads, 2 sinks in all.");
  const std::string b = describe_view(v, Panel::Attention, 1);
  CHECK_THAT(b, Contains("sink at token 7 (newline) with sink score 0.33 catches tokens 8 to 8 (1 query)."));
  CHECK_THAT(b, Contains("Sink 2 of 2"));
  CHECK_THAT(describe_view(v, Panel::Attention, 99), Contains("Sink 2 of 2"));  // clamped, as the panel does

  ExplorerView none = view_with({}, texts);
  CHECK_THAT(describe_view(none, Panel::Attention, 0), Contains("Layer 1, head 2: no sink"));
  CHECK_THAT(describe_view(none, Panel::Attention, 0), Contains("0 sinks in all"));
  ExplorerView nospan = view_with({sink(0, 0.9f, 0, 0)}, texts);
  CHECK_THAT(describe_view(nospan, Panel::Attention, 0), Contains("token 0 ('<|bos|>') with sink score 0.90 catches no span"));
}

TEST_CASE("describe: tokens spoken, states before a view", "[describe]") {
  CHECK(spoken_token(" ") == "space");
  CHECK(spoken_token("\n\n") == "2 newlines");
  CHECK(spoken_token(" \n") == "newline and space");
  CHECK(spoken_token("") == "an empty token");
  CHECK(spoken_token("a\x01") == "'a?'");
  CHECK(spoken_token(std::string(30, 'z')) == "'" + std::string(24, 'z') + "...'");
  // A cut never splits a UTF-8 character.
  std::string e;
  for (int i = 0; i < 20; ++i) e += "\xC3\xA9";
  const std::string cut = spoken_token(e);
  CHECK(cut == "'" + e.substr(0, 24) + "...'");
  CHECK(svg_escape(cut).find("\xEF\xBF\xBD") == std::string::npos);
  CHECK(spoken_token("a" + e).find("\xC3'") == std::string::npos);  // odd cut: the lead byte goes too
  CHECK(describe_no_view("demo-lm", "") == "Loading model demo-lm.");
  CHECK(describe_no_view("", "bad file") == "sinkscope: bad file");
  CHECK(describe_no_view("", "") == "No model loaded yet.");
}
