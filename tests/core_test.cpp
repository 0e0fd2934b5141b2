// Unit tests of the SimGrid-free parts: placement, scheduler core, workload parsing, stats.
#include <gtest/gtest.h>

#include <sstream>

#include "formats/workload_io.hpp"
#include "metrics/stats.hpp"
#include "metrics/usage_timeline.hpp"
#include "model/dependency_graph.hpp"
#include "model/duration.hpp"
#include "model/input_error.hpp"
#include "policies/policies.hpp"
#include "scenario/scenario_generator.hpp"
#include "scheduler/placement.hpp"
#include "scheduler/scheduler_core.hpp"
#include "scheduler/waiting_merge.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

Fleet small_fleet(int domains, int gpus_per_domain, const std::string& model = "GB200",
                  PoolRole role = PoolRole::kTraining) {
  Fleet fleet;
  Pool pool;
  pool.name = "p";
  pool.gpu_model = model;
  pool.role = role;
  pool.gpus_per_domain = gpus_per_domain;
  pool.peak_flops_per_gpu = 1e15;
  pool.domain_count = domains;
  fleet.pools.push_back(pool);
  for (int d = 0; d < domains; ++d)
    fleet.domains.push_back({"h" + std::to_string(d), 0, gpus_per_domain});
  return fleet;
}

TEST(Placement, SmallJobGoesToTheFullestDomainThatFits) {
  const Fleet fleet = small_fleet(3, 8);
  const auto p = find_placement(fleet, nullptr, {8, 3, 5}, 0, 4);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->parts.size(), 1u);
  EXPECT_EQ(p->parts[0].domain, 2);
}

TEST(Placement, LargeJobUsesTheFewestDomains) {
  const Fleet fleet = small_fleet(4, 8);
  const auto p = find_placement(fleet, nullptr, {2, 8, 6, 8}, 0, 16);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->domains(), 2);
  EXPECT_EQ(p->parts[0].domain, 1);
  EXPECT_EQ(p->parts[1].domain, 3);
  EXPECT_FALSE(find_placement(fleet, nullptr, {2, 8, 6, 8}, 0, 25));
}

TEST(Placement, ConsolidateTakesOnlyWholeFreeDomainsForJobsLargerThanOne) {
  const Fleet fleet = small_fleet(4, 8);
  // 12 GPUs: 6 + 6 fit on two partly used domains, but no domain is whole.
  EXPECT_TRUE(find_placement(fleet, nullptr, {6, 6, 6, 6}, 0, 12));
  EXPECT_FALSE(find_placement(fleet, nullptr, {6, 6, 6, 6}, 0, 12, true));
  // One whole domain for 8, the remainder of 4 on the freest other domain, partly used or not.
  const auto p = find_placement(fleet, nullptr, {6, 5, 6, 8}, 0, 12, true);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->domains(), 2);
  EXPECT_EQ(p->parts[0].domain, 0);
  EXPECT_EQ(p->parts[0].gpus, 4);
  EXPECT_EQ(p->parts[1].domain, 3);
  EXPECT_EQ(p->parts[1].gpus, 8);
  // A job that fits one domain waits for one instead of spanning two.
  EXPECT_TRUE(find_placement(fleet, nullptr, {5, 5, 0, 0}, 0, 8));
  EXPECT_FALSE(find_placement(fleet, nullptr, {5, 5, 0, 0}, 0, 8, true));
  // A job that fits one domain still goes to the fullest one that fits.
  EXPECT_EQ(find_placement(fleet, nullptr, {8, 6, 8, 3}, 0, 3, true)->parts[0].domain, 3);
  EXPECT_EQ(placement_rule_named("consolidate"), PlacementRule::kConsolidate);
  EXPECT_FALSE(placement_rule_named("Consolidate"));
}

class Fifo final : public Policy {
 public:
  void schedule(SchedulerCore& core) override { start_training_fifo(core, PoolRole::kTraining); }
};

TrainingJob job(const std::string& id, int gpus) {
  TrainingJob j;
  j.id = id;
  j.gpus = gpus;
  j.work_flops = 1;
  j.generations = {{"GB200", 0.4, 0}};
  return j;
}

