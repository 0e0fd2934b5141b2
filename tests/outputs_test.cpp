// The default scenario end to end: outputs, conservation of GPU-seconds, determinism.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

CliResult run_default(const TempDir& dir, const std::string& threads = "1") {
  return run_cli({"run", "--out", dir.path("out"), "--threads", threads});
}

TEST(DefaultScenario, RunsAndWritesTheThreeFilesAndTheTable) {
  TempDir dir;
  const auto r = run_default(dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("capacity gap"), std::string::npos);
  EXPECT_NE(r.out.find("fleet"), std::string::npos);
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  for (const char* key : {"allocation_utilization", "effective_utilization", "energy_kwh"})
    EXPECT_TRUE(s["fleet"].contains(key)) << key;
  EXPECT_EQ(s["pools"].size(), 4u);
  for (const char* key : {"mean", "p50", "p95", "p99"}) {
    EXPECT_TRUE(s["training"]["wait_s"].contains(key));
    EXPECT_TRUE(s["training"]["jct_s"].contains(key));
  }
  EXPECT_GT(s["training"]["demand_gpu_hours"].get<double>(), 0);
  EXPECT_TRUE(s["inference"].contains("slo_attainment"));
  EXPECT_TRUE(s["lease"].contains("revenue_usd"));
  const double alloc = s["fleet"]["allocation_utilization"],
               effective = s["fleet"]["effective_utilization"];
  EXPECT_GT(alloc, 0);
  EXPECT_LE(alloc, 1);
  EXPECT_LT(effective, alloc);  // no GPU delivers more than its peak
  EXPECT_FALSE(read_csv(dir.path("out/jobs.csv")).empty());
}

// Conservation of GPU-hours: what jobs.csv and replicas.csv say each job, lease and replica held
// equals the time series' integral, and no bin holds more GPUs than a pool has. Under every policy,
// including ones that preempt training, reclaim leases and spill training onto inference pools.
class Conservation : public ::testing::TestWithParam<const char*> {};

TEST_P(Conservation, GpuHoursOfJobsEqualTheTimeSeriesIntegralAndStayWithinCapacity) {
  TempDir dir;
  const auto r =
      run_cli({"run", "--scale", "0.5", "--policy", GetParam(), "--out", dir.path("out"), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  const double horizon = s["horizon_s"], interval = s["interval_s"];
  double by_jobs = 0;
  for (auto& row : read_csv(dir.path("out/jobs.csv"))) by_jobs += std::stod(row["gpu_hours"]);
  for (auto& row : read_csv(dir.path("out/replicas.csv"))) by_jobs += std::stod(row["gpu_hours"]);
  std::map<std::string, int> pool_gpus;
  for (const auto& p : s["pools"]) pool_gpus[p["name"]] = p["gpus"];
  std::map<std::pair<std::string, std::string>, double> per_bin;  // (time, pool) -> GPUs
  double by_series = 0;
  for (auto& row : read_csv(dir.path("out/timeseries.csv"))) {
    const double t = std::stod(row["time_s"]);
    const double gpus = std::stod(row["allocated_gpus"]);
    by_series += gpus * std::min(interval, horizon - t) / 3600;
    per_bin[{row["time_s"], row["pool"]}] += gpus;
  }
  EXPECT_GT(by_jobs, 0);
  EXPECT_NEAR(by_series, by_jobs, by_jobs * 1e-6);
  for (const auto& [key, gpus] : per_bin)
    EXPECT_LE(gpus, pool_gpus[key.second] + 1e-6) << key.first;
}

INSTANTIATE_TEST_SUITE_P(Policies, Conservation,
                         ::testing::Values("static-partition",
                                           "easy-backfill+spillover+preempt-priority", "lease-idle",
                                           "hetero-aware+lease-idle"));

// Policies score candidates in parallel (TBB); decisions and outputs must not depend on it.
class Determinism : public ::testing::TestWithParam<const char*> {};

TEST_P(Determinism, SameInputsGiveByteIdenticalOutputsWhateverTheThreadCount) {
  TempDir a, b;
  for (const auto& [dir, threads] : {std::pair{&a, "1"}, {&b, "2"}})
    ASSERT_EQ(run_cli({"run", "--policy", GetParam(), "--threads", threads, "--out",
                       dir->path("out"), "-q"})
                  .exit_code,
              0);
  for (const char* file :
       {"summary.json", "jobs.csv", "replicas.csv", "timeseries.csv", "queue_timeseries.csv",
        "pools_timeseries.csv", "services_timeseries.csv"})
    EXPECT_EQ(output_text(a.path(std::string("out/") + file)),
              output_text(b.path(std::string("out/") + file)))
        << file;
}

INSTANTIATE_TEST_SUITE_P(Policies, Determinism,
                         ::testing::Values("static-partition",
                                           "easy-backfill+spillover+lease-idle+preempt-priority",
                                           "hetero-aware+preempt-priority"));

TEST(Cli, ListsPoliciesAndRejectsAnUnknownOneWithTheValidNames) {
  const auto list = run_cli({"policies"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("static-partition"), std::string::npos);
  TempDir dir;
  const auto bad = run_cli({"run", "--policy", "nope", "--out", dir.path("out")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("static-partition"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path("out")));
}

}  // namespace
}  // namespace gpufleet::test
