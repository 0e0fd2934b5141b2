// Policies on small hand-worked cases, end to end through SimGrid.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

// Runs the seed scenario at half size under each policy; their summaries by policy name.
std::map<std::string, json> seed_summaries(const TempDir& dir, std::vector<std::string> policies) {
  std::map<std::string, json> out;
  for (const auto& policy : policies) {
    const auto r =
        run_cli({"run", "--scale", "0.5", "--policy", policy, "--out", dir.path(policy), "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    out[policy] = json::parse(read_file(dir.path(policy + "/summary.json")));
  }
  return out;
}

std::map<std::string, std::string> row_of(const TempDir& dir, const std::string& id) {
  for (auto& row : read_csv(dir.path("out/jobs.csv")))
    if (row["id"] == id) return row;
  return {};
}

// A GB200 job (MFU 0.4: 1e15 useful FLOP/s per GPU) with `hours` of work on its GPUs.
json gb200_job(const std::string& id, double submit_s, int gpus, double hours) {
  return training_job(id, submit_s, gpus, gpus * kGb200Flops * 0.4 * hours * 3600);
}

std::map<std::string, double> starts(const TempDir& dir) {
  std::map<std::string, double> s;
  for (auto& row : read_csv(dir.path("out/jobs.csv")))
    if (!row["start_s"].empty()) s[row["id"]] = std::stod(row["start_s"]);
  return s;
}

// Two NVL72 racks. A (72 GPUs, 10 h) runs; B (144 GPUs) waits for it and holds a
// reservation at 10 h; C (72 GPUs, 5 h) ends before 10 h and may jump ahead; D (72 GPUs,
// 20 h) would delay B and may not. At MFU 0.4 a GB200 does 1e15 useful FLOP/s.
json backfill_case() {
  return workload(40 * 3600, {gb200_job("A", 0, 72, 10), gb200_job("B", 1, 144, 1),
                              gb200_job("C", 2, 72, 5), gb200_job("D", 3, 72, 20)});
}

TEST(EasyBackfill, AShortJobJumpsTheQueueWithoutDelayingTheHead) {
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("GB200", 144)}, backfill_case(), {"--policy", "easy-backfill"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // nothing from SimGrid either
  const auto s = starts(dir);
  EXPECT_DOUBLE_EQ(s.at("C"), 2);      // backfilled at once
  EXPECT_DOUBLE_EQ(s.at("B"), 36000);  // the head starts when A ends, as reserved
  EXPECT_GT(s.at("D"), 36000);         // D would have delayed B: it waits its turn
}

TEST(EasyBackfill, FifoKeepsStrictOrderOnTheSameCase) {
  TempDir dir;
  const auto r = run_scenario(dir, {pool("GB200", 144)}, backfill_case(), {"--policy", "fifo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = starts(dir);
  EXPECT_DOUBLE_EQ(s.at("B"), 36000);
  EXPECT_GT(s.at("C"), 36000);  // behind B, although it would have fitted
}

TEST(EasyBackfill, LowersTheSeedScenariosGapAgainstFifo) {
  TempDir dir;
  auto s = seed_summaries(dir, {"fifo", "easy-backfill"});
  EXPECT_LT(s["easy-backfill"]["training"]["capacity_gap"].get<double>(),
            s["fifo"]["training"]["capacity_gap"].get<double>());
}

// A (72 GPUs, 10 h) fills the only NVL72 rack; B (8 GPUs, 1 h of GB200 work) waits behind
// it. B may also run on H100 at half a GB200's per-GPU speed, where an idle server waits.
json spillover_case(double gradient_bytes) {
  json b = gb200_job("B", 0, 8, 1);
  b["generations"].push_back({{"model", "H100"}, {"relative_speed", 0.5}});
  b["gradient_bytes"] = gradient_bytes;
  return workload(20 * 3600, {gb200_job("A", 0, 72, 10), b});
}

TEST(Spillover, AJobThatWaitedPastTheThresholdRunsOnAnIdleInferenceServer) {
  TempDir dir;
  const auto r = run_scenario(dir, {pool("GB200", 72), pool("H100", 8)}, spillover_case(16e9),
                              {"--policy", "spillover", "--param", "spillover_wait_h=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto b = row_of(dir, "B");
  EXPECT_EQ(b.at("pool"), "h100");
  EXPECT_DOUBLE_EQ(std::stod(b.at("start_s")), 3600);
  // Half the speed: 1 h of GB200 work takes 2 h on H100.
  EXPECT_NEAR(std::stod(b.at("end_s")), 3 * 3600, 1e-6);
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  EXPECT_EQ(s["policy_params"]["spillover_wait_h"].get<double>(), 1.0);
}

TEST(Spillover, WithoutItOrWithoutTheMemoryTheJobWaitsForItsOwnPool) {
  for (const auto& [policy, gradient_bytes] :
       {std::pair{"static-partition", 16e9}, {"spillover", 800e9}}) {
    TempDir dir;
    // 400e9 parameters x 16 bytes over 8 GPUs is 800 GB per GPU: more than an H100's 80 GB.
    const auto r = run_scenario(dir, {pool("GB200", 72), pool("H100", 8)},
                                spillover_case(gradient_bytes), {"--policy", policy});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto b = row_of(dir, "B");
    EXPECT_EQ(b.at("pool"), "gb200") << policy;
    EXPECT_DOUBLE_EQ(std::stod(b.at("start_s")), 36000) << policy;
  }
}

TEST(PolicyNames, BadNamesAndParametersExitTwoListingTheValidOnes) {
  TempDir dir;
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(),
                {"run", "--scale", "0.1", "--horizon", "1d", "-q", "--out", dir.path("out")});
    return run_cli(args);
  };
  const auto unknown = run({"--policy", "easy-backfill+nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown policy 'nope'; valid policies: static-partition"),
            std::string::npos)
      << unknown.err;
  const auto two_orders = run({"--policy", "fifo+easy-backfill"});
  EXPECT_EQ(two_orders.exit_code, 2);
  EXPECT_NE(two_orders.err.find("one training order at most"), std::string::npos);
  const auto negative = run({"--policy", "spillover", "--param", "spillover_wait_h=-1"});
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_NE(negative.err.find("spillover_wait_h must be a number from 0"), std::string::npos)
      << negative.err;
  const auto foreign = run({"--policy", "easy-backfill", "--param", "spillover_wait_h=2"});
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_NE(foreign.err.find("parameters of this policy: none"), std::string::npos) << foreign.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("out")));
}

TEST(Spillover, LowersTheSeedScenariosGapAgainstStaticPartition) {
  TempDir dir;
  auto s = seed_summaries(dir, {"static-partition", "spillover"});
  EXPECT_LT(s["spillover"]["training"]["capacity_gap"].get<double>(),
            s["static-partition"]["training"]["capacity_gap"].get<double>() - 0.03);
  // Inference keeps its peak reserve: it serves as many requests on time as under
  // static-partition.
  EXPECT_NEAR(s["spillover"]["inference"]["slo_attainment"].get<double>(),
              s["static-partition"]["inference"]["slo_attainment"].get<double>(), 1e-4);
}

// Idle at t = 0 (one replica is enough), the lease is taken; the 150 tokens/s of hour 2 need
// its server, so the oracle gives it notice one notice period ahead and it is reclaimed at 2 h
// exactly, whatever the notice (a notice that is no whole number of demand steps, or none).
class LeaseIdleNotice : public ::testing::TestWithParam<const char*> {};

TEST_P(LeaseIdleNotice, APreemptibleLeaseIsReclaimedJustWhenInferenceNeedsItsGpus) {
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("H100", 16)}, leasing_case(true),
                   {"--policy", "lease-idle", "--param", "lease_follow_demand=1", "--param",
                    "lease_headroom=0", "--param", GetParam(), "--forecast", "oracle"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto l = row_of(dir, "l");
  EXPECT_EQ(l.at("state"), "reclaimed");
  EXPECT_DOUBLE_EQ(std::stod(l.at("start_s")), 0);
  EXPECT_DOUBLE_EQ(std::stod(l.at("end_s")), 7200);
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  EXPECT_EQ(s["lease"]["reclaimed"].get<int>(), 1);
  EXPECT_NEAR(s["lease"]["revenue_usd"].get<double>(), 8 * 2 * 1.5, 1e-9);
  EXPECT_NEAR(s["inference"]["served_fraction"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(s["inference"]["slo_attainment"].get<double>(), 1.0, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Notices, LeaseIdleNotice,
                         ::testing::Values("lease_notice_h=1", "lease_notice_h=1.5",
                                           "lease_notice_h=0"));

TEST(LeaseIdle, AnOnDemandLeaseThatWouldEatThePeakReserveIsRejected) {
  for (const char* follow : {"lease_follow_demand=0", "lease_follow_demand=1"}) {
    TempDir dir;
    // The peak (150) needs both servers: nothing is left above it for a lease of 10 hours.
    // (An observed forecast has seen only 50 at t = 0 and takes it: InferenceRisk.*.)
    const auto r =
        run_scenario(dir, {pool("H100", 16)}, leasing_case(false),
                     {"--policy", "lease-idle", "--param", follow, "--forecast", "oracle"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(row_of(dir, "l").at("state"), "rejected") << follow;
  }
  TempDir dir;  // with a third server above the peak reserve, it is taken
  const auto r = run_scenario(
      dir, {pool("H100", 24)}, leasing_case(false),
      {"--policy", "lease-idle", "--param", "lease_headroom=0", "--forecast", "oracle"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(row_of(dir, "l").at("state"), "running");
}

TEST(LeaseIdle, RaisesInferencePoolAllocationOnTheSeedWithoutLosingDemand) {
  TempDir dir;
  auto s = seed_summaries(dir, {"static-partition", "lease-idle"});
  const auto inference_allocation = [](const json& summary) {
    double gpus = 0, held = 0;
    for (const auto& p : summary["pools"])
      if (p["role"] == "inference") {
        gpus += p["gpus"].get<double>();
        held += p["gpus"].get<double>() * p["allocation_utilization"].get<double>();
      }
    return held / gpus;
  };
  const double base = inference_allocation(s["static-partition"]);
  const double leasing = inference_allocation(s["lease-idle"]);
  EXPECT_GT(leasing, base + 0.03) << base << " -> " << leasing;
  EXPECT_NEAR(s["lease-idle"]["inference"]["slo_attainment"].get<double>(),
              s["static-partition"]["inference"]["slo_attainment"].get<double>(), 1e-4);
  EXPECT_GT(s["lease-idle"]["lease"]["revenue_usd"].get<double>(), 0);
}

TEST(PreemptPriority, AHigherPriorityJobTakesTheRackAndTheVictimPaysCheckpointAndReload) {
  TempDir dir;
  // L (priority 0) fills the rack for 10 h from t = 0, checkpointing every hour. H (priority 2,
  // 1 h) arrives at 1.5 h and preempts it: L keeps 1 h of work, loses 0.5 h, and after H it
  // reloads for 10 minutes, then does its 9 h left: 9000 + 600 + 32400 = 42000.
  json low = gb200_job("L", 0, 72, 10);
  json high = gb200_job("H", 5400, 72, 1);
  high["priority"] = 2;
  const auto r = run_scenario(dir, {pool("GB200", 72)}, workload(20 * 3600, {low, high}),
                              {"--policy", "preempt-priority", "--param", "restart_delay_min=10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_DOUBLE_EQ(std::stod(row_of(dir, "H").at("start_s")), 5400);
  EXPECT_NEAR(std::stod(row_of(dir, "L").at("end_s")), 42000, 1e-6);
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  EXPECT_EQ(s["training"]["preemptions"].get<int>(), 1);
  EXPECT_NEAR(s["training"]["lost_gpu_hours"].get<double>(), 72 * 0.5, 1e-6);
}

TEST(PreemptPriority, AJobThatFitsOnAnotherOfItsPoolsPreemptsNobody) {
  TempDir dir;
  json high = gb200_job("H", 5400, 72, 1);
  high["priority"] = 2;
  high["generations"].push_back({{"model", "GB300"}, {"relative_speed", 1.0}});
  const auto r = run_scenario(dir, {pool("GB200", 72), pool("GB300", 72)},
                              workload(20 * 3600, {gb200_job("L", 0, 72, 10), high}),
                              {"--policy", "preempt-priority"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(row_of(dir, "H").at("pool"), "gb300");
  EXPECT_EQ(row_of(dir, "L").at("preemptions"), "0");
}

TEST(PreemptPriority, EqualPrioritiesNeverPreempt) {
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("GB200", 72)},
                   workload(20 * 3600, {gb200_job("L", 0, 72, 10), gb200_job("H", 5400, 72, 1)}),
                   {"--policy", "preempt-priority"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_DOUBLE_EQ(std::stod(row_of(dir, "H").at("start_s")), 36000);
}

TEST(Spillover, ASpilledJobMovesBackWhenItsOwnPoolFreesUpAndThatPaysOff) {
  TempDir dir;
  // A (72 GPUs, 2 h) fills the rack; B (8 GPUs, 10 h of GB200 work) spills to H100 at 1 h,
  // where it would need 20 h. At 2 h the rack frees: B has done 1 h of H100 work (0.5 h of
  // GB200 work, checkpointed at its 1 h mark), reloads for 10 minutes and does the 9.5 h left:
  // 7200 + 600 + 34200 = 42000.
  json b = gb200_job("B", 0, 8, 10);
  b["generations"].push_back({{"model", "H100"}, {"relative_speed", 0.5}});
  const auto r = run_scenario(dir, {pool("GB200", 72), pool("H100", 8)},
                              workload(20 * 3600, {gb200_job("A", 0, 72, 2), b}),
                              {"--policy", "spillover", "--param", "spillover_wait_h=1", "--param",
                               "spillover_migrate=1", "--param", "spillover_restart_min=10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto row = row_of(dir, "B");
  EXPECT_EQ(row.at("pool"), "gb200");
  EXPECT_EQ(row.at("preemptions"), "1");
  EXPECT_DOUBLE_EQ(std::stod(row.at("start_s")), 3600);
  EXPECT_NEAR(std::stod(row.at("end_s")), 42000, 1e-6);
}

}  // namespace
}  // namespace gpufleet::test
