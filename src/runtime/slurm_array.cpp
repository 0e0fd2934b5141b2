#include "runtime/slurm_array.hpp"

#include <filesystem>
#include <fstream>

#include "runtime/text_file.hpp"

namespace gpufleet {

namespace {

std::string quoted(const std::string& text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// One task: the command, its stderr to its file, its exit code to DIR/exit-K.
std::string task_line(const ChildCommand& c, const std::string& exit_file) {
  std::string line;
  if (c.timeout_s > 0)
    line +=
        "timeout --kill-after=10 " + std::to_string(static_cast<long>(c.timeout_s + 0.999)) + " ";
  for (const auto& arg : c.argv) line += quoted(arg) + " ";
  return line + "> /dev/null 2> " + quoted(c.stderr_file) + "; echo $? > " + quoted(exit_file);
}

}  // namespace

std::vector<ChildExit> run_slurm_array(const std::vector<ChildCommand>& commands, int parallel,
                                       const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<ChildExit> exits(commands.size());
  if (commands.empty()) return exits;
  fs::create_directories(dir);
  const std::string base = fs::absolute(dir).string();
  {
    std::ofstream lines(base + "/commands.txt");
    for (size_t k = 0; k < commands.size(); ++k) {
      fs::remove(base + "/exit-" + std::to_string(k));
      lines << task_line(commands[k], base + "/exit-" + std::to_string(k)) << "\n";
    }
    std::ofstream script(base + "/array.sh");
    script << "#!/bin/sh\n# One task of a gpufleet study: line SLURM_ARRAY_TASK_ID + 1.\n"
           << "line=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" " << quoted(base + "/commands.txt")
           << ")\neval \"$line\"\n";
  }
  fs::permissions(base + "/array.sh", fs::perms::owner_all, fs::perm_options::add);
  ChildCommand submit{{"/usr/bin/env", "sbatch", "--wait", "--quiet", "--job-name=gpufleet-study",
                       "--array=0-" + std::to_string(commands.size() - 1) + "%" +
                           std::to_string(std::max(parallel, 1)),
                       "--output=" + base + "/task-%a.out",
                       "--chdir=" + fs::current_path().string(), base + "/array.sh"},
                      base + "/sbatch.log"};
  const ChildExit sbatch = run_children({submit}, 1, [](size_t, const ChildExit&) {}).front();
  for (size_t k = 0; k < commands.size(); ++k) {
    const std::string code = read_text_or_empty(base + "/exit-" + std::to_string(k));
    if (code.empty()) {
      std::string why = read_text_or_empty(base + "/sbatch.log");
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      exits[k].problem = "the Slurm task did not run" +
                         (why.empty() ? std::string() : ": " + why.substr(why.rfind('\n') + 1));
      continue;
    }
    exits[k].exit_code = std::stoi(code);
    // timeout(1) exits 124 when its SIGTERM ended the run, 137 when SIGKILL had to.
    const int status = exits[k].exit_code;
    if ((status == 124 || status == 137) && commands[k].timeout_s > 0) {
      exits[k].exit_code = -1;
      exits[k].problem = "timed out after " +
                         std::to_string(static_cast<long>(commands[k].timeout_s + 0.999)) + " s";
    }
    exits[k].wall_s = sbatch.wall_s;
  }
  return exits;
}

}  // namespace gpufleet
