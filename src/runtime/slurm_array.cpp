#include "runtime/slurm_array.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "runtime/text_file.hpp"

extern char** environ;

namespace gpufleet {

namespace {

namespace fs = std::filesystem;

std::string quoted(const std::string& text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A path in a Slurm filename pattern (--output): '%' is a pattern's escape, "%%" a '%'.
std::string pattern_escaped(const std::string& path) {
  std::string out;
  for (char c : path) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

// One task: the command, its stderr to its file, its exit code to DIR/exit-K. The timeout is
// in whole seconds, as the local backend applies it (study_spec.cpp rounds it up).
std::string task_line(const ChildCommand& c, const std::string& exit_file) {
  std::string line;
  if (c.timeout_s > 0)
    line +=
        "timeout --kill-after=10 " + std::to_string(static_cast<long>(c.timeout_s + 0.999)) + " ";
  for (const auto& arg : c.argv) line += quoted(arg) + " ";
  return line + "> /dev/null 2> " + quoted(c.stderr_file) + "; echo $? > " + quoted(exit_file);
}

std::string on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Starts the guardian of the sbatch waiter `pid` whose job id goes to `id_file`; returns the
// write end of its pipe (close-on-exec: no other child holds it), or -1.
int start_guardian(int pid, const std::string& id_file, const std::string& log) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  const std::string p = std::to_string(pid);
  const std::string script =
      "read line; [ \"$line\" = done ] && exit 0\n"
      "kill -TERM " +
      p +
      " 2>/dev/null\n"
      "i=0; while kill -0 " +
      p +
      " 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n"
      "id=$(cut -d';' -f1 " +
      quoted(id_file) +
      " 2>/dev/null)\n"
      "[ -n \"$id\" ] && exec scancel --quiet \"$id\"\n";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<std::string> args = {"/bin/sh", "-c", script};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t guardian = -1;
  const int error = posix_spawn(&guardian, "/bin/sh", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  if (error != 0) {
    ::close(fds[1]);
    return -1;
  }
  return fds[1];
}

// Cancels the arrays recorded in DIR by an earlier study of the folder that did not end
// cleanly (the lock says it is dead): they would write into runs this study does again.
void cancel_earlier_arrays(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("sbatch-", 0) != 0 || entry.path().extension() != ".out") continue;
    std::string id = read_text_or_empty(entry.path().string());
    id = id.substr(0, id.find_first_not_of("0123456789"));
    if (!id.empty()) {
      ChildCommand cancel{{"/usr/bin/env", "scancel", "--quiet", id}, dir + "/scancel.log"};
      run_children({cancel}, 1, [](size_t, const ChildExit&) {});
    }
    fs::remove(entry.path(), ec);
  }
}

}  // namespace

std::string slurm_problem() {
  if (on_path("sbatch").empty())
    return "no sbatch on PATH: install Slurm's client commands (Debian: slurm-client) and "
           "point SLURM_CONF at the cluster, or use --backend local";
  const long most = slurm_max_array_size();
  if (most < 2)
    return "the cluster allows no job arrays (MaxArraySize " + std::to_string(most) +
           "): use --backend local, or ask for MaxArraySize in slurm.conf";
  return "";
}

long slurm_max_array_size() {
  constexpr long kSlurmDefault = 1001;
  if (on_path("scontrol").empty()) return kSlurmDefault;
  char name[] = "/tmp/gpufleet-scontrol-XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0) return kSlurmDefault;
  ::close(fd);
  ChildCommand show{{"/usr/bin/env", "scontrol", "show", "config"}, "/dev/null", name};
  show.timeout_s = 30;
  run_children({show}, 1, [](size_t, const ChildExit&) {});
  std::ifstream text(name);
  long most = kSlurmDefault;
  for (std::string line; std::getline(text, line);) {
    if (line.rfind("MaxArraySize", 0) != 0) continue;
    const auto eq = line.find('=');
    if (eq != std::string::npos) most = std::atol(line.c_str() + eq + 1);
  }
  ::unlink(name);
  return most;
}

std::vector<ChildExit> run_slurm_array(const std::vector<ChildCommand>& commands, int parallel,
                                       const std::string& dir, long max_array, bool one_at_a_time) {
  std::vector<ChildExit> exits(commands.size());
  if (commands.empty()) return exits;
  fs::create_directories(dir);
  const std::string base = fs::absolute(dir).lexically_normal().string();
  cancel_earlier_arrays(base);
  {
    std::ofstream lines(base + "/commands.txt");
    for (size_t k = 0; k < commands.size(); ++k) {
      fs::remove(base + "/exit-" + std::to_string(k));
      lines << task_line(commands[k], base + "/exit-" + std::to_string(k)) << "\n";
    }
    std::ofstream script(base + "/array.sh");
    script << "#!/bin/sh\n# One task of a gpufleet study: line $1 + SLURM_ARRAY_TASK_ID + 1.\n"
           << "line=$(sed -n \"$(($1 + SLURM_ARRAY_TASK_ID + 1))p\" "
           << quoted(base + "/commands.txt") << ")\neval \"$line\"\n";
  }
  fs::permissions(base + "/array.sh", fs::perms::owner_all, fs::perm_options::add);
  // Slices of at most max_array tasks, each its own array and its own waiter.
  const size_t slice = static_cast<size_t>(std::max(1L, max_array));
  std::vector<ChildCommand> submits;
  for (size_t from = 0; from < commands.size(); from += slice) {
    const size_t n = std::min(slice, commands.size() - from);
    const std::string k = std::to_string(submits.size());
    submits.push_back(
        {{"/usr/bin/env", "sbatch", "--wait", "--parsable", "--job-name=gpufleet-study",
          "--array=0-" + std::to_string(n - 1) + "%" + std::to_string(std::max(parallel, 1)),
          "--output=" + pattern_escaped(base) + "/task-%A-%a.out",
          "--chdir=" + fs::current_path().string(), base + "/array.sh", std::to_string(from)},
         base + "/sbatch-" + k + ".log",
         base + "/sbatch-" + k + ".out"});
  }
  std::map<size_t, int> guardians;  // slice -> the write end of its guardian's pipe
  const auto on_start = [&](size_t k, int pid) {
    guardians[k] = start_guardian(pid, submits[k].stdout_file, base + "/guardian.log");
  };
  std::vector<double> wall(submits.size());
  const auto on_exit = [&](size_t k, const ChildExit& e) {
    wall[k] = e.wall_s;
    const auto g = guardians.find(k);
    if (g == guardians.end() || g->second < 0) return;
    [[maybe_unused]] const auto written = ::write(g->second, "done\n", 5);
    ::close(g->second);
    guardians.erase(g);
  };
  const int waiters = one_at_a_time ? 1 : static_cast<int>(submits.size());
  const auto sbatch = run_children(submits, waiters, on_exit, on_start);
  for (size_t k = 0; k < commands.size(); ++k) {
    const size_t s = k / slice;
    const std::string code = read_text_or_empty(base + "/exit-" + std::to_string(k));
    if (code.empty()) {
      std::string why = read_text_or_empty(submits[s].stderr_file);
      if (why.empty()) why = sbatch[s].problem;
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      exits[k].problem = "the Slurm task did not run" +
                         (why.empty() ? std::string() : ": " + why.substr(why.rfind('\n') + 1));
      continue;
    }
    exits[k].exit_code = std::atoi(code.c_str());
    // timeout(1) exits 124 when its SIGTERM ended the run, 137 when SIGKILL had to.
    const int status = exits[k].exit_code;
    if ((status == 124 || status == 137) && commands[k].timeout_s > 0) {
      exits[k].exit_code = -1;
      exits[k].problem = "timed out after " +
                         std::to_string(static_cast<long>(commands[k].timeout_s + 0.999)) + " s";
    }
    exits[k].wall_s = wall[s];
  }
  std::error_code ec;  // the arrays ended: nothing for a later study to cancel
  for (const auto& submit : submits) fs::remove(submit.stdout_file, ec);
  return exits;
}

}  // namespace gpufleet
