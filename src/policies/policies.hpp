#pragma once

#include <memory>

#include "core/fleet.hpp"
#include "core/policy.hpp"

namespace gpufleet {

class SchedulerCore;

// Building blocks that several policies share.
// Starts waiting training jobs in queue order on pools of `role` until the head does not fit.
void start_training_fifo(SchedulerCore& core, PoolRole role);

// One factory per policy file.
std::unique_ptr<Policy> make_static_partition();

}  // namespace gpufleet
