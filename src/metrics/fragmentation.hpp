#pragma once

#include <vector>

#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

// Per pool, the idle GPUs that no waiting training job can use: the pool has idle GPUs, at
// least one waiting job may run on its model, and every such job asks for more GPUs than are
// idle there. Idle GPUs no waiting job is eligible for are unneeded, not fragmented (0).
std::vector<int> fragmented_idle_gpus(const SchedulerCore& core);

}  // namespace gpufleet
