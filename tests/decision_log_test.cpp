// `gpufleet run --decision-log`: decisions.csv names every decision, the part that took it and
// why (docs/policies.md, "The decision log").
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "scheduler/scheduler_core.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

// A training job that runs on B200 only.
json b200_job(const std::string& id, double submit_s, int gpus, double work_flops,
              int priority = 0) {
  return {{"id", id},
          {"submit_s", submit_s},
          {"gpus", gpus},
          {"priority", priority},
          {"work_flops", work_flops},
          {"generations", {{{"model", "B200"}, {"mfu", 0.4}}}}};
}

json lease(const std::string& id, double start_s, bool preemptible) {
  return {{"id", id},
          {"gpus", 8},
          {"model", "H100"},
          {"start_s", start_s},
          {"duration_s", 36000},
          {"price_per_gpu_hour", 1.5},
          {"preemptible", preemptible}};
}

// Two B200 servers for training, two H100 servers for inference. a (8 GPUs) heads the queue
// and starts; b (16) cannot, and holds a reservation at a's end; c (8, shorter than a) backfills
// beside a; d (priority 1) arrives at 1 h and has a preempted. The service needs one replica
// (50 units/s), released after its demand ends at 8 h; the on-demand lease at 0 takes the other
// server (the weekly forecaster has seen no peak yet), so the preemptible one at 30 min finds none.
json hand_made_case() {
  return workload(86400,
                  {b200_job("a", 0, 8, 2.88e20), b200_job("b", 0, 16, 1e20),
                   b200_job("c", 0, 8, 1.44e20), b200_job("d", 3600, 8, 1.44e19, 1)},
                  {h100_service({50, 50, 150, 150, 50, 50, 50, 50})},
                  {lease("od", 0, false), lease("pre", 1800, true)});
}

const std::vector<PoolSpec> kPools = {pool("B200", 16), pool("H100", 16)};
const std::vector<std::string> kPolicy = {"--policy", "easy-backfill+lease-idle+preempt-priority",
                                          "--param", "lease_follow_demand=1"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(DecisionLog, NamesEachDecisionOfAHandMadeCaseWithItsPartAndReason) {
  TempDir dir;
  const auto r = run_scenario(dir, kPools, hand_made_case(), with(kPolicy, {"--decision-log"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir.path("out/decisions.csv")),
            "time_s,action,id,pool,gpus,part,reason\n"
            "0.000,scale_up,chat/r0,h100,8,lease-idle,demand_rise\n"
            "0.000,accept_lease,od,h100,8,lease-idle,lease_idle_headroom\n"
            "0.000,start,a,b200,8,order:fifo,head_fits\n"
            "0.000,start,c,b200,8,backfill,backfill_shadow_ok\n"
            "1800.000,reject_lease,pre,,8,lease-idle,no_spare_gpus\n"
            "3600.000,preempt,a,b200,8,preempt-priority,preempt_for_priority\n"
            "3600.000,start,d,b200,8,preempt-priority,priority_start\n"
            "5600.000,start,a,b200,8,order:fifo,head_fits\n"  // put back at the head
            "32400.000,scale_down,chat/r0,h100,8,lease-idle,demand_fall\n"
            "42600.000,start,b,b200,16,order:fifo,head_fits\n");
}

// The core's own decisions: a contract taking both H100 servers at 1 h makes room (the lease and
// the replica give way: core/contract_start), and gives them back at 3 h, when the service is
// scaled up again.
TEST(DecisionLog, NamesTheCoresOwnDecisionsForAContract) {
  TempDir dir;
  json w =
      workload(4 * 3600, json::array(), {h100_service({50, 50, 50, 50})}, {lease("od", 0, false)});
  w["contracts"] = json::array({contract("k", "H100", 16, 3600, 7200, 2.0)});
  const auto r =
      run_scenario(dir, {pool("H100", 16)}, w, {"--policy", "lease-idle", "--decision-log"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir.path("out/decisions.csv")),
            "time_s,action,id,pool,gpus,part,reason\n"
            "0.000,scale_up,chat/r0,h100,8,lease-idle,demand_rise\n"
            "0.000,accept_lease,od,h100,8,lease-idle,lease_idle_headroom\n"
            "3600.000,scale_down,chat/r0,h100,8,core,contract_start\n"
            "3600.000,reclaim_lease,od,h100,8,core,contract_start\n"
            "3600.000,contract_start,k,h100,16,core,contract_start\n"
            "10800.000,contract_end,k,h100,16,core,contract_end\n"
            "10800.000,scale_up,chat/r1,h100,8,lease-idle,demand_rise\n");
}

// The log is an extra file: every other output keeps its bytes, and a run without it removes
// the one an earlier run left in the folder.
TEST(DecisionLog, ChangesNoOtherOutputAndIsCompressedWithTheRest) {
  TempDir with_log, without;
  ASSERT_EQ(
      run_scenario(with_log, kPools, hand_made_case(), with(kPolicy, {"--decision-log"})).exit_code,
      0);
  ASSERT_EQ(run_scenario(without, kPools, hand_made_case(), kPolicy).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(without.path("out/decisions.csv")));
  int compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(without.path("out"))) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(output_text(with_log.path("out/" + name)), output_text(entry.path().string()))
        << name;
    ++compared;
  }
  EXPECT_GE(compared, 7);

  ASSERT_EQ(run_scenario(with_log, kPools, hand_made_case(),
                         with(kPolicy, {"--decision-log", "--compress"}))
                .exit_code,
            0);
  EXPECT_TRUE(std::filesystem::exists(with_log.path("out/decisions.csv.gz")));
  EXPECT_FALSE(std::filesystem::exists(with_log.path("out/decisions.csv")));
  ASSERT_EQ(run_scenario(with_log, kPools, hand_made_case(), kPolicy).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(with_log.path("out/decisions.csv.gz")));
}

