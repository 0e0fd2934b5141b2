// The seed scenario's headline, and that the model moves the right way when one thing changes.
// Every figure here comes out of a simulation run; none is read back from the scenario.
#include <gtest/gtest.h>

#include <functional>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

const std::string kSeedScenario =
    std::string(GPUFLEET_SOURCE_DIR) + "/workloads/scenarios/seed.json";

json summary_of(const TempDir& dir, const std::string& out = "out") {
  return json::parse(read_file(dir.path(out + "/summary.json")));
}

// The seed scenario with `edit` applied, written into dir; the shape path made absolute.
std::string edited_scenario(const TempDir& dir, const std::string& name,
                            const std::function<void(json&)>& edit) {
  auto s = json::parse(read_file(kSeedScenario));
  s["inference"]["shape"] =
      std::string(GPUFLEET_SOURCE_DIR) + "/workloads/shapes/servegen-m-small.json";
  edit(s);
  return dir.write(name, s.dump(1));
}

// Pool figures by role: GPU-weighted for allocation, peak-weighted for effective utilization.
struct RoleFigures {
  double allocation = 0, effective = 0;
};
RoleFigures of_role(const json& summary, const std::string& role) {
  double gpus = 0, alloc = 0, peak = 0, useful = 0;
  for (const auto& p : summary["pools"]) {
    if (p["role"] != role) continue;
    const double n = p["gpus"],
                 per_gpu = p["gpu_model"] == "H100" || p["gpu_model"] == "H200" ? 989e12 : 2.5e15;
    gpus += n;
    alloc += n * p["allocation_utilization"].get<double>();
    peak += n * per_gpu;
    useful += n * per_gpu * p["effective_utilization"].get<double>();
  }
  return {alloc / gpus, useful / peak};
}

TEST(SeedHeadline, StaticPartitionLandsWhereTheIndustryReports) {
  TempDir dir;
  const auto r = run_cli({"run", "--out", dir.path("out")});  // the main job, no arguments
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary_of(dir);
  EXPECT_EQ(s["policy"], "static-partition");
  const double effective = s["fleet"]["effective_utilization"];
  const double gap = s["training"]["capacity_gap"];
  EXPECT_GE(effective, 0.10);
  EXPECT_LE(effective, 0.25);
  EXPECT_GE(gap, 0.30);
  EXPECT_LE(gap, 0.50);
  EXPECT_GE(s["inference"]["slo_attainment"].get<double>(), 0.99);
  for (const char* words : {"effective", "allocation", "capacity gap", "SLO"})
    EXPECT_NE(r.out.find(words), std::string::npos) << words;
}

TEST(Sensitivity, MoreTrainingCapacityLowersTheGap) {
  TempDir dir;
  // One workload, two fleets: the seed fleet at scale 0.5, and the same with GB200 doubled.
  ASSERT_EQ(run_cli({"generate", "--scale", "0.5", "-o", dir.path("w.json"), "--platform-out",
                     dir.path("p.xml")})
                .exit_code,
            0);
  ASSERT_EQ(run_cli({"platform", "--pool", "GB200:1728", "--pool", "GB300:720", "--pool",
                     "H100:2480", "--pool", "H200:936", "-o", dir.path("bigger.xml")})
                .exit_code,
            0);
  for (const auto& [platform, out] : {std::pair{"p.xml", "base"}, {"bigger.xml", "more"}}) {
    const auto r = run_cli({"run", "--workload", dir.path("w.json"), "--platform",
                            dir.path(platform), "--out", dir.path(out), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const double base = summary_of(dir, "base")["training"]["capacity_gap"];
  const double more = summary_of(dir, "more")["training"]["capacity_gap"];
  EXPECT_LT(more, base - 0.05) << base << " -> " << more;
}

// Runs the seed scenario at half size with `edit` applied; the figures of the pools of `role`.
RoleFigures run_edited(const TempDir& dir, const std::string& name,
                       const std::function<void(json&)>& edit, const std::string& role) {
  const auto scenario = edited_scenario(dir, name + ".json", edit);
  const auto r = run_cli({"run", "--scenario", scenario, "--scale", "0.5", "--out", dir.path(name),
                          "-q", "--forecast", "oracle"});  // the same peak held whatever the edit
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return of_role(summary_of(dir, name), role);
}

TEST(Sensitivity, FlatterInferenceDemandRaisesInferencePoolUtilization) {
  TempDir dir;
  const auto flatten = [](double f) { return [f](json& s) { s["inference"]["flatten"] = f; }; };
  const auto trace = run_edited(dir, "trace", flatten(0.0), "inference");
  const auto flatter = run_edited(dir, "flatter", flatten(0.6), "inference");
  // Same peak, so the same replicas are held; a flatter curve keeps them busier.
  EXPECT_NEAR(flatter.allocation, trace.allocation, 1e-9);
  EXPECT_GT(flatter.effective, trace.effective * 1.1)
      << trace.effective << " -> " << flatter.effective;
}

TEST(Sensitivity, HigherMfuRaisesEffectiveButNotAllocationUtilization) {
  TempDir dir;
  const auto scale_mfu = [](double factor) {
    return [factor](json& s) {
      for (auto& c : s["training"]["classes"]) c["mfu"] = c["mfu"].get<double>() * factor;
    };
  };
  const auto base = run_edited(dir, "base", scale_mfu(1.0), "training");
  const auto higher = run_edited(dir, "higher", scale_mfu(1.25), "training");
  // Jobs are drawn as GPU-time; a higher MFU packs more useful FLOPs into the same time.
  EXPECT_NEAR(higher.allocation, base.allocation, 1e-6);
  EXPECT_GT(higher.effective, base.effective * 1.15)
      << base.effective << " -> " << higher.effective;
}

}  // namespace
}  // namespace gpufleet::test
