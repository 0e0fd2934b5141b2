// Walltimes (docs/workload-format.md, "Walltime"): planning with the limit users ask for
// instead of the true run time, and killing a run at it, on hand-worked cases end to end.
#include <gtest/gtest.h>

#include <map>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

// A GB200 job (MFU 0.4: 1e15 useful FLOP/s per GPU) with `hours` of work on its GPUs, asking
// for `walltime_h` (0: no walltime).
json job(const std::string& id, double submit_s, int gpus, double hours, double walltime_h) {
  json j = training_job(id, submit_s, gpus, gpus * kGb200Flops * 0.4 * hours * 3600);
  if (walltime_h > 0) j["walltime_s"] = walltime_h * 3600;
  return j;
}

std::map<std::string, std::map<std::string, std::string>> rows(const TempDir& dir) {
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : read_csv(dir.path("out/jobs.csv"))) by_id[row["id"]] = row;
  return by_id;
}

json summary(const TempDir& dir) {
  return json::parse(read_file(dir.path("out/summary.json")));
}

// Two NVL72 racks, the case of EasyBackfill.AShortJobJumpsTheQueueWithoutDelayingTheHead with
// walltimes. A (72 GPUs, 10 h, asks 10 h) runs; B (144 GPUs) waits for it and holds a
// reservation at 10 h. C runs 5 h, which would end before 10 h, but its user asked for 12 h:
// planned to end at 12 h, it would delay B, so it waits. Under --plan-with exact (the oracle)
// it jumps the queue at once.
json estimate_case() {
  return workload(40 * 3600, {job("A", 0, 72, 10, 10), job("B", 1, 144, 1, 2),
                              job("C", 2, 72, 5, 12), job("D", 3, 72, 20, 24)});
}

TEST(Walltime, AJobTheOracleWouldBackfillWaitsWhenItsEstimateOverrunsTheReservation) {
  TempDir dir;
  auto r = run_scenario(dir, {pool("GB200", 144)}, estimate_case(), {"--policy", "easy-backfill"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = rows(dir);
  EXPECT_EQ(jobs["B"]["start_s"], "36000.000");  // the head starts when A ends, as reserved
  // C waits behind B (which holds both racks 10 h to 11 h), then starts before D.
  EXPECT_EQ(jobs["C"]["start_s"], "39600.000");
  EXPECT_EQ(summary(dir)["training"]["plan_with"], "walltime");
  EXPECT_EQ(summary(dir)["training"]["jobs_without_walltime"], 0);

  TempDir oracle;
  r = run_scenario(oracle, {pool("GB200", 144)}, estimate_case(),
                   {"--policy", "easy-backfill", "--plan-with", "exact"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  jobs = rows(oracle);
  EXPECT_EQ(jobs["C"]["start_s"], "2.000");  // backfilled on its true 5 h
  EXPECT_EQ(jobs["B"]["start_s"], "36000.000");
  EXPECT_EQ(summary(oracle)["training"]["plan_with"], "exact");
}

// A job that fits the reservation by its walltime is backfilled as before: the same case with
// C asking for 8 h.
TEST(Walltime, AJobWhoseEstimateFitsTheReservationIsBackfilled) {
  TempDir dir;
  json w = estimate_case();
  w["training"][2]["walltime_s"] = 8 * 3600;
  const auto r = run_scenario(dir, {pool("GB200", 144)}, w, {"--policy", "easy-backfill"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(rows(dir)["C"]["start_s"], "2.000");
}

// One NVL72 rack. A (72 GPUs, 10 h of work) asks for 4.5 h; with hourly checkpoints it is killed
// at 4.5 h with 4 h of work saved and 0.5 h x 72 GPUs lost. B, behind it, starts then. Served:
// 4 h of A's 10 (288 GPU-hours of its 720) and B's 72.
json kill_case() {
  return workload(20 * 3600, {job("A", 0, 72, 10, 4.5), job("B", 1, 72, 1, 2)});
}

TEST(Walltime, AJobPastItsWalltimeIsKilledAtItAndCounted) {
  TempDir dir;
  const auto r = run_scenario(dir, {pool("GB200", 72)}, kill_case());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = rows(dir);
  EXPECT_EQ(jobs["A"]["state"], "timeout");
  EXPECT_EQ(jobs["A"]["end_s"], "");                // it never completes
  EXPECT_EQ(jobs["A"]["gpu_hours"], "324.000000");  // 72 GPUs x 4.5 h
  EXPECT_EQ(jobs["B"]["start_s"], "16200.000");     // freed at the kill
  EXPECT_EQ(jobs["B"]["state"], "completed");
  const auto t = summary(dir)["training"];
  EXPECT_EQ(t["walltime"], "kill");
  EXPECT_EQ(t["jobs_killed_at_walltime"], 1);
  EXPECT_NEAR(t["killed_at_walltime_gpu_hours"].get<double>(), 36, 1e-6);
  EXPECT_NEAR(t["served_gpu_hours"].get<double>(), 288 + 72, 1e-6);
  EXPECT_EQ(t["jobs_completed"], 1);
  EXPECT_EQ(t["jobs_running_at_horizon"], 0);
}

TEST(Walltime, IgnoredTheJobRunsToItsEnd) {
  TempDir dir;
  const auto r = run_scenario(dir, {pool("GB200", 72)}, kill_case(), {"--walltime", "ignore"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = rows(dir);
  EXPECT_EQ(jobs["A"]["end_s"], "36000.000");
  EXPECT_EQ(summary(dir)["training"]["jobs_killed_at_walltime"], 0);
}

// A job without walltime_s has no limit and is planned with its compute time (the oracle,
// counted); a job whose work ends exactly at its limit completes.
TEST(Walltime, WithoutOneAJobIsNeverKilledAndOneEndingAtItsLimitCompletes) {
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("GB200", 144)},
                   workload(20 * 3600, {job("free", 0, 72, 10, 0), job("exact", 0, 72, 3, 3)}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = rows(dir);
  EXPECT_EQ(jobs["free"]["end_s"], "36000.000");
  EXPECT_EQ(jobs["exact"]["end_s"], "10800.000");
  EXPECT_EQ(summary(dir)["training"]["jobs_without_walltime"], 1);
  EXPECT_EQ(summary(dir)["training"]["jobs_killed_at_walltime"], 0);
}

// A job that runs slower than its user planned is killed there: the limit is wall time on every
// generation. B asks 1.5 h for 1 h of GB200 work and spills to an H100 server at half the speed
// (2 h): killed at 1.5 h of the run.
TEST(Walltime, TheLimitIsNotScaledOnASlowerGeneration) {
  TempDir dir;
  json b = job("B", 0, 8, 1, 1.5);
  b["generations"].push_back({{"model", "H100"}, {"relative_speed", 0.5}});
  const auto r = run_scenario(dir, {pool("GB200", 72), pool("H100", 8)},
                              workload(20 * 3600, {job("A", 0, 72, 10, 10), b}),
                              {"--policy", "spillover", "--param", "spillover_wait_h=0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = rows(dir);
  EXPECT_EQ(jobs["B"]["gpu_model"], "H100");
  EXPECT_EQ(jobs["B"]["start_s"], "0.000");
  EXPECT_EQ(jobs["B"]["state"], "timeout");
  EXPECT_EQ(jobs["B"]["gpu_hours"], "12.000000");  // 8 GPUs x 1.5 h
}

TEST(Walltime, BadOptionValuesExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"run", "--walltime", "sometimes"},
                                                                {"run", "--plan-with", "oracle"}}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
  }
}

}  // namespace
}  // namespace gpufleet::test
