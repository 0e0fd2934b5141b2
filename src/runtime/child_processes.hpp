#pragma once

#include <functional>
#include <string>
#include <vector>

namespace gpufleet {

// One command to run as a child process: its arguments (argv[0] is the program) and the file
// its stderr goes to (stdout to stdout_file, or discarded).
struct ChildCommand {
  std::vector<std::string> argv;
  std::string stderr_file;
  std::string stdout_file = {};  // empty: /dev/null
  double timeout_s = 0;          // SIGTERM after this long, SIGKILL 10 s later; 0: never
  // A gpufleet command that calls end_with_parent(): it is told its parent's pid. Not for
  // others: sbatch would pass the variable on to tasks whose parent is not this process.
  bool ends_with_parent = false;
};

struct ChildExit {
  int exit_code = -1;   // -1 when it could not start or was killed
  std::string problem;  // why, when it was killed or could not start
  double wall_s = 0;
};

// Runs the commands, at most `parallel` at a time, and calls on_exit(index, exit) as each
// ends (from this thread), and on_start(index, pid), if given, as each starts. Returns every
// exit in the commands' order.
std::vector<ChildExit> run_children(const std::vector<ChildCommand>& commands, int parallel,
                                    const std::function<void(size_t, const ChildExit&)>& on_exit,
                                    const std::function<void(size_t, int)>& on_start = {});

// Call first thing in main(). In a child started by run_children, asks Linux to send this
// process SIGTERM when its parent ends, however it ends (kill -9 too): killing a compare or a
// study then stops its runs, which remove their temporaries, instead of leaving them running.
// Does nothing in a process started otherwise.
void end_with_parent();

// The path of the running executable, to start copies of it.
std::string own_executable();

}  // namespace gpufleet
