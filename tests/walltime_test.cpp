// Walltimes (docs/workload-format.md, "Walltime"): planning with the limit users ask for
// instead of the true run time, and killing a run at it, on hand-worked cases end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "scenario/scenario_generator.hpp"
#include "scenario/walltime_model.hpp"
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
// 4 h of A's 10 (288 GPU-hours of its 720) and B's 72. Its 324 GPU-hours held are 288 useful
// and 36 killed at walltime (checkpoints are free with failures off).
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
  EXPECT_NEAR(t["served_gpu_hours"].get<double>(), 288 + 72, 1e-6);
  const auto& h = t["gpu_hours"];
  EXPECT_NEAR(h["allocated"].get<double>(), 324 + 72, 1e-6);
  EXPECT_NEAR(h["useful"].get<double>(), 288 + 72, 1e-6);
  EXPECT_NEAR(h["killed_at_walltime"].get<double>(), 36, 1e-6);
  EXPECT_EQ(h["checkpoint"].get<double>(), 0);
  EXPECT_EQ(h["restart"].get<double>(), 0);
  EXPECT_NEAR(t["goodput"].get<double>(), 360.0 / 396, 1e-9);
  EXPECT_EQ(t["jobs_completed"], 1);
  EXPECT_EQ(t["jobs_running_at_horizon"], 0);
}

