#pragma once

#include <string>
#include <vector>

#include "model/workload.hpp"

namespace gpufleet {

// The users and accounts of a workload's training jobs as integer ids, numbered once at the
// start of a run: fair-share and per-user figures count by id, never by name. An association
// is Slurm's: one user charging one account (a user in two accounts is two associations).
// Names are numbered in order of first appearance in the job list, so the ids of a workload
// are the same on every run. A job without a user or an account has the name "" there.
struct Associations {
  struct Pair {
    int user = 0;
    int account = 0;
  };
  std::vector<std::string> users;     // by user id
  std::vector<std::string> accounts;  // by account id
  std::vector<Pair> pairs;            // by association id
  std::vector<int> of_job;            // job -> association id
  bool named = false;                 // some job names a user or an account

  int user_of(int job) const { return pairs[of_job[job]].user; }
  int account_of(int job) const { return pairs[of_job[job]].account; }
};

Associations associations_of(const Workload& workload);

}  // namespace gpufleet
