#include "engine/taps.h"

#include <cstdio>
#include <cstring>
#include <string_view>

namespace ss {

std::string tap_name(int layer, const char* what) {
  char num[12];
  const int len = std::snprintf(num, sizeof num, "%d", layer);
  std::string r;
  r.reserve(8 + size_t(len) + std::strlen(what));
  r.append("blocks.").append(num, size_t(len)).append(1, '.').append(what);
  return r;
}

std::string tap_kind(const std::string& name) {
  if (name.rfind("blocks.", 0) != 0) return name;
  const size_t dot = name.find('.', 7);
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

namespace {
// "blocks.{l}.what" matches the full name or the bare suffix "what" (every layer).
bool listed(const std::set<std::string, std::less<>>& set, std::string_view full_name) {
  if (set.empty()) return false;
  if (set.count(full_name)) return true;
  if (full_name.substr(0, 7) == "blocks.") {
    size_t dot = full_name.find('.', 7);
    if (dot != std::string_view::npos && set.count(full_name.substr(dot + 1))) return true;
  }
  return false;
}
}  // namespace

bool TapFilter::wants(const std::string& full_name) const {
  if (full_name == "logits") return true;
  if (listed(skip, full_name)) return false;
  return all || listed(names, full_name);
}

TapFilter compact_tap_filter() {
  TapFilter f;
  f.all = false;
  // resid_pre only for layer 0: later layers' is the layer before's resid_post
  // (analysis_detail::layer_tap reads it there; no hooks in such a pass).
  f.names = {"blocks.0.resid_pre", "q", "k", "v", "attn_lse", "z", "resid_post", "logits"};
  return f;
}

TapFilter tap_filter_from_list(std::string_view list) {
  TapFilter f;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    if (name.size() > 1 && name[0] == '-') f.skip.insert(std::string(name.substr(1)));
    else if (!name.empty()) f.names.insert(std::string(name));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  f.all = f.names.empty();  // "" or skips only: every tap but the skipped
  return f;
}

}  // namespace ss
