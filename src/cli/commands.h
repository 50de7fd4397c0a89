// sinkscope-cli subcommands register themselves here, one file per command,
// so adding a command touches no other file.
#pragma once
#include <map>
#include <string>

namespace ss::cli {

using CommandFn = int (*)(int argc, char** argv);  // argv[0] is the command name

struct Command {
  CommandFn fn;
  std::string usage;  // one line shown by `sinkscope-cli help`
};

std::map<std::string, Command>& commands();

struct RegisterCommand {
  RegisterCommand(const char* name, CommandFn fn, const char* usage) { commands()[name] = Command{fn, usage}; }
};

}  // namespace ss::cli
