#pragma once

#include <vector>

#include "model/workload.hpp"

namespace gpufleet {

// The training jobs' `after` relation as a Boost.Graph digraph (job -> job it waits for).
// Returns one dependency cycle as job indices, first job repeated at the end (a -> b -> a),
// or an empty vector when the jobs form a DAG. Iterative: a chain of a million jobs is fine.
// Every `after` id must name a job of the workload.
std::vector<int> find_dependency_cycle(const Workload& workload);

}  // namespace gpufleet
