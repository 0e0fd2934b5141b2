#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/platform_loader.hpp"

namespace gpufleet {

// What inference replicas' GPUs draw, for the energy model (docs/metrics.md, "Energy"): idle
// power plus their load's share of (TDP - idle).
//
// A replica's load is the share of its capacity its service's demand uses: a load balancer
// spreads the served demand, min(demand, capacity), over the loaded replicas in proportion to
// their throughput, so every loaded replica of a service carries served / capacity. This is the
// recorder's served figure (src/metrics/recorder.cpp), recomputed here from the scheduler core's
// demand and capacity so that the power model does not depend on the latency model.
inline double replica_load(double demand, double capacity) {
  if (capacity <= 0 || demand <= 0) return 0;
  return std::min(demand, capacity) / capacity;
}

// A number of busy GPUs as work SimGrid can run: `whole` GPUs at full speed (one exec of that
// many threads) and one GPU for `part` of its speed (one single-thread exec bounded at part x
// speed; SimGrid 3.32 applies a bound to single-thread execs only).
struct BusyGpus {
  int whole = 0;
  double part = 0;  // in [0, 1)
};

inline BusyGpus split_busy(double busy) {
  // Within rounding of a whole GPU counts as whole: no exec bounded at a few FLOP/s.
  constexpr double kTolerance = 1e-9;
  BusyGpus b;
  b.whole = static_cast<int>(std::floor(std::max(0.0, busy) + kTolerance));
  b.part = std::max(0.0, busy - b.whole);
  if (b.part < kTolerance) b.part = 0;
  return b;
}

// The load part of the replicas' power, computed by SimGrid's energy plugin on one extra host
// per pool, its "serving host": one core per GPU of the pool at one GPU's speed, drawing 0 W
// idle and the pool's GPUs x (full - epsilon) / cores of its domains when every core is busy.
// Its load is the GPUs the pool's replicas keep busy (their GPUs x their load, summed): the
// plugin, linear in a host's load, then integrates load x (TDP - idle) for every replica GPU.
// Their idle power stays on their own domains, where they run nothing.
//
// One host per pool, not executions on each replica's domain: the load of hundreds of replicas
// changes at every demand step, and SimGrid 3.32 cannot change a running exec's bound, so each
// replica's executions were replaced every step: a 30-day run of the seed took 7.4 s of CPU
// (2.5 million replacements; 14 times the time of before even with an actor per replica), where
// a pool's serving host changes at most two executions per step (0.22 s, against 0.21 s when
// replicas drew TDP). Energy is the same: the plugin is linear in load.
class ServingPower {
 public:
  // Adds the serving hosts to the loaded platform (in a zone of their own, with no routes:
  // nothing communicates with them). Call once, before the simulation runs.
  explicit ServingPower(const LoadedPlatform& platform);
  ~ServingPower();
  ServingPower(const ServingPower&) = delete;
  ServingPower& operator=(const ServingPower&) = delete;

  // The busy GPUs of `pool`'s replicas from now on; a no-op when unchanged.
  void set_busy(int pool, double busy_gpus);
  // Joules the pool's serving host has drawn so far.
  double consumed_j(int pool) const;
  void stop();  // cancels the executions, at the horizon

 private:
  struct Pool;
  std::vector<Pool> pools_;
};

}  // namespace gpufleet
