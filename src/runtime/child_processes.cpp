#include "runtime/child_processes.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

extern char** environ;

namespace gpufleet {

namespace {

using Clock = std::chrono::steady_clock;

// Starts one child; returns its pid, or -1 with `problem` set.
pid_t spawn(const ChildCommand& c, std::string& problem) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, c.stderr_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const auto& a : c.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    problem = "cannot start " + c.argv[0] + ": " + std::strerror(error);
    return -1;
  }
  return pid;
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
                                    const std::function<void(size_t, const ChildExit&)>& on_exit) {
  std::vector<ChildExit> exits(commands.size());
  std::map<pid_t, std::pair<size_t, Clock::time_point>> running;
  std::set<pid_t> killed;  // past their timeout
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
    if (pid == 0) {  // none ended: kill those past their time, look again shortly
      for (const auto& [child, run] : running) {
        const double limit = commands[run.first].timeout_s;
        if (limit > 0 && !killed.count(child) &&
            std::chrono::duration<double>(Clock::now() - run.second).count() > limit) {
          ::kill(child, SIGKILL);
          killed.insert(child);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // interrupted, or not one of ours
    ChildExit e = exit_of(status);
    if (killed.erase(pid)) {
      char text[96];
      std::snprintf(text, sizeof text, "timed out after %g s",
                    commands[it->second.first].timeout_s);
      e.problem = text;
    }
    e.wall_s = std::chrono::duration<double>(Clock::now() - it->second.second).count();
    exits[it->second.first] = e;
    on_exit(it->second.first, e);
    running.erase(it);
  }
  return exits;
}

std::string own_executable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the gpufleet executable: " + ec.message());
  return path.string();
}

}  // namespace gpufleet