TEST(SchedulerCore, FifoHeadOfLineBlocksSmallerJobsBehindIt) {
  const Fleet fleet = small_fleet(1, 8);
  Workload w;
  w.training = {job("a", 6), job("b", 4), job("c", 2)};
  Fifo fifo;
  SchedulerCore core(fleet, w, fifo);
  for (int j = 0; j < 3; ++j) core.training_submitted(j);
  const auto first = core.schedule();
  ASSERT_EQ(first.size(), 1u);  // b (4) does not fit beside a (6) and blocks c (2)
  EXPECT_EQ(std::get<StartTraining>(first[0]).job, 0);
  EXPECT_EQ(core.free_gpus(0), 2);
  core.training_finished(0);
  const auto second = core.schedule();
  EXPECT_EQ(second.size(), 2u);
  EXPECT_EQ(core.free_gpus(0), 2);
}

class Idle final : public Policy {
 public:
  void schedule(SchedulerCore&) override {}
};

// The waiting jobs of at most `gpus` GPUs on pool 0, in queue order, read as the passes do.
std::vector<int> read_within(const SchedulerCore& core, int gpus) {
  WaitingMerge merge([&](const WaitingMerge::Run& run) { return run.gpus <= gpus; });
  for (const auto& [kind, jobs] : core.waiting_runs(0))
    merge.add({0, kind.first, kind.second, jobs.begin(), jobs.end()});
  std::vector<int> read;
  while (const auto job = merge.next()) read.push_back(*job);
  return read;
}

TEST(SchedulerCore, FindsWaitingJobsBySizeAndPriorityAndKnowsWhenTheyCrossAWait) {
  const Fleet fleet = small_fleet(1, 8);
  Workload w;
  w.training = {job("a", 8), job("b", 4), job("c", 2), job("d", 6)};
  for (int j = 0; j < 4; ++j) {
    w.training[j].priority = j % 2;
    w.training[j].submit_s = 100.0 * j;
  }
  Idle idle;
  SchedulerCore core(fleet, w, idle);
  core.training_submitted(0);
  core.index_waiting();  // built from the queue, then kept
  for (int j = 1; j < 4; ++j) core.training_submitted(j);
  core.set_time(250);
  EXPECT_EQ(read_within(core, 8), (std::vector<int>{0, 1, 2, 3}));  // queue order
  EXPECT_EQ(read_within(core, 4), (std::vector<int>{1, 2}));
  EXPECT_TRUE(read_within(core, 0).empty());
  EXPECT_EQ(core.waiting_by_priority(0).at({1, 6}).size(), 1u);  // d
  EXPECT_EQ(core.waiting_priorities_above(0), (std::vector<int>{1}));
  EXPECT_EQ(core.waiting_priorities_above(-1), (std::vector<int>{1, 0}));
  EXPECT_DOUBLE_EQ(core.next_wait_crossing(100), 300);  // c crossed at 200, d crosses at 300
  EXPECT_TRUE(core.any_waited(100));
  EXPECT_DOUBLE_EQ(core.next_wait_crossing(1000), 1000);
  EXPECT_FALSE(core.any_waited(1000));
  EXPECT_EQ(core.waiting_training().position(2), 2u);
  ASSERT_TRUE(core.start_training(2, 0));
  EXPECT_EQ(read_within(core, 4), (std::vector<int>{1}));
  EXPECT_EQ(core.waiting_training().position(3), 2u);
  EXPECT_EQ(core.running_by_planned_end(0).size(), 1u);
}

TEST(WaitingMerge, ReadsEachJobOnceInQueueOrderAndDropsRunsThatNoLongerFit) {
  Fleet fleet = small_fleet(1, 8);
  Pool second = fleet.pools[0];  // a second pool of the same model: every job may use both
  second.name = "q";
  second.first_domain = 1;
  fleet.pools.push_back(second);
  fleet.domains.push_back({"h1", 1, 8});
  Workload w;
  w.training = {job("a", 4), job("b", 8), job("c", 2), job("d", 4)};
  Idle idle;
  SchedulerCore core(fleet, w, idle);
  core.training_submitted(0);
  core.index_waiting();  // built from the queue, then kept
  for (int j = 1; j < 4; ++j) core.training_submitted(j);
  std::vector<int> limit = {4, 2};
  WaitingMerge merge([&](const WaitingMerge::Run& run) { return run.gpus <= limit[run.pool]; });
  for (int pool : {0, 1})
    for (const auto& [kind, jobs] : core.waiting_runs(pool))
      merge.add({pool, kind.first, kind.second, jobs.begin(), jobs.end()});
  EXPECT_EQ(merge.next(), 0);              // a, once though both pools have it
  ASSERT_TRUE(core.start_training(0, 0));  // the caller may start what it read
  limit[0] = 2;                            // what is left shrinks: d (4) no longer fits
  EXPECT_EQ(merge.next(), 2);
  EXPECT_EQ(merge.next(), std::nullopt);
}

