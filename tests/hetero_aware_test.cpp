// hetero-aware on hand-worked cases: generations go to the jobs that gain most from them.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

constexpr double kGb300Flops = 2.5e15;

// A job with `hours` of work on GB300 at MFU 0.4; `h100_speed` is its per-GPU throughput on
// H100 relative to GB300 (0: it may not run there).
json gb300_job(const std::string& id, double submit_s, int gpus, double hours,
               double h100_speed = 0) {
  json gens = {{{"model", "GB300"}, {"mfu", 0.4}}};
  if (h100_speed > 0) gens.push_back({{"model", "H100"}, {"relative_speed", h100_speed}});
  return {{"id", id},
          {"submit_s", submit_s},
          {"gpus", gpus},
          {"work_flops", gpus * kGb300Flops * 0.4 * hours * 3600},
          {"generations", gens}};
}

PoolSpec training_pool(const std::string& model, int gpus) {
  PoolSpec spec = pool(model, gpus);
  spec.role = "training";
  return spec;
}

struct Times {
  std::string pool;
  double start = -1, end = -1;
};

std::map<std::string, Times> times(const TempDir& dir) {
  std::map<std::string, Times> t;
  for (auto& row : read_csv(dir.path("out/jobs.csv")))
    if (!row["start_s"].empty())
      t[row["id"]] = {row["pool"], std::stod(row["start_s"]),
                      row["end_s"].empty() ? -1 : std::stod(row["end_s"])};
  return t;
}

// One GB300 rack and nine H100 servers. A gains 2x from GB300 over H100, B 4x; both want
// the rack first and arrive together. First come first served gives A the rack (done at
// 10 h) and B the H100s (40 h); hetero-aware gives B the rack (10 h) and A the H100s (20 h):
// the same GPUs, 1.5 instead of 1.25 jobs' worth of best-case throughput.
json gavel_case() {
  return workload(50 * 3600, {gb300_job("A", 0, 72, 10, 0.5), gb300_job("B", 0, 72, 10, 0.25)});
}

TEST(HeteroAware, TheRackGoesToTheJobThatGainsMostFromIt) {
  TempDir dir;
  const std::vector<PoolSpec> fleet = {training_pool("GB300", 72), training_pool("H100", 72)};
  auto r =
      run_scenario(dir, fleet, gavel_case(), {"--policy", "fifo", "--param", "hetero_min_share=0"});
  EXPECT_NE(r.exit_code, 0);  // fifo has no such parameter
  r = run_scenario(dir, fleet, gavel_case(), {"--policy", "fifo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto t = times(dir);
  EXPECT_EQ(t["A"].pool, "gb300");
  EXPECT_NEAR(t["A"].end, 10 * 3600, 1);
  EXPECT_EQ(t["B"].pool, "h100");
  EXPECT_NEAR(t["B"].end, 40 * 3600, 1);

  r = run_scenario(dir, fleet, gavel_case(),
                   {"--policy", "hetero-aware", "--param", "hetero_min_share=0.2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  t = times(dir);
  EXPECT_EQ(t["B"].pool, "gb300");
  EXPECT_NEAR(t["B"].end, 10 * 3600, 1);
  EXPECT_EQ(t["A"].pool, "h100");
  EXPECT_NEAR(t["A"].end, 20 * 3600, 1);
}

TEST(HeteroAware, AJobWaitsRatherThanRunBelowItsMinimumShare) {
  // The rack is busy for 10 h; B would get a quarter of its GB300 speed on the idle H100s.
  const json w =
      workload(50 * 3600, {gb300_job("busy", 0, 72, 10), gb300_job("B", 1, 72, 10, 0.25)});
  const std::vector<PoolSpec> fleet = {training_pool("GB300", 72), training_pool("H100", 72)};
  TempDir dir;
  auto r = run_scenario(dir, fleet, w, {"--policy", "hetero-aware"});  // min share 0.4
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(times(dir)["B"].pool, "gb300");
  EXPECT_NEAR(times(dir)["B"].start, 10 * 3600, 1);
  r = run_scenario(dir, fleet, w, {"--policy", "hetero-aware", "--param", "hetero_min_share=0.25"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(times(dir)["B"].pool, "h100");
  EXPECT_NEAR(times(dir)["B"].start, 1, 1e-6);
}

TEST(HeteroAware, AnOverdueJobIsServedBeforeAnyOther) {
  // Two racks. X holds one for 10 h; Y needs both; Z fits in the free one now but runs 20 h,
  // past the time Y could start.
  const json w = workload(
      60 * 3600, {gb300_job("X", 0, 72, 10), gb300_job("Y", 1, 144, 1), gb300_job("Z", 2, 72, 20)});
  const std::vector<PoolSpec> fleet = {training_pool("GB300", 144)};
  TempDir dir;
  auto r = run_scenario(dir, fleet, w, {"--policy", "hetero-aware"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(times(dir)["Z"].start, 2, 1e-6);  // Y is not yet overdue: Z goes ahead
  r = run_scenario(dir, fleet, w, {"--policy", "hetero-aware", "--param", "hetero_fair_wait_h=0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto t = times(dir);
  EXPECT_NEAR(t["Y"].start, 10 * 3600, 1);  // overdue at once: it holds a reservation
  EXPECT_NEAR(t["Z"].start, t["Y"].end, 1);
}

}  // namespace
}  // namespace gpufleet::test
