// Hand-worked cases run end to end through SimGrid (one `gpufleet run` process each).
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

std::map<std::string, std::map<std::string, std::string>> jobs_by_id(const TempDir& dir) {
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : read_csv(dir.path("out/jobs.csv"))) by_id[row["id"]] = row;
  return by_id;
}

double end_of(const TempDir& dir, const std::string& id) {
  return std::stod(jobs_by_id(dir).at(id).at("end_s"));
}

json summary_of(const TempDir& dir) {
  return json::parse(read_file(dir.path("out/summary.json")));
}

TEST(Simulation, OneJobRunsForWorkOverSpeedTimesMfu) {
  TempDir dir;
  // 72 GPUs x 2.5 PFLOP/s x MFU 0.4 = 72 PFLOP/s of useful work: 7.2e19 FLOPs take 1,000 s.
  const auto r = run_scenario(dir, {pool("GB200", 72)},
                              workload(7200, {training_job("a", 0, 72, 7.2e19, 0.4)}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(end_of(dir, "a"), 1000.0, 1e-3);
}

TEST(Simulation, ConsolidatePlacementMakesAJobLargerThanAServerWaitForWholeServers) {
  // Three 8-GPU servers; 6-GPU jobs hold most of two, one for an hour, one for two. A 12-GPU job
  // arriving at 10 s fits the 2 + 2 + 8 free GPUs at once, but under consolidate it needs a
  // whole server for 8 and another server with 4 free: it waits for the first job's end.
  auto h100 = pool("H100", 24);
  h100.role = "training";
  auto on_h100 = [](json job) {
    job["generations"] = json::array({{{"model", "H100"}, {"mfu", 0.4}}});
    return job;
  };
  const auto doc = workload(4 * 3600, {on_h100(training_job("a", 0, 6, 6 * 989e12 * 0.4 * 3600)),
                                       on_h100(training_job("c", 0, 6, 6 * 989e12 * 0.4 * 7200)),
                                       on_h100(training_job("b", 10, 12, 1e17))});
  std::map<std::string, double> start_of_b;
  for (const std::string rule : {"topology", "fewest-domains", "consolidate"}) {
    TempDir dir;
    const auto r = run_scenario(dir, {h100}, doc, {"--placement", rule});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    start_of_b[rule] = std::stod(jobs_by_id(dir).at("b").at("start_s"));
    EXPECT_EQ(summary_of(dir).at("placement"), rule);
  }
  EXPECT_DOUBLE_EQ(start_of_b["topology"], 10);
  EXPECT_DOUBLE_EQ(start_of_b["fewest-domains"], 10);
  EXPECT_NEAR(start_of_b["consolidate"], 3600, 1e-3);
}

TEST(Simulation, TwoJobsQueueFirstComeFirstServed) {
  TempDir dir;
  // Each needs the whole rack for 3,600 s; the second arrives at 10 s and waits 3,590 s.
  const double work = 72 * kGb200Flops * 0.4 * 3600;
  const auto r = run_scenario(
      dir, {pool("GB200", 72)},
      workload(10 * 3600, {training_job("a", 0, 72, work), training_job("b", 10, 72, work)}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto jobs = jobs_by_id(dir);
  EXPECT_NEAR(std::stod(jobs.at("b").at("start_s")), 3600.0, 1e-3);
  EXPECT_NEAR(std::stod(jobs.at("b").at("end_s")), 7200.0, 1e-3);
  const auto s = summary_of(dir);
  EXPECT_NEAR(s["training"]["wait_s"]["mean"].get<double>(), 3590.0 / 2, 1e-3);
  EXPECT_NEAR(s["training"]["jct_s"]["mean"].get<double>(), (3600.0 + 7190.0) / 2, 1e-3);
}

json job_with_gradients(const std::string& id, int gpus, double work, double gradient_bytes,
                        long steps) {
  json job = training_job(id, 0, gpus, work);
  job["gradient_bytes"] = gradient_bytes;
  job["steps"] = steps;
  return job;
}

TEST(Simulation, JobAcrossTwoRacksPaysForItsAllReduce) {
  const double work = 144 * kGb200Flops * 0.4 * 3600;  // 3,600 s of compute
  // Each rack sends 2(k-1)/k = 1 gradient per step to the other: 3.6e12 B x 1,000 steps over a
  // 72 x 400 Gb/s = 3.6e12 B/s link is 1,000 s more.
  const json w = workload(86400, {job_with_gradients("big", 144, work, 3.6e12, 1000)});
  TempDir one_domain, two_racks;
  ASSERT_EQ(run_scenario(one_domain, {pool("GB200", 144, 144)}, w).exit_code, 0);
  ASSERT_EQ(run_scenario(two_racks, {pool("GB200", 144)}, w).exit_code, 0);
  EXPECT_NEAR(end_of(one_domain, "big"), 3600.0, 1e-3);
  EXPECT_NEAR(end_of(two_racks, "big"), 4600.0, 4600.0 * 0.01);
  EXPECT_GT(end_of(two_racks, "big"), end_of(one_domain, "big") + 900);
}

TEST(Simulation, JobsSharingFabricLinksSlowEachOtherDown) {
  // Three domains of 4 GPUs: x takes domains 0+1, y takes 1+2, so both rings cross domain 1's
  // links. Compute is negligible; the exchange alone takes 100 s when x is alone.
  const PoolSpec small = pool("GB200", 12, 4);
  const double link_Bps = 4 * 400e9 / 8;
  const json x = job_with_gradients("x", 6, 6 * kGb200Flops * 0.4, link_Bps * 100, 10);
  const json y = job_with_gradients("y", 6, 6 * kGb200Flops * 0.4, link_Bps * 100, 10);
  TempDir alone, shared;
  ASSERT_EQ(run_scenario(alone, {small}, workload(86400, {x})).exit_code, 0);
  ASSERT_EQ(run_scenario(shared, {small}, workload(86400, {x, y})).exit_code, 0);
  EXPECT_EQ(jobs_by_id(shared).at("y").at("start_s"), "0.000");
  EXPECT_GT(end_of(shared, "x"), 1.5 * end_of(alone, "x"));
}

TEST(Simulation, EnergyMatchesHandComputation) {
  TempDir dir;
  // One NVL72 rack: idle 72 x 300 W, full 72 x 1,200 W. A 36-GPU job runs 3,600 s of a 7,200 s
  // horizon: E = 21,600 W x 7,200 s + (86,400 - 21,600) W x 36/72 x 3,600 s = 272.16 MJ.
  const double work = 36 * kGb200Flops * 0.4 * 3600;
  const auto r =
      run_scenario(dir, {pool("GB200", 72)}, workload(7200, {training_job("a", 0, 36, work)}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double expected_kwh = (21600.0 * 7200 + 64800.0 * 0.5 * 3600) / 3.6e6;
  EXPECT_NEAR(summary_of(dir)["fleet"]["energy_kwh"].get<double>(), expected_kwh,
              expected_kwh * 1e-3);
}

TEST(Simulation, StaticPartitionHoldsPeakCapacityAndCountsWhatItCannotServe) {
  TempDir dir;
  // Two 8-GPU servers, 100 units/s per replica; demand 50, 150, 250 over three hours. The peak
  // (250) needs 3 replicas, 2 fit, and both are held all along. Served 50 + 150 + 200 of 450
  // units/s-hours; allocated 16 GPUs x 3 h of 48 GPU-hours.
  // The oracle knows the peak from the start (an observed forecast learns it: ColdStart.*).
  const json service = h100_service({50, 150, 250});
  const auto r = run_scenario(dir, {pool("H100", 16)}, workload(3 * 3600, json::array(), {service}),
                              {"--forecast", "oracle"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary_of(dir);
  EXPECT_NEAR(s["inference"]["served_fraction"].get<double>(), 400.0 / 450.0, 1e-9);
  EXPECT_LT(s["inference"]["slo_attainment"].get<double>(), 400.0 / 450.0);
  EXPECT_NEAR(s["fleet"]["allocation_utilization"].get<double>(), 1.0, 1e-9);
  // Useful FLOP/s = served units/s x 1e12 FLOPs per unit, over a peak of 16 x 989 TFLOP/s.
  EXPECT_NEAR(s["fleet"]["effective_utilization"].get<double>(), 400.0 * 1e12 / (3 * 16 * 989e12),
              1e-9);
}

TEST(Simulation, StaticPartitionRefusesLeases) {
  TempDir dir;
  const json lease = {{"id", "l"},    {"gpus", 8},          {"model", "H100"},
                      {"start_s", 0}, {"duration_s", 3600}, {"price_per_gpu_hour", 2.0}};
  const auto r =
      run_scenario(dir, {pool("H100", 16)}, workload(7200, json::array(), json::array(), {lease}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(jobs_by_id(dir).at("l").at("state"), "rejected");
  EXPECT_EQ(summary_of(dir)["lease"]["revenue_usd"].get<double>(), 0.0);
}

TEST(Simulation, DependentJobStartsAfterItsPredecessor) {
  TempDir dir;
  const double work = 8 * kGb200Flops * 0.4 * 1000;
  json finetune = training_job("finetune", 0, 8, work);
  finetune["after"] = {"pretrain"};
  const auto r = run_scenario(dir, {pool("GB200", 72)},
                              workload(7200, {training_job("pretrain", 0, 8, work), finetune}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(std::stod(jobs_by_id(dir).at("finetune").at("start_s")), 1000.0, 1e-3);
}

TEST(Simulation, JobUnfinishedAtHorizonCountsItsProgress) {
  TempDir dir;
  // 4,000 s of work, horizon 1,000 s: a quarter served, so the gap is 75%.
  const double work = 72 * kGb200Flops * 0.4 * 4000;
  const auto r =
      run_scenario(dir, {pool("GB200", 72)}, workload(1000, {training_job("a", 0, 72, work)}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary_of(dir);
  EXPECT_NEAR(s["training"]["capacity_gap"].get<double>(), 0.75, 0.01);
  EXPECT_EQ(jobs_by_id(dir).at("a").at("state"), "running");
}

}  // namespace
}  // namespace gpufleet::test
