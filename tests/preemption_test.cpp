// Preemption through the scheduler core, in process: one SimGrid engine in this test's process.
#include <gtest/gtest.h>

#include "formats/workload_io.hpp"
#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"
#include "sim/simulation.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

// FIFO, except that a waiting job of higher priority than a running one takes its place.
class PreemptForPriority final : public Policy {
 public:
  void schedule(SchedulerCore& core) override {
    const auto waiting = core.waiting_training().to_vector();
    for (int job : waiting) {
      const int priority = core.workload().training[job].priority;
      for (int running : core.running_training())
        if (core.workload().training[running].priority < priority) {
          const int pool = core.placement_of(running)->pool;
          core.preempt_training(running);
          core.start_training(job, pool);
          break;
        }
    }
    start_training_fifo(core, PoolRole::kTraining);
  }
};

TEST(Preemption, LosesExactlyTheWorkSinceTheLastCheckpoint) {
  TempDir dir;
  const auto platform = dir.write("p.xml", platform_xml({pool("GB200", 72)}));
  const double rate = 72 * kGb200Flops * 0.4;  // useful FLOP/s of the whole rack
  auto low = training_job("low", 0, 72, rate * 10000);
  low["checkpoint_interval_s"] = 3600;
  auto high = training_job("high", 5000, 72, rate * 1000);
  high["priority"] = 1;
  Workload w = parse_workload(workload(86400, {low, high}), "w.json");
  Simulation sim(platform);
  bind_workload(w, sim.fleet(), "w.json");
  PreemptForPriority policy;
  SimulationOptions options;
  options.horizon_s = 86400;
  const RunResult r = sim.run(w, policy, options);
  // At 5,000 s "low" has done 5,000 s of work and checkpointed 3,600 s of it: 1,400 s lost.
  // "high" runs 5,000-6,000 s; "low" restarts at 6,000 s with 6,400 s of work left.
  EXPECT_EQ(r.training[0].preemptions, 1);
  EXPECT_NEAR(r.training[0].lost_work_flops / rate, 1400, 1e-3);
  EXPECT_NEAR(r.training[1].start_s, 5000, 1e-6);
  EXPECT_NEAR(r.training[1].end_s, 6000, 1e-3);
  EXPECT_NEAR(r.training[0].end_s, 12400, 1e-3);
  EXPECT_NEAR(r.training[0].work_done_flops / rate, 10000, 1e-3);
  // The time series holds only useful work: 11,000 s of the rack's useful rate.
  EXPECT_NEAR(r.timeline.total_flops(0, JobClass::kTraining) / rate, 11000, 1e-2);
}

}  // namespace
}  // namespace gpufleet::test