// On the seed with failures: each started job's first start row is its start in jobs.csv, and
// its preempt rows other than failures are its preemptions there. Two runs give the same bytes.
TEST(DecisionLog, AgreesWithJobsCsvOnTheSeedAndIsDeterministic) {
  TempDir dir;
  const std::vector<std::string> args = {"run",
                                         "--horizon",
                                         "3d",
                                         "--policy",
                                         "easy-backfill+spillover+preempt-priority",
                                         "--failures",
                                         "on",
                                         "--decision-log",
                                         "--quiet"};
  auto r = run_cli(with(args, {"--out", dir.path("one")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli(with(args, {"--out", dir.path("two")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string log = read_file(dir.path("one/decisions.csv"));
  EXPECT_EQ(log, read_file(dir.path("two/decisions.csv")));

  std::map<std::string, std::string> first_start;
  std::map<std::string, int> preempted;
  std::set<std::string> parts;
  for (auto& row : read_csv(dir.path("one/decisions.csv"))) {
    if (row["action"] == "start") first_start.emplace(row["id"], row["time_s"]);
    if (row["action"] == "preempt" && row["reason"] != "failure") ++preempted[row["id"]];
    parts.insert(row["part"] + "/" + row["reason"]);
  }
  int started = 0;
  for (auto& job : read_csv(dir.path("one/jobs.csv"))) {
    if (job["class"] != "training") continue;
    if (!job["start_s"].empty()) {
      ++started;
      EXPECT_EQ(first_start[job["id"]], job["start_s"]) << job["id"];
    }
    EXPECT_EQ(std::to_string(preempted[job["id"]]), job["preemptions"]) << job["id"];
  }
  EXPECT_EQ(started, static_cast<int>(first_start.size()));
  EXPECT_GT(started, 100);
  for (const char* seen :
       {"order:fifo/head_fits", "backfill/backfill_shadow_ok", "spillover/spill_after_wait",
        "preempt-priority/preempt_for_priority", "autoscale/demand_rise", "core/failure"})
    EXPECT_TRUE(parts.count(seen)) << seen;
}

// compare and study pass it to every run: each run's folder holds its own decisions.csv. A
// study run again with it runs again the runs done without it (they lack the file).
TEST(DecisionLog, CompareAndStudyWriteOneLogPerRun) {
  TempDir dir;
  auto r = run_cli({"compare", "--policies", "fifo,easy-backfill", "--scale", "0.1", "--horizon",
                    "1d", "--decision-log", "--quiet", "--out", dir.path("compare")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir.path("compare/fifo/decisions.csv")));
  EXPECT_TRUE(std::filesystem::exists(dir.path("compare/easy-backfill/decisions.csv")));

  const auto spec = dir.write("study.json", R"({"format": "gpufleet-study", "version": 1,
    "scale": 0.1, "days": 1, "seeds": [1], "policies": ["fifo"]})");
  r = run_cli({"study", spec, "--out", dir.path("study")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("study/runs/fifo-base/seed-1/decisions.csv")));
  r = run_cli({"study", spec, "--decision-log", "--out", dir.path("study")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 runs, 0 done before, 1 to run"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir.path("study/runs/fifo-base/seed-1/decisions.csv")));
}

// A part written elsewhere (a Python policy) names itself and its reasons at run time, in the
// scopes the C++ parts use; the core's own context comes back after them.
class NamedPart final : public Policy {
 public:
  void schedule(SchedulerCore& core) override {
    const DecisionScope part(core, core.decision_part_named("python:MyFifo"),
                             core.decision_reason_named("my_reason"));
    for (int job = 0; job < 2; ++job) {
      if (job == 1) {
        const DecisionScope why(core, core.decision_reason_named("head_fits"));  // a built-in
        core.start_training(job, 0);
      } else {
        core.start_training(job, 0);
      }
    }
  }
};

TEST(DecisionLog, APartNamedAtRunTimeRecordsItsNameAndReasons) {
  Fleet fleet;
  Pool pool;
  pool.name = "p";
  pool.gpu_model = "GB200";
  pool.gpus_per_domain = 8;
  pool.peak_flops_per_gpu = 1e15;
  pool.domain_count = 1;
  fleet.pools.push_back(pool);
  fleet.domains.push_back({"h0", 0, 8});
  Workload w;
  for (const char* id : {"x", "y"}) {
    TrainingJob j;
    j.id = id;
    j.gpus = 4;
    j.work_flops = 1e18;
    j.generations = {{"GB200", 0.4, 0}};
    w.training.push_back(j);
  }
  NamedPart policy;
  SchedulerCore core(fleet, w, policy);
  EXPECT_EQ(core.decision_part_named("python:MyFifo"), DecisionPart::kCore);  // no log: default
  DecisionLog log;
  core.set_decision_log(&log);
  core.training_submitted(0);
  core.training_submitted(1);
  core.set_time(60);
  core.schedule();
  ASSERT_EQ(log.rows().size(), 2u);
  EXPECT_EQ(log.name_of(log.rows()[0].part), "python:MyFifo");
  EXPECT_EQ(log.name_of(log.rows()[0].reason), "my_reason");
  EXPECT_EQ(log.rows()[1].reason, DecisionReason::kHeadFits);
  EXPECT_EQ(log.rows()[1].time_s, 60);
  EXPECT_EQ(core.decision_part(), DecisionPart::kCore);  // the scopes restored it
  EXPECT_EQ(core.decision_reason(), DecisionReason::kNone);
  EXPECT_EQ(log.part_code("python:MyFifo"), log.rows()[0].part);  // the same name, the same code
}

}  // namespace
}  // namespace gpufleet::test
