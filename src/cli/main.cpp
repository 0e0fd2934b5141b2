#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "model/names.hpp"
#include "policies/policies.hpp"
#include "runtime/child_processes.hpp"

namespace {

// `gpufleet run --policy python:MODULE:CLASS` (docs/python.md, "From the command line"): the
// program does not embed Python; such a run is handed to the Python module built with it
// (gpufleet._program.main, by python3 -c), which imports the class and runs this program's own
// code with it, as gpufleet.run(policy=...) does. delegate_python_policies() makes a part
// "python:..." end make_policy (before anything runs or is written) with PythonRunNeeded, which
// main passes to run_in_python. Without the module (GPUFLEET_PYTHON=OFF) they stay refused.
struct PythonRunNeeded {};

void delegate_python_policies() {
#ifdef GPUFLEET_PYTHON3
  gpufleet::set_external_order_maker(
      [](const std::string&) -> gpufleet::ExternalPolicy { throw PythonRunNeeded{}; });
#endif
}

namespace fs = std::filesystem;

// Replaces this process with the Python module's run of the same command line; returns (2,
// with the reason on stderr) only if that cannot start.
int run_in_python(int argc, char** argv) {
#ifdef GPUFLEET_PYTHON3
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  // The package beside the program: in the build tree, then in an install.
  std::string path;
  for (const char* relative : {GPUFLEET_PYTHON_BUILD_PATH, GPUFLEET_PYTHON_INSTALL_PATH}) {
    const fs::path folder = exe.parent_path() / relative;
    if (fs::exists(folder / "gpufleet" / "_program.py"))
      path += (path.empty() ? "" : ":") + folder.lexically_normal().string();
  }
  if (!ec && !path.empty()) {
    if (const char* old = std::getenv("PYTHONPATH"); old && *old) path += std::string(":") + old;
    ::setenv("PYTHONPATH", path.c_str(), 1);
    // -c, not -m: the package imports the module first, which -m warns about.
    std::vector<std::string> args{
        GPUFLEET_PYTHON3, "-c",
        "import sys, gpufleet._program as p; sys.exit(p.main(sys.argv[1:]))", exe.string()};
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    std::vector<char*> c_args;
    for (auto& a : args) c_args.push_back(a.data());
    c_args.push_back(nullptr);
    std::fflush(nullptr);
    ::execv(GPUFLEET_PYTHON3, c_args.data());
  }
  std::fprintf(stderr,
               "gpufleet: error: a policy part python:MODULE:CLASS runs in Python, and %s\n",
               path.empty() ? "the Python module gpufleet is not beside this program"
                            : "python3 could not be started (" GPUFLEET_PYTHON3 ")");
#else
  (void)argc;
  (void)argv;
#endif
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  gpufleet::end_with_parent();
  const auto cli = gpufleet::make_cli();
  const auto& commands = cli->commands;
  // CLI11 would call a misspelt command "not expected"; name the command meant instead.
  if (argc > 1 && argv[1][0] != '-' &&
      std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
    std::fprintf(stderr, "gpufleet: error: unknown command '%s'%s; commands: %s (see --help)\n",
                 argv[1], gpufleet::did_you_mean(argv[1], commands).c_str(),
                 CLI::detail::join(commands, ", ").c_str());
    return 2;
  }
  try {
    cli->app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli->app.exit(e);
    return code == 0 ? 0 : 2;
  }
  delegate_python_policies();
  try {
    return gpufleet::run_parsed_command(*cli);
  } catch (const PythonRunNeeded&) {  // nothing was written yet
    return run_in_python(argc, argv);
  }
}
