#pragma once

#include <limits>

#include "model/fleet.hpp"

namespace gpufleet {

class SchedulerCore;

// EASY backfilling's planning, shared by the training orders that backfill behind a head
// (easy-backfill in queue order, slurm in priority order). Runtimes are the planned ones
// (SchedulerCore::planned_runtime_s: walltimes), never the true run times.

// Where and when the head of the queue is guaranteed to start: the pool that frees its GPUs
// first if running jobs end when planned, and the GPUs left over there at that time.
struct Reservation {
  int pool = -1;
  double start_s = std::numeric_limits<double>::infinity();
  int spare_gpus = 0;
};

// The head's reservation on pools of `role`; none (pool -1) if it fits no such pool.
Reservation reserve_for(const SchedulerCore& core, int head, PoolRole role);
// Whether the job may start on the pool without delaying the reservation, were `free` GPUs
// free there and `spare` left spare by the reservation: it has room, and it ends before the
// reservation or uses only spare GPUs there.
bool may_backfill(const SchedulerCore& core, int job, int pool, PoolRole role,
                  const Reservation& reserved, int free, int spare);
// The first of the job's pools, in its order of preference, where it may start now; -1: none.
int backfill_pool(const SchedulerCore& core, int job, PoolRole role, const Reservation& reserved);
// Books a job just started on `pool`: on the reserved pool, one that ends after the
// reservation's start uses that many of its spare GPUs.
void book_backfilled(const SchedulerCore& core, int job, int pool, Reservation& reserved);

}  // namespace gpufleet
