#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

// Waiting jobs read lazily, in queue order, from runs of the core's indexes (each run holds the
// waiting jobs of one pool, size and class, in queue order). A pass adds the runs whose jobs
// may fit; each time a run comes up, `alive` says whether they still may (free GPUs only
// shrink during a pass), and a run found dead is dropped for good: a pass that starts a few
// jobs reads the heads of a few runs, not the queue. `fits`, if given, tests one job of a live
// run. A job in several runs (several pools) comes once, and when it comes no run points at it
// any more, so the caller may start it, or preempt others (they go to the queue's head, ahead
// of every run).
class WaitingMerge {
 public:
  struct Run {
    int pool = 0;
    int gpus = 0;
    int kind = 0;  // the index's other key: a runtime class or a priority
    SchedulerCore::KeyedJobs::const_iterator at, end;
  };
  using RunTest = std::function<bool(const Run&)>;
  using JobTest = std::function<bool(const Run&, int job)>;

  explicit WaitingMerge(RunTest alive, JobTest fits = nullptr)
      : alive_(std::move(alive)), fits_(std::move(fits)) {}
  // Adds a run if it is alive and not empty.
  void add(const Run& run);
  // The next job in queue order; none when every run is read or dropped.
  std::optional<int> next();

 private:
  long key(int run) const { return runs_[run].at->first; }
  void push(int run);
  int pop();
  void advance(int run);

  RunTest alive_;
  JobTest fits_;
  std::vector<Run> runs_;
  std::vector<int> heap_;  // runs with jobs left, the earliest in queue order on top
};

}  // namespace gpufleet
