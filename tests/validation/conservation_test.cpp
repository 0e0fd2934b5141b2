// Conservation laws and Little's law on end-to-end `gpufleet run` outputs: GPU-seconds, energy
// from the platform's wattage figures, FLOPs delivered, and the seed scenario's training
// queue. Each check prints its measured error ([validation] lines).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "../test_support.hpp"
#include "model/gpu_catalog.hpp"
#include "queueing.hpp"

namespace gpufleet::validation {
namespace {

using nlohmann::json;
using test::read_csv;
using test::read_file;
using test::TempDir;

double relative(double measured, double expected) {
  return expected != 0 ? measured / expected - 1 : measured;
}

// Integral of a per-bin mean column over [0, horizon), per value of `key` ("" for all rows).
std::map<std::string, double> integral(const std::string& file, const std::string& column,
                                       const std::string& key, double interval, double horizon) {
  std::map<std::string, double> sums;
  for (auto& row : read_csv(file)) {
    const double t = std::stod(row["time_s"]);
    sums[key.empty() ? "" : row[key]] += std::stod(row[column]) * std::min(interval, horizon - t);
  }
  return sums;
}

// A hand-worked mix on one GB200 pool (two racks) and one H100 pool: single-rack training jobs
// without gradient exchange (busy for all the time they hold GPUs), one service whose replicas
// hold their GPUs busy, and one lease (accepted by lease-idle above the inference peak).
json conservation_workload() {
  json training = json::array();
  for (int i = 0; i < 6; ++i)
    training.push_back(
        test::training_job("t" + std::to_string(i), 600.0 * i, 36 + 12 * (i % 3),
                           (36 + 12 * (i % 3)) * test::kGb200Flops * 0.4 * (1800 + 700 * i)));
  json lease = {{"id", "l0"},        {"gpus", 8},          {"model", "H100"},
                {"start_s", 3000.0}, {"duration_s", 5000}, {"price_per_gpu_hour", 2.0}};
  return test::workload(6 * 3600, training, json::array({test::h100_service({150, 350, 80, 250})}),
                        json::array({lease}));
}

class ConservationRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    const auto r = test::run_scenario(*dir_, {test::pool("GB200", 144), test::pool("H100", 64)},
                                      conservation_workload(),
                                      {"--interval", "1000s", "--policy", "lease-idle"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    summary_ = json::parse(read_file(dir_->path("out/summary.json")));
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string out(const std::string& f) { return dir_->path("out/" + f); }
  static double horizon() { return summary_["horizon_s"]; }

  static TempDir* dir_;
  static json summary_;
};
TempDir* ConservationRun::dir_ = nullptr;
json ConservationRun::summary_;

TEST_F(ConservationRun, GpuSecondsOfJobsEqualTheIntegralOfTheTimeSeries) {
  double by_jobs = 0;
  for (auto& row : read_csv(out("jobs.csv"))) by_jobs += std::stod(row["gpu_hours"]) * 3600;
  const double by_series =
      integral(out("timeseries.csv"), "allocated_gpus", "", 1000, horizon())[""];
  const double err = relative(by_series, by_jobs);
  report("gpu_seconds_rel_err", err);
  EXPECT_GT(by_jobs, 0);
  EXPECT_LT(std::abs(err), 1e-6);
}

// P(domain) = GPUs x idle_w + busy GPUs x (tdp_w - idle_w), from the catalog's figures (the
// ones the platform file carries): energy = idle power x horizon + (tdp - idle) x busy
// GPU-seconds, with every held GPU busy in this workload.
TEST_F(ConservationRun, EnergyEqualsTheIntegralOfPowerFromTheWattageFigures) {
  const auto held = integral(out("timeseries.csv"), "allocated_gpus", "pool", 1000, horizon());
  for (const auto& pool : summary_["pools"]) {
    const auto gpu = *find_gpu(pool["gpu_model"].get<std::string>());
    const double gpus = pool["gpus"];
    const double hand_j =
        gpus * gpu.idle_w * horizon() + (gpu.tdp_w - gpu.idle_w) * held.at(pool["name"]);
    const double err = relative(pool["energy_kwh"].get<double>() * 3.6e6, hand_j);
    report("energy_rel_err_" + pool["name"].get<std::string>(), err);
    EXPECT_LT(std::abs(err), 0.01);
  }
}

// Useful FLOPs in the time series = every training job's work (all complete) + served units x
// FLOPs per unit + leased GPU-seconds x peak x lease MFU.
TEST_F(ConservationRun, FlopsDeliveredEqualTheWorkOfTheJobs) {
  const auto flops =
      integral(out("timeseries.csv"), "effective_flops_per_s", "class", 1000, horizon());
  double training_work = 0;
  const json workload = conservation_workload();  // kept alive: the loop reads into it
  for (const auto& job : workload["training"]) training_work += job["work_flops"].get<double>();
  const auto& t = summary_["training"];
  ASSERT_EQ(t["jobs_completed"], t["jobs_submitted"]);
  const double served = summary_["inference"]["services"][0]["served_units"];
  double lease_gpu_s = 0;
  for (auto& row : read_csv(out("jobs.csv")))
    if (row["class"] == "lease") lease_gpu_s += std::stod(row["gpu_hours"]) * 3600;
  EXPECT_NEAR(lease_gpu_s, 8 * 5000.0, 1e-3);  // accepted, ran its whole term
  const std::map<std::string, double> expected = {
      {"training", training_work},
      {"inference", served * 1e12},
      {"lease", lease_gpu_s * 989e12 * summary_["assumptions"]["lease_mfu"].get<double>()}};
  for (const auto& [cls, want] : expected) {
    const double err = relative(flops.at(cls), want);
    report("flops_rel_err_" + cls, err);
    EXPECT_LT(std::abs(err), 1e-6) << cls;
  }
}

// Little's law on the seed scenario's training queue, in its finite-window form: the
// time-average queue length (queue_timeseries.csv) = arrival rate x mean time in queue, where
// a job still waiting at the horizon counts its time up to the horizon. static-partition
// neither preempts nor (in the seed scenario) has dependencies, so time in queue = start -
// submit.
TEST(SeedScenario, LittlesLawHoldsOnTheTrainingQueue) {
  TempDir dir;
  const auto r = test::run_cli({"run", "--scale", "0.5", "--out", dir.path("out"), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  const double horizon = s["horizon_s"], interval = s["interval_s"];
  double queue_s = 0;
  long arrivals = 0;
  for (auto& row : read_csv(dir.path("out/jobs.csv"))) {
    if (row["class"] != "training") continue;
    ++arrivals;
    const double end = row["start_s"].empty() ? horizon : std::stod(row["start_s"]);
    queue_s += end - std::stod(row["submit_s"]);
  }
  const double length = integral(dir.path("out/queue_timeseries.csv"), "waiting_training_jobs", "",
                                 interval, horizon)[""] /
                        horizon;
  const double lambda = arrivals / horizon, mean_time = queue_s / arrivals;
  const double err = relative(length, lambda * mean_time);
  report("seed_queue_length_mean", length);
  report("seed_littles_law_rel_err", err);
  EXPECT_GT(length, 0.1);
  EXPECT_LT(std::abs(err), 0.01);
  EXPECT_NEAR(s["training"]["queue_length_mean"].get<double>(), length, 1e-6 * length);
}

}  // namespace
}  // namespace gpufleet::validation
