#pragma once

#include <functional>
#include <string>
#include <vector>

namespace gpufleet::python {

// What a command did, as the CLI reports it.
struct CommandOutcome {
  int exit_code =
      0;  // the CLI's: 0, 1 (internal error, failed runs), 2 (bad input); 128+N: signal N
  std::string error;  // MESSAGE of "gpufleet: error: MESSAGE" (or of an internal error)
  std::string stdout_text, stderr_text;
  bool interrupted = false;  // the caller asked to stop (Ctrl-C): the child was ended
};

// A keyword argument of a command: the Python name (--plan-with: plan_with), the CLI's option
// ("--plan-with", empty for a positional argument) and its kind: "flag" (no value), "list"
// (repeatable), "positional" or "value".
struct OptionInfo {
  std::string name, flag, kind;
};
std::vector<OptionInfo> command_options(const std::string& command);

// Runs `gpufleet COMMAND ARGS...` (args[0] is the command) with the CLI's own code: parses the
// arguments as the CLI does (a parse error: exit 2 and CLI11's message, nothing run), then runs
// the command in a forked child process that stands in for `executable` (the gpufleet binary:
// compare's and study's runs, the shipped data and the provenance's command line are its own).
// A child because SimGrid allows one engine per process and the GPU catalog is installed once per
// process: each call gets both fresh, and the calling process keeps neither. Its stdout and
// stderr are captured. `interrupted` is asked whenever a signal arrives while waiting; true ends
// the child (SIGTERM).
// `hooks` run around the fork (set: the first three): before it and, after it, in the parent
// and in the child (before the command); and in the child once the command is done, before it
// leaves with _exit: for a child that runs Python (a policy written in Python).
struct ForkHooks {
  std::function<void()> before, in_parent, in_child, at_child_exit;
};
CommandOutcome run_forked(const std::string& executable, const std::vector<std::string>& args,
                          const std::function<bool()>& interrupted, const ForkHooks& hooks = {});

}  // namespace gpufleet::python
