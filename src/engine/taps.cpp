#include "engine/taps.h"

namespace ss {

std::string tap_name(int layer, const char* what) { return "blocks." + std::to_string(layer) + "." + what; }

bool TapFilter::wants(const std::string& full_name) const {
  if (all || full_name == "logits") return true;
  if (names.count(full_name)) return true;
  // "blocks.{l}.what" also matches the bare suffix "what" (every layer).
  if (full_name.rfind("blocks.", 0) == 0) {
    size_t dot = full_name.find('.', 7);
    if (dot != std::string::npos && names.count(full_name.substr(dot + 1))) return true;
  }
  return false;
}

}  // namespace ss
