#include "explorer/model_paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace ss::explorer {
namespace {

// The folder of the running binary ("" when the platform does not say).
std::string exe_dir() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

}  // namespace

std::vector<std::string> model_dir_candidates(const std::string& name, const std::string& root) {
  std::vector<std::string> out;
  if (!root.empty()) out.push_back(root + "/" + name);
  if (const char* env = std::getenv("SINKSCOPE_MODELS"); env && *env) out.push_back(std::string(env) + "/" + name);
  if (const std::string exe = exe_dir(); !exe.empty()) {
    out.push_back(exe + "/models/" + name);
    out.push_back(exe + "/../share/sinkscope/models/" + name);
  }
#ifdef SINKSCOPE_SOURCE_DIR
  out.push_back(std::string(SINKSCOPE_SOURCE_DIR) + "/models/" + name);
#endif
  return out;
}

std::string find_model_dir(const std::string& name, const std::string& root) {
  for (const std::string& d : model_dir_candidates(name, root)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(d + "/config.json", ec)) return d;
  }
  return {};
}

std::string model_not_found_message(const std::string& name, const std::string& root) {
  std::string m = "no model '" + name + "' found in: ";
  const auto c = model_dir_candidates(name, root);
  for (size_t i = 0; i < c.size(); ++i) m += (i ? ", " : "") + c[i];
  return m + "; pass --model-dir DIR (a model folder) or --models DIR (a folder of model folders)";
}

}  // namespace ss::explorer
