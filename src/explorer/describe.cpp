#include "explorer/describe.h"

#include <algorithm>
#include <cstdio>

namespace ss::explorer {
namespace {

std::string fmt(const char* f, double a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

}  // namespace

std::string spoken_token(std::string_view raw) {
  if (raw.empty()) return "an empty token";
  if (std::all_of(raw.begin(), raw.end(), [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; })) {
    const auto n = [&](char c) { return std::count(raw.begin(), raw.end(), c); };
    std::string out;
    auto part = [&](long k, const char* one, const char* many) {
      if (!k) return;
      if (!out.empty()) out += " and ";
      out += k == 1 ? std::string(one) : std::to_string(k) + " " + many;
    };
    part(n('\n'), "newline", "newlines");
    part(n(' '), "space", "spaces");
    part(n('\t'), "tab", "tabs");
    part(n('\r'), "carriage return", "carriage returns");
    return out;
  }
  // Quoted, control bytes as '?', cut on a UTF-8 boundary.
  std::string t;
  for (size_t i = 0; i < raw.size() && t.size() < 24; ++i) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    t += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
  }
  // Cut inside a character (the next byte continues it): drop its first bytes too.
  while (!t.empty() && t.size() < raw.size() && (static_cast<unsigned char>(raw[t.size()]) & 0xC0) == 0x80) t.pop_back();
  return "'" + t + (t.size() < raw.size() ? "...'" : "'");
}

std::string describe_view(const ExplorerView& v, Panel panel, int selected_sink) {
  std::string out = std::string(panel_title(panel)) + " panel. ";
  out += "Layer " + std::to_string(v.layer) + ", head " + std::to_string(v.head) + ": ";
  const int n = static_cast<int>(v.head_sinks.size());
  const Sink* s = n ? v.head_sink(std::clamp(selected_sink, 0, n - 1)) : nullptr;
  const auto token = [&](int i) {
    return v.in.texts && i >= 0 && i < static_cast<int>(v.in.texts->size()) ? spoken_token((*v.in.texts)[i])
                                                                           : std::string("?");
  };
  if (!s) {
    out += "no sink; its attention is spread over the tokens.";
  } else {
    out += "sink at token " + std::to_string(s->key) + " (" + token(s->key) + ") with sink score " +
           fmt("%.2f", s->score);
    if (s->span_end > s->span_begin) {
      const int caught = static_cast<int>(s->caught.size());
      out += " catches tokens " + std::to_string(s->span_begin) + " to " + std::to_string(s->span_end - 1) +
             " (" + std::to_string(caught) + (caught == 1 ? " query" : " queries") + ")";
    } else {
      out += " catches no span of tokens";
    }
    out += ".";
    if (n > 1)
      out += " Sink " + std::to_string(std::clamp(selected_sink, 0, n - 1) + 1) + " of " + std::to_string(n) +
             " in this head.";
  }
  out += " " + std::to_string(v.T) + " tokens, " + std::to_string(v.L) + " layers x " + std::to_string(v.H) +
         " heads, " + std::to_string(v.analysis.sinks.size()) + " sinks in all.";
  return out;
}

std::string describe_no_view(std::string_view loading, std::string_view error) {
  if (!error.empty()) return "sinkscope: " + std::string(error);
  if (!loading.empty()) return "Loading model " + std::string(loading) + ".";
  return "No model loaded yet.";
}

}  // namespace ss::explorer
