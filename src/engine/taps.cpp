#include "engine/taps.h"

namespace ss {

std::string tap_name(int layer, const char* what) { return "blocks." + std::to_string(layer) + "." + what; }

namespace {
// "blocks.{l}.what" matches the full name or the bare suffix "what" (every layer).
bool listed(const std::set<std::string>& set, const std::string& full_name) {
  if (set.empty()) return false;
  if (set.count(full_name)) return true;
  if (full_name.rfind("blocks.", 0) == 0) {
    size_t dot = full_name.find('.', 7);
    if (dot != std::string::npos && set.count(full_name.substr(dot + 1))) return true;
  }
  return false;
}
}  // namespace

bool TapFilter::wants(const std::string& full_name) const {
  if (full_name == "logits") return true;
  if (listed(skip, full_name)) return false;
  return all || listed(names, full_name);
}

}  // namespace ss
