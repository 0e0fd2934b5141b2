#include "runtime/child_processes.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "runtime/command_line.hpp"

extern char** environ;

namespace gpufleet {

namespace {

using Clock = std::chrono::steady_clock;

// Set in a child's environment to its parent's pid (end_with_parent).
constexpr const char* kParentVariable = "GPUFLEET_PARENT_PID";
// A child past its timeout has this long to write or remove its files after SIGTERM.
constexpr double kGraceS = 10;

// This process's environment, without kParentVariable, or with it set to this process's pid.
std::vector<std::string> child_environment(bool ends_with_parent) {
  const std::string prefix = std::string(kParentVariable) + "=";
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, prefix.c_str(), prefix.size()) != 0) env.emplace_back(*e);
  if (ends_with_parent) env.push_back(prefix + std::to_string(::getpid()));
  return env;
}

std::vector<char*> pointers_to(const std::vector<std::string>& texts) {
  std::vector<char*> pointers;
  for (const auto& t : texts) pointers.push_back(const_cast<char*>(t.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

// Starts one child; returns its pid, or -1 with `problem` set.
pid_t spawn(const ChildCommand& c, std::string& problem) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (c.stdout_file.empty())
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  else
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, c.stdout_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, c.stderr_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto argv = pointers_to(c.argv);
  const auto env = child_environment(c.ends_with_parent);
  pid_t pid = -1;
  const int error =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), pointers_to(env).data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    problem = "cannot start " + c.argv[0] + ": " + std::strerror(error);
    return -1;
  }
  return pid;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

ChildExit exit_of(int status) {
  ChildExit e;
  if (WIFEXITED(status)) {
    e.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    e.problem = std::string("killed by signal ") + strsignal(WTERMSIG(status));
  }
  return e;
}

}  // namespace

std::vector<ChildExit> run_children(const std::vector<ChildCommand>& commands, int parallel,
                                    const std::function<void(size_t, const ChildExit&)>& on_exit,
                                    const std::function<void(size_t, int)>& on_start) {
  std::vector<ChildExit> exits(commands.size());
  std::map<pid_t, std::pair<size_t, Clock::time_point>> running;
  std::map<pid_t, Clock::time_point> stopped;  // past their timeout: when SIGTERM was sent
  size_t next = 0;
  while (next < commands.size() || !running.empty()) {
    while (next < commands.size() && static_cast<int>(running.size()) < std::max(parallel, 1)) {
      std::string problem;
      const pid_t pid = spawn(commands[next], problem);
      if (pid < 0) {
        exits[next].problem = problem;
        on_exit(next, exits[next]);
      } else {
        running[pid] = {next, Clock::now()};
        if (on_start) on_start(next, pid);
      }
      ++next;
    }
    if (running.empty()) continue;
    int status = 0;
    const bool timed = std::any_of(running.begin(), running.end(), [&](const auto& r) {
      return commands[r.second.first].timeout_s > 0;
    });
    const pid_t pid = ::waitpid(-1, &status, timed ? WNOHANG : 0);
    if (pid < 0 && errno != EINTR)
      throw std::runtime_error("waitpid: " + std::string(std::strerror(errno)));
    if (pid == 0) {  // none ended: stop those past their time, look again shortly
      for (const auto& [child, run] : running) {
        const double limit = commands[run.first].timeout_s;
        const auto stop = stopped.find(child);
        if (stop != stopped.end()) {
          if (seconds_since(stop->second) > kGraceS) ::kill(child, SIGKILL);
        } else if (limit > 0 && seconds_since(run.second) > limit) {
          ::kill(child, SIGTERM);
          stopped[child] = Clock::now();
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // interrupted, or not one of ours
    ChildExit e = exit_of(status);
    if (stopped.erase(pid)) {
      char text[96];
      std::snprintf(text, sizeof text, "timed out after %g s",
                    commands[it->second.first].timeout_s);
      e.problem = text;
    }
    e.wall_s = seconds_since(it->second.second);
    exits[it->second.first] = e;
    on_exit(it->second.first, e);
    running.erase(it);
  }
  return exits;
}

void end_with_parent() {
  const char* parent = std::getenv(kParentVariable);
  if (parent == nullptr) return;
  const std::string expected = parent;
  ::unsetenv(kParentVariable);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  // The parent may have ended before prctl: this process has been adopted already.
  if (std::to_string(::getppid()) != expected) ::raise(SIGTERM);
}

std::string own_executable() {
  if (auto stand_in = stand_in_executable()) return *stand_in;
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the gpufleet executable: " + ec.message());
  return path.string();
}

}  // namespace gpufleet
