// Policies on small hand-worked cases, end to end through SimGrid.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

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
  const double per_gpu_s = kGb200Flops * 0.4;
  return workload(40 * 3600, {training_job("A", 0, 72, 72 * per_gpu_s * 36000),
                              training_job("B", 1, 144, 144 * per_gpu_s * 3600),
                              training_job("C", 2, 72, 72 * per_gpu_s * 18000),
                              training_job("D", 3, 72, 72 * per_gpu_s * 72000)});
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

TEST(EasyBackfill, StaticPartitionKeepsStrictOrderOnTheSameCase) {
  TempDir dir;
  const auto r = run_scenario(dir, {pool("GB200", 144)}, backfill_case());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = starts(dir);
  EXPECT_DOUBLE_EQ(s.at("B"), 36000);
  EXPECT_GT(s.at("C"), 36000);  // behind B, although it would have fitted
}

TEST(EasyBackfill, LowersTheSeedScenariosGapAgainstStaticPartition) {
  TempDir dir;
  for (const char* policy : {"static-partition", "easy-backfill"})
    ASSERT_EQ(
        run_cli({"run", "--scale", "0.5", "--policy", policy, "--out", dir.path(policy), "-q"})
            .exit_code,
        0);
  const auto gap = [&](const char* policy) {
    return json::parse(read_file(
        dir.path(std::string(policy) + "/summary.json")))["training"]["capacity_gap"]
        .get<double>();
  };
  EXPECT_LT(gap("easy-backfill"), gap("static-partition"));
}

}  // namespace
}  // namespace gpufleet::test
