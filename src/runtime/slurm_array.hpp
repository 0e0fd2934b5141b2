#pragma once

#include <string>
#include <vector>

#include "runtime/child_processes.hpp"

namespace gpufleet {

// Why Slurm cannot take a study here ("" when it can): no `sbatch` on PATH, or a cluster that
// allows no job array (MaxArraySize 0 or 1). Checked before a study writes anything.
std::string slurm_problem();

// The cluster's MaxArraySize (`scontrol show config`; Slurm's default, 1001, when scontrol
// is not there or does not say): an array's indices run from 0 to MaxArraySize - 1.
long slurm_max_array_size();

// Runs the commands as Slurm job arrays: writes DIR/commands.txt (one shell line each) and
// DIR/array.sh, submits `sbatch --wait --array=0-(M-1)%parallel array.sh OFFSET` for each
// slice of at most `max_array` commands (one after another when `one_at_a_time`, else all at
// once), and returns when every task has ended, each command's exit as run_children gives it
// (its stderr to its stderr_file, its timeout through coreutils' timeout). Slurm's
// configuration comes from the environment (SLURM_CONF). A submission that fails leaves every
// exit of its slice with the problem sbatch printed.
//
// Each array dies with the study: a guardian process waits on a pipe only this process holds;
// when this process ends before its array (a signal, kill -9 too), the guardian stops the
// `sbatch --wait` waiter and `scancel`s the array. Arrays that earlier, dead studies left in
// DIR (their ids in DIR/sbatch-K.out) are cancelled before a new submission.
std::vector<ChildExit> run_slurm_array(const std::vector<ChildCommand>& commands, int parallel,
                                       const std::string& dir, long max_array, bool one_at_a_time);

}  // namespace gpufleet
