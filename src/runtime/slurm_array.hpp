#pragma once

#include <string>
#include <vector>

#include "runtime/child_processes.hpp"

namespace gpufleet {

// Runs the commands as one Slurm job array: writes DIR/commands.txt (one shell line each) and
// DIR/array.sh, submits `sbatch --wait --array=0-(N-1)%parallel`, and returns when every task
// has ended, each command's exit as run_children gives it (its stderr to its stderr_file, its
// timeout through coreutils' timeout). Slurm's configuration comes from the environment
// (SLURM_CONF). A submission that fails leaves every exit with the problem sbatch printed.
std::vector<ChildExit> run_slurm_array(const std::vector<ChildCommand>& commands, int parallel,
                                       const std::string& dir);

}  // namespace gpufleet