// One 8-GPU-replica service on H100: 100 units/s per replica at 0.5 s latency.
Workload one_service(double latency_target_s) {
  InferenceService s;
  s.id = "s";
  s.gpus_per_replica = 8;
  s.latency_target_s = latency_target_s;
  s.flops_per_unit = 1;
  s.generations = {{"H100", 100, 0.5}};
  Workload w;
  w.inference = {s};
  return w;
}

TEST(SchedulerCore, AutoscaleAddsAndRemovesReplicasToFollowDemand) {
  const Fleet fleet = small_fleet(4, 8, "H100", PoolRole::kInference);
  const Workload w = one_service(1.0);
  Fifo fifo;
  SchedulerCore core(fleet, w, fifo);
  core.demand_changed(0, 250);
  core.autoscale(0, PoolRole::kInference);
  EXPECT_EQ(core.capacity(0), 300);
  core.demand_changed(0, 1000);  // more than 4 replicas can give: capped by the pool
  core.autoscale(0, PoolRole::kInference);
  EXPECT_EQ(core.capacity(0), 400);
  core.demand_changed(0, 100);
  core.autoscale(0, PoolRole::kInference);
  EXPECT_EQ(core.capacity(0), 100);
  EXPECT_EQ(core.free_gpus(0), 24);
}

TEST(SchedulerCore, AutoscaleSkipsGenerationsThatMissTheLatencyTarget) {
  const Fleet fleet = small_fleet(1, 8, "H100", PoolRole::kInference);
  const Workload w = one_service(0.1);
  Fifo fifo;
  SchedulerCore core(fleet, w, fifo);
  core.demand_changed(0, 50);
  core.autoscale(0, PoolRole::kInference);
  EXPECT_EQ(core.capacity(0), 0);
}

TEST(Workload, RelativeSpeedBecomesAnMfuWithThePlatformPeaks) {
  Fleet fleet = small_fleet(1, 8);
  Fleet other = small_fleet(1, 8, "H100");
  other.pools[0].peak_flops_per_gpu = 0.5e15;
  other.pools[0].first_domain = 1;
  fleet.pools.push_back(other.pools[0]);
  fleet.domains.push_back({"x", 1, 8});
  nlohmann::json doc = workload(100, {training_job("a", 0, 8, 1e18, 0.4)});
  doc["training"][0]["generations"].push_back({{"model", "H100"}, {"relative_speed", 0.25}});
  Workload w = parse_workload(doc, "w.json");
  bind_workload(w, fleet, "w.json");
  // 0.25 x (1e15 x 0.4) per GPU on a 0.5e15 GPU: MFU 0.2.
  EXPECT_DOUBLE_EQ(w.training[0].generations[1].mfu, 0.2);
}

TEST(Workload, RoundTripsThroughJson) {
  GenerateOptions small;
  small.scale = 0.1;
  const Workload w =
      generate_scenario(
          load_scenario(std::string(GPUFLEET_SOURCE_DIR) + "/workloads/scenarios/seed.json"), small)
          .workload;
  const Workload again = parse_workload(workload_to_json(w), "again.json");
  EXPECT_EQ(workload_to_json(again), workload_to_json(w));
  EXPECT_GT(w.training.size(), 10u);
}

