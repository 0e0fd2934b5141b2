// preempt-priority's ranks across classes, where leases and training meet on inference pools.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

// A 16-GPU training job that may run on H100 only (10 h of work there).
json h100_training(double submit_s) {
  return {{"id", "t"},
          {"submit_s", submit_s},
          {"gpus", 16},
          {"work_flops", 16 * 989e12 * 0.4 * 10 * 3600},
          {"generations", {{{"model", "H100"}, {"mfu", 0.4}}}}};
}

json lease(double start_s, double hours, bool preemptible) {
  return {{"id", "l"},
          {"gpus", 16},
          {"model", "H100"},
          {"start_s", start_s},
          {"duration_s", hours * 3600},
          {"price_per_gpu_hour", 2.5},
          {"preemptible", preemptible}};
}

std::map<std::string, std::map<std::string, std::string>> rows(const TempDir& dir) {
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : read_csv(dir.path("out/jobs.csv"))) by_id[row["id"]] = row;
  return by_id;
}

// Two idle H100 servers, no inference demand. The training job spills onto them at once
// (spillover_wait_h=0); an on-demand lease for both servers arrives at 1 h.
TEST(ClassRanks, AnOnDemandLeasePreemptsTrainingOnInferencePools) {
  const json w = workload(30 * 3600, {h100_training(0)}, json::array(), {lease(3600, 10, false)});
  const std::vector<std::string> base = {"--param", "spillover_wait_h=0"};
  const auto run = [&](const TempDir& dir, const std::string& policy,
                       std::vector<std::string> extra) {
    extra.insert(extra.begin(), base.begin(), base.end());
    extra.insert(extra.begin(), {"--policy", policy});
    const auto r = run_scenario(dir, {pool("H100", 16)}, w, extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return rows(dir);
  };
  {
    TempDir dir;  // without ranks the GPUs are taken: the lease is refused
    auto r = run(dir, "lease-idle+spillover", {});
    EXPECT_EQ(r["l"]["state"], "rejected");
    EXPECT_EQ(r["t"]["preemptions"], "0");
  }
  {
    TempDir dir;  // on-demand lease > training: the job yields, and restarts when the lease ends
    auto r = run(dir, "lease-idle+spillover+preempt-priority", {});
    EXPECT_EQ(r["l"]["state"], "completed");
    EXPECT_DOUBLE_EQ(std::stod(r["l"]["start_s"]), 3600);
    EXPECT_GT(std::stod(r["t"]["end_s"]), 20 * 3600);  // restarted when the lease ended
    EXPECT_EQ(r["t"]["preemptions"], "1");
    EXPECT_EQ(r["t"]["state"], "completed");
  }
  {
    TempDir dir;  // ranked above on-demand leases, training keeps its GPUs
    auto r = run(dir, "lease-idle+spillover+preempt-priority", {"--param", "rank_training=3"});
    EXPECT_EQ(r["l"]["state"], "rejected");
    EXPECT_EQ(r["t"]["preemptions"], "0");
  }
}

// A preemptible lease holds both servers from 0 for 100 h; a training job that may spill
// arrives at 1 h. Ranked above preemptible leases, it has the lease reclaimed after the
// 1-hour notice and starts at 2 h; otherwise it waits for the lease's end.
TEST(ClassRanks, TrainingHasAPreemptibleLeaseReclaimedAfterItsNotice) {
  const json w = workload(120 * 3600, {h100_training(3600)}, json::array(), {lease(0, 100, true)});
  for (const char* rank : {"rank_preemptible_lease=0", "rank_preemptible_lease=5"}) {
    TempDir dir;
    const auto r = run_scenario(dir, {pool("H100", 16)}, w,
                                {"--policy", "lease-idle+spillover+preempt-priority", "--param",
                                 "spillover_wait_h=0", "--param", rank});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto by_id = rows(dir);
    const bool training_first = std::string(rank) == "rank_preemptible_lease=0";
    EXPECT_EQ(by_id["l"]["state"], training_first ? "reclaimed" : "completed") << rank;
    EXPECT_DOUBLE_EQ(std::stod(by_id["t"]["start_s"]), training_first ? 7200 : 100 * 3600) << rank;
  }
}

}  // namespace
}  // namespace gpufleet::test
