#include "python/forked_command.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "runtime/command_line.hpp"

namespace gpufleet::python {

namespace {

// An unnamed temporary file (tmpfile(3)): where the child's stdout, stderr and error go.
struct Capture {
  std::FILE* file = std::tmpfile();
  ~Capture() {
    if (file) std::fclose(file);
  }
  std::string text() const {
    std::string all;
    if (!file) return all;
    std::fseek(file, 0, SEEK_SET);
    char buffer[65536];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) all.append(buffer, n);
    return all;
  }
};

std::string option_kind(const CLI::Option& option) {
  if (option.get_positional() && !option.nonpositional()) return "positional";
  if (option.get_expected_max() == 0) return "flag";  // add_flag: expected(0)
  if (option.get_items_expected_max() > 1) return "list";
  return "value";
}

CLI::App* subcommand(Cli& cli, const std::string& command) {
  for (auto& [sub, runner] : cli.runners)
    if (sub->get_name() == command) return sub;
  throw std::invalid_argument("gpufleet has no command '" + command + "'");
}

// The child: only the forking thread exists in it; it never touches Python and leaves with
// _exit, so that none of the calling process's exit handlers or buffers run twice.
[[noreturn]] void run_child(Cli& cli, const std::string& executable,
                            const std::vector<std::string>& argv, pid_t parent, int out, int err,
                            std::FILE* error_file, const std::function<void()>& at_exit) {
  std::signal(SIGINT, SIG_DFL);  // the interpreter's handler only sets a flag nobody reads here
  std::signal(SIGTERM, SIG_DFL);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // ends with the thread that waits for it
  if (::getppid() != parent) ::_exit(128 + SIGTERM);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  stand_in_for_cli(executable, argv);
  std::string error;
  const int code = run_parsed_command(cli, &error);
  std::fputs(error.c_str(), error_file);
  if (at_exit) at_exit();
  std::fflush(nullptr);
  ::_exit(code);
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

std::vector<OptionInfo> command_options(const std::string& command) {
  const auto cli = make_cli();
  std::vector<OptionInfo> options;
  for (const CLI::Option* option : subcommand(*cli, command)->get_options()) {
    const auto& long_names = option->get_lnames();
    if (long_names.empty() && !option->get_positional()) continue;
    std::string name = long_names.empty() ? option->get_name() : long_names.front();
    if (name == "help") continue;
    std::string flag = long_names.empty() ? "" : "--" + name;
    for (char& c : name)
      if (c == '-') c = '_';
    options.push_back({name, flag, option_kind(*option)});
  }
  return options;
}

CommandOutcome run_forked(const std::string& executable, const std::vector<std::string>& args,
                          const std::function<bool()>& interrupted, const ForkHooks& hooks) {
  CommandOutcome outcome;
  auto cli = make_cli();
  subcommand(*cli, args.at(0));
  std::vector<std::string> argv{executable};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  try {
    cli->app.parse(static_cast<int>(c_argv.size()), c_argv.data());
  } catch (const CLI::ParseError& e) {
    outcome.exit_code = 2;
    outcome.error = e.what();
    return outcome;
  }
  Capture out, err, error;
  if (!out.file || !err.file || !error.file)
    throw std::runtime_error("cannot create a temporary file for the command's output");
  std::fflush(nullptr);  // nothing buffered here may be written twice
  const pid_t parent = ::getpid();
  if (hooks.before) hooks.before();
  const pid_t child = ::fork();
  if (child == 0) {
    if (hooks.in_child) hooks.in_child();
    run_child(*cli, executable, argv, parent, fileno(out.file), fileno(err.file), error.file,
              hooks.at_child_exit);
  }
  if (hooks.in_parent) hooks.in_parent();
  if (child < 0) throw std::runtime_error("cannot start a process for the command (fork)");
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("lost the command's process (waitpid)");
    if (!outcome.interrupted && interrupted()) {
      outcome.interrupted = true;
      ::kill(child, SIGTERM);
    }
  }
  outcome.exit_code = exit_code_of(status);
  outcome.error = error.text();
  outcome.stdout_text = out.text();
  outcome.stderr_text = err.text();
  return outcome;
}

}  // namespace gpufleet::python
