// sinkscope-cli: batch access to the engine and the analysis. Every failure
// prints one message to stderr and exits non-zero.
#include <cstdio>
#include <cstring>
#include <exception>

#include "cli/commands.h"

namespace ss::cli {
std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> table;
  return table;
}
}  // namespace ss::cli

static int usage(FILE* f) {
  std::fprintf(f, "usage: sinkscope-cli COMMAND [options]\n\ncommands:\n");
  for (auto& [name, cmd] : ss::cli::commands()) std::fprintf(f, "  %s\n", cmd.usage.c_str());
  return f == stdout ? 0 : 2;
}

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  if (!std::strcmp(argv[1], "help") || !std::strcmp(argv[1], "--help")) return usage(stdout);
  auto& table = ss::cli::commands();
  auto it = table.find(argv[1]);
  if (it == table.end()) {
    std::fprintf(stderr, "sinkscope-cli: unknown command '%s'\n", argv[1]);
    return usage(stderr);
  }
  try {
    return it->second.fn(argc - 1, argv + 1);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sinkscope-cli %s: %s\n", argv[1], e.what());
    return 1;
  }
}