TEST(Workload, StreamedJsonIsTheTreesDumpByteForByte) {
  GenerateOptions small;
  small.scale = 0.1;
  Workload w =
      generate_scenario(
          load_scenario(std::string(GPUFLEET_SOURCE_DIR) + "/workloads/scenarios/seed.json"), small)
          .workload;
  w.training[0].after = {w.training[1].id};  // every optional field of a job, and odd text
  w.training[0].recorded_start_s = 5;
  w.training[1].id = "quote\" newline\n tab\t";
  const auto streamed = [](const Workload& workload) {
    std::ostringstream out;
    write_workload_json(out, workload);
    return out.str();
  };
  EXPECT_EQ(streamed(w), workload_to_json(w).dump(1) + "\n");
  w.training.clear();
  w.leases.clear();
  EXPECT_EQ(streamed(w), workload_to_json(w).dump(1) + "\n");
}

TEST(Workload, DuplicateIdsAreRefused) {
  const auto doc = workload(100, {training_job("a", 0, 8, 1e18), training_job("a", 5, 8, 1e18)});
  EXPECT_THROW(parse_workload(doc, "w.json"), InputError);
}

TEST(DemandCurve, StepsRepeatAndEnd) {
  DemandCurve c{10, true, {1, 2, 3}, {}};
  EXPECT_EQ(c.at(0), 1);
  EXPECT_EQ(c.at(25), 3);
  EXPECT_EQ(c.at(31), 1);
  EXPECT_EQ(c.next_change_after(25), 30);
  c.repeat = false;
  EXPECT_EQ(c.at(31), 0);
  EXPECT_EQ(c.peak(), 3);
  EXPECT_DOUBLE_EQ(c.mean(), 2);
}

TEST(Stats, NearestRankPercentiles) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  const auto d = distribution_of(v);
  EXPECT_EQ(d.p50, 50);
  EXPECT_EQ(d.p95, 95);
  EXPECT_EQ(d.p99, 99);
  EXPECT_DOUBLE_EQ(d.mean, 50.5);
  EXPECT_EQ(distribution_of({}).count, 0);
}

TEST(UsageTimeline, SplitsAnIntervalAcrossBinsAndClipsAtTheHorizon) {
  UsageTimeline tl(1, 250, 100);
  tl.add(0, JobClass::kTraining, 50, 1000, 2, 10);
  EXPECT_EQ(tl.bins(), 3);
  EXPECT_DOUBLE_EQ(tl.gpu_seconds(0, JobClass::kTraining, 0), 100);
  EXPECT_DOUBLE_EQ(tl.gpu_seconds(0, JobClass::kTraining, 2), 100);
  EXPECT_DOUBLE_EQ(tl.total_flops(0, JobClass::kTraining), 2000);
  EXPECT_DOUBLE_EQ(tl.bin_length(2), 50);
}

TEST(Duration, UnitsAndErrors) {
  EXPECT_EQ(parse_duration_s("30"), 30 * 86400);
  EXPECT_EQ(parse_duration_s("12h"), 12 * 3600);
  EXPECT_EQ(parse_duration_s("2w"), 14 * 86400);
  EXPECT_THROW(parse_duration_s("3x"), std::invalid_argument);
  EXPECT_THROW(parse_duration_s("-1d"), std::invalid_argument);
}

}  // namespace
}  // namespace gpufleet::test

namespace gpufleet {
namespace {

Workload chain_workload(int jobs) {
  Workload w;
  for (int i = 0; i < jobs; ++i) {
    TrainingJob job;
    job.id = "j" + std::to_string(i);
    if (i > 0) job.after = {"j" + std::to_string(i - 1)};
    w.training.push_back(job);
  }
  return w;
}

TEST(DependencyGraph, ALongChainIsADagAndNeedsNoDeepRecursion) {
  EXPECT_TRUE(find_dependency_cycle(chain_workload(300000)).empty());
}

TEST(DependencyGraph, NamesTheJobsOnTheCycleOnly) {
  Workload w = chain_workload(6);       // j0 <- j1 <- ... <- j5
  w.training[2].after.push_back("j4");  // j2 -> j4 -> j3 -> j2
  const auto cycle = find_dependency_cycle(w);
  std::vector<std::string> names;
  for (int j : cycle) names.push_back(w.training[j].id);
  EXPECT_EQ(names, (std::vector<std::string>{"j2", "j4", "j3", "j2"}));
  Workload self = chain_workload(2);
  self.training[0].after = {"j0"};
  EXPECT_EQ(find_dependency_cycle(self), (std::vector<int>{0, 0}));
}

}  // namespace
}  // namespace gpufleet