// The kill case with checkpoint writes: failures on at rate 0 (none happens, checkpoints cost),
// a checkpoint every hour of compute taking 60 s (120 TB at 2 TB/s). A's compute stretches by
// 3660 / 3600 and a checkpoint completes every 3,660 s of running time. Killed at 16,200 s: 4
// checkpoints done (14,640 s), of its 16,200 s 15,934.426 s of progress (x 3600 / 3660), 14,400 s
// kept and 1,534.426 s lost, and 265.574 s of writes. x 72 GPUs / 3600: useful 288, killed at
// walltime 30.688525, checkpoint 5.311475 (324 in all). The writes since the last checkpoint are
// checkpoint time, not killed work: counted as time since the checkpoint, the kill would read 31.2.
// B then runs its hour of compute in 3,660 s: 72 useful, 1.2 checkpoint.
TEST(Walltime, AKilledRunsCheckpointWritesAreBookedAsCheckpointsNotKilledWork) {
  TempDir dir;
  json w = kill_case();
  for (auto& j : w["training"]) {
    j["checkpoint_interval_s"] = 3600;
    j["checkpoint_bytes"] = 60 * 2e12;
  }
  const auto r =
      run_scenario(dir, {pool("GB200", 72)}, w,
                   {"--failures", "on", "--failure-rate", "0", "--checkpoint", "workload"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(rows(dir)["A"]["state"], "timeout");
  const auto t = summary(dir)["training"];
  const auto& h = t["gpu_hours"];
  const double g = 72.0 / 3600, s = 3660.0 / 3600;
  EXPECT_NEAR(h["allocated"].get<double>(), (16200 + 3660) * g, 1e-6);
  EXPECT_NEAR(h["useful"].get<double>(), (14400 + 3600) * g, 1e-6);
  EXPECT_NEAR(h["killed_at_walltime"].get<double>(), (16200 / s - 14400) * g, 1e-6);
  EXPECT_NEAR(h["checkpoint"].get<double>(), (16200 - 16200 / s + 60) * g, 1e-6);
  EXPECT_EQ(h["restart"].get<double>(), 0);
  EXPECT_NEAR(t["served_gpu_hours"].get<double>(), 288 + 72, 1e-6);
}

// Failures off. L (priority 0, 10 h on a whole 72-GPU rack, asks 4.5 h) is preempted at 1.5 h by
// H (priority 2, 1 h): L keeps 1 h and loses 0.5 h (36 GPU-h redone after preemption). Its
// second run starts at 2.5 h with the whole limit, reloads 10 min (12 GPU-h), computes and is
// killed at 2.5 + 4.5 = 7 h: of its 15,600 s of compute, 4 checkpoints (14,400 s, 288 GPU-h)
// kept and 1,200 s (24 GPU-h) killed at walltime. L holds 72 x 6 h = 432 GPU-h, H 72: 504
// allocated = 432 useful + 36 + 12 + 24; goodput 432 / 504.
TEST(Walltime, AKillAfterAPreemptionBooksTheRestartAndTheWorkLostOnce) {
  TempDir dir;
  json low = job("L", 0, 72, 10, 4.5);
  json high = job("H", 5400, 72, 1, 2);
  high["priority"] = 2;
  const auto r = run_scenario(dir, {pool("GB200", 72)}, workload(20 * 3600, {low, high}),
                              {"--policy", "preempt-priority", "--param", "restart_delay_min=10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = rows(dir);
  EXPECT_EQ(jobs["L"]["state"], "timeout");
  const auto t = summary(dir)["training"];
  ASSERT_EQ(t["preemptions"], 1);
  EXPECT_EQ(t["jobs_killed_at_walltime"], 1);
  const auto& h = t["gpu_hours"];
  EXPECT_NEAR(h["allocated"].get<double>(), 504, 1e-6);
  EXPECT_NEAR(h["useful"].get<double>(), 432, 1e-6);
  EXPECT_NEAR(h["redone_after_preemption"].get<double>(), 36, 1e-6);
  EXPECT_NEAR(h["restart"].get<double>(), 12, 1e-6);
  EXPECT_NEAR(h["killed_at_walltime"].get<double>(), 24, 1e-6);
  EXPECT_NEAR(t["goodput"].get<double>(), 432.0 / 504, 1e-9);
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

// A job moved to a slower generation gets its limit stretched by the slowdown: B (1 h of GB200
// work) spills at once to an H100 server at half the speed, where it runs 2 h.
json spilled_case(double walltime_h) {
  json b = job("B", 0, 8, 1, walltime_h);
  b["generations"].push_back({{"model", "H100"}, {"relative_speed", 0.5}});
  return workload(20 * 3600, {job("A", 0, 72, 10, 10), b});
}

std::map<std::string, std::string> spilled_b(TempDir& dir, double walltime_h) {
  const auto r = run_scenario(dir, {pool("GB200", 72), pool("H100", 8)}, spilled_case(walltime_h),
                              {"--policy", "spillover", "--param", "spillover_wait_h=0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto b = rows(dir)["B"];
  EXPECT_EQ(b["gpu_model"], "H100");
  EXPECT_EQ(b["start_s"], "0.000");
  return b;
}

// Asked 1.5 h (for GB200), B's limit on H100 is 3 h: its 2 h run completes. Unstretched, it
// would have been killed at 1.5 h.
TEST(Walltime, TheLimitIsStretchedOnASlowerGeneration) {
  TempDir dir;
  auto b = spilled_b(dir, 1.5);
  EXPECT_EQ(b["state"], "completed");
  EXPECT_EQ(b["end_s"], "7200.000");
  EXPECT_EQ(summary(dir)["training"]["jobs_killed_at_walltime"], 0);
}

// Asked 0.8 h (less than its GB200 run), B's limit on H100 is 1.6 h, short of its 2 h run: it is
// killed there, holding 8 GPUs x 1.6 h.
TEST(Walltime, ARunPastItsStretchedLimitIsKilledThere) {
  TempDir dir;
  auto b = spilled_b(dir, 0.8);
  EXPECT_EQ(b["state"], "timeout");
  EXPECT_EQ(b["gpu_hours"], "12.800000");
  EXPECT_EQ(summary(dir)["training"]["jobs_killed_at_walltime"], 1);
}

TEST(Walltime, BadOptionValuesExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"run", "--walltime", "sometimes"},
                                                                {"run", "--plan-with", "oracle"}}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
  }
}

// The model of user estimates (Tsafrir, Etsion and Feitelson 2005) for an 18-hour limit and a
// log of 10,000 jobs: 90 distinct values (the paper's linear model in the log's size), 20 of them
// popular, each a round number of 5 minutes, carrying 89% of the jobs, the limit the most asked.
TEST(EstimateModel, TwentyRoundValuesTheLimitTheMostAskedCarry89PercentOfJobs) {
  Rng rng(1, 7);
  const EstimateModel model(18 * 3600, 10000, rng);
  const auto& values = model.values();
  EXPECT_EQ(values.size(), 90u);
  double popular = 0, all = 0, most = 0;
  int popular_count = 0;
  for (const auto& v : values) {
    all += v.share;
    EXPECT_GT(v.seconds, 0);
    EXPECT_LE(v.seconds, 18 * 3600);
    if (!v.popular) continue;
    ++popular_count;
    popular += v.share;
    most = std::max(most, v.share);
    EXPECT_EQ(std::fmod(v.seconds, 300), 0) << v.seconds;
  }
  EXPECT_EQ(popular_count, 20);
  EXPECT_NEAR(popular, 0.89, 1e-9);
  EXPECT_NEAR(all, 1, 1e-9);
  EXPECT_EQ(values.back().seconds, 18 * 3600);
  EXPECT_EQ(values.back().share, most);
  // The paper's fit: rank 1 takes 89% less ranks 2-20 (sum of 14.0491 e^(-0.177531 x) +
  // 0.462513 over x = 2..20: 67.27%), 21.7%.
  EXPECT_NEAR(most, 0.217, 0.001);
}

// A job asks for a value not below its run time (the limit when it runs longer), in proportion
// to how many ask for each value: runs of 1 h to 17 h, 1,000 draws each.
TEST(EstimateModel, AnEstimateIsNeverBelowTheRunTime) {
  Rng rng(2, 7);
  const EstimateModel model(18 * 3600, 10000, rng);
  for (double run_h : {0.01, 1.0, 4.5, 17.0, 17.99}) {
    std::map<double, int> asked;
    for (int i = 0; i < 1000; ++i) {
      const double e = model.draw(run_h * 3600, rng);
      EXPECT_GE(e, run_h * 3600);
      ++asked[e];
    }
    // The limit is the most asked of the values the run allows.
    const auto most = std::max_element(asked.begin(), asked.end(),
                                       [](auto& a, auto& b) { return a.second < b.second; });
    EXPECT_EQ(most->first, 18 * 3600) << run_h;
  }
  EXPECT_EQ(model.draw(30 * 3600, rng), 18 * 3600);
}

// Assigned to a log's jobs (10,000 run times log-uniform from a minute to 10 h, under an 18 h
// limit), the estimates keep the model's shares: the draw has long values enough for every job,
// so each takes one left that is not below its run time, and the histogram is the draw's (89% at
// the 20 popular values, 21.7% at the limit, within the noise of 10,000 draws).
TEST(EstimateModel, AssignedToALogTheEstimatesKeepTheModelsShares) {
  Rng rng(3, 7);
  const EstimateModel model(18 * 3600, 10000, rng);
  std::vector<double> runs;
  for (int i = 0; i < 10000; ++i) runs.push_back(60 * std::pow(600.0, (i + 0.5) / 10000));
  const auto estimates = model.assign(runs, rng);
  ASSERT_EQ(estimates.size(), runs.size());
  std::map<double, bool> popular;
  for (const auto& v : model.values()) popular[v.seconds] = v.popular;
  int at_popular = 0, at_limit = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_GE(estimates[i], runs[i]);
    ASSERT_TRUE(popular.count(estimates[i])) << estimates[i];
    at_popular += popular[estimates[i]];
    at_limit += estimates[i] == 18 * 3600;
  }
  EXPECT_NEAR(at_popular / 1e4, 0.89, 0.02);
  EXPECT_NEAR(at_limit / 1e4, 0.217, 0.02);
}

// The seed's walltimes: drawn on a stream of their own (the jobs are those of the scenario
// without walltimes), never below a job's run time on its first generation, and modal: per
// class, the 20 values most asked carry most of the jobs.
TEST(SeedWalltimes, AtRoundValuesNeverBelowTheRunTimeAndTheJobsUnchanged) {
  auto scenario =
      load_scenario(std::string(GPUFLEET_SOURCE_DIR) + "/workloads/scenarios/seed.json");
  const auto with = generate_scenario(scenario, {});
  for (auto& cls : scenario.training.classes) cls.max_walltime_h = 0;
  const auto without = generate_scenario(scenario, {});
  ASSERT_EQ(with.workload.training.size(), without.workload.training.size());
  std::map<std::string, std::map<double, int>> asked;
  std::map<std::string, int> jobs;
  for (size_t j = 0; j < with.workload.training.size(); ++j) {
    const auto& a = with.workload.training[j];
    const auto& b = without.workload.training[j];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.submit_s, b.submit_s);
    EXPECT_EQ(a.gpus, b.gpus);
    EXPECT_EQ(a.work_flops, b.work_flops);
    EXPECT_EQ(b.walltime_s, 0);
    const double run_s = a.work_flops / (a.gpus * 2.5e15 * a.generations[0].mfu);
    EXPECT_GE(a.walltime_s, run_s * (1 - 1e-12)) << a.id;
    const std::string cls = a.id.substr(0, a.id.find('-'));
    ++asked[cls][a.walltime_s];
    ++jobs[cls];
  }
  for (const auto& [cls, counts] : asked) {
    std::vector<int> n;
    for (const auto& [value, count] : counts) n.push_back(count);
    std::sort(n.rbegin(), n.rend());
    int top = 0;
    for (size_t i = 0; i < std::min<size_t>(20, n.size()); ++i) top += n[i];
    if (jobs[cls] >= 100) {
      EXPECT_GT(top, 0.8 * jobs[cls]) << cls;
    }
  }
}

}  // namespace
}  // namespace gpufleet::test
