// The scheduling papers' metrics on hand-worked cases: bounded slowdown, makespan,
// finish-time fairness, queue length, fragmentation and per-interval inference attainment.
#include <gtest/gtest.h>

#include "serving/queue_model.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

// Work for `gpus` GB200 GPUs at MFU 0.4 to run `seconds`.
double work(int gpus, double seconds) {
  return gpus * kGb200Flops * 0.4 * seconds;
}

std::map<std::string, std::map<std::string, std::string>> jobs_by_id(const TempDir& dir) {
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : read_csv(dir.path("out/jobs.csv"))) by_id[row["id"]] = row;
  return by_id;
}

// One rack. a (72 GPUs, 1,000 s) from 0; b (36 GPUs, 2,000 s) at 100 and c (36 GPUs, 5 s) at
// 200 wait for a and both start at 1,000. Two H100 replicas (200 units/s) serve the chat.
class HandWorked : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    const json w = workload(
        4 * 3600,
        {training_job("a", 0, 72, work(72, 1000)), training_job("b", 100, 36, work(36, 2000)),
         training_job("c", 200, 36, work(36, 5))},
        json::array({h100_service({150, 350, 80, 250})}));
    const auto r = run_scenario(*dir_, {pool("GB200", 72), pool("H100", 16)}, w);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    summary_ = json::parse(read_file(dir_->path("out/summary.json")));
  }
  static void TearDownTestSuite() { delete dir_; }

  static TempDir* dir_;
  static json summary_;
};
TempDir* HandWorked::dir_ = nullptr;
json HandWorked::summary_;

TEST_F(HandWorked, BoundedSlowdownUsesTauForShortJobs) {
  // a: 1000/1000 = 1; b: 2900/2000 = 1.45; c: 805 / max(5, 10) = 80.5.
  const auto jobs = jobs_by_id(*dir_);
  EXPECT_NEAR(std::stod(jobs.at("a").at("bounded_slowdown")), 1.0, 1e-6);
  EXPECT_NEAR(std::stod(jobs.at("b").at("bounded_slowdown")), 1.45, 1e-6);
  EXPECT_NEAR(std::stod(jobs.at("c").at("bounded_slowdown")), 80.5, 1e-4);
  const auto& s = summary_["training"]["bounded_slowdown"];
  EXPECT_NEAR(s["mean"].get<double>(), (1 + 1.45 + 80.5) / 3, 1e-4);
  EXPECT_NEAR(s["p95"].get<double>(), 80.5, 1e-4);
  EXPECT_NEAR(summary_["training"]["makespan_s"].get<double>(), 3000.0, 1e-6);
  EXPECT_TRUE(summary_["training"]["makespan_complete"].get<bool>());
}

TEST_F(HandWorked, FairnessComparesWithOneNthOfThePoolOverTheJobsLife) {
  // Jobs on the pool: 1 on [0,100), 2 on [100,200), 3 on [200,1000), 2 on [1000,1005), 1 after.
  // a: N = 2700/1000 = 2.7, 72/2.7 GPUs -> T_iso = 2700 s, rho = 1000/2700.
  // b: N = 4605/2900 < 2, 72/N > 36 -> its own 36 GPUs, T_iso = 2000 s, rho = 2900/2000.
  // c: N = 2410/805, T_iso = 5 x 36 / (72/N) s, rho = 805 / T_iso.
  const auto jobs = jobs_by_id(*dir_);
  const double n_c = 2410.0 / 805;
  EXPECT_NEAR(std::stod(jobs.at("a").at("fairness_rho")), 1000.0 / 2700, 1e-5);
  EXPECT_NEAR(std::stod(jobs.at("b").at("fairness_rho")), 1.45, 1e-5);
  EXPECT_NEAR(std::stod(jobs.at("c").at("fairness_rho")), 805 / (5 * 36 / (72 / n_c)), 1e-3);
  EXPECT_NEAR(summary_["training"]["fairness_rho"]["max"].get<double>(),
              805 / (5 * 36 / (72 / n_c)), 1e-3);
}

TEST_F(HandWorked, QueueLengthIsTheTimeAverageOfWaitingJobs) {
  // b waits 900 s and c 800 s, all inside the first hour.
  const auto rows = read_csv(dir_->path("out/queue_timeseries.csv"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_NEAR(std::stod(rows[0].at("waiting_training_jobs")), 1700.0 / 3600, 1e-6);
  EXPECT_NEAR(std::stod(rows[1].at("waiting_training_jobs")), 0.0, 1e-9);
  EXPECT_NEAR(summary_["training"]["queue_length_mean"].get<double>(), 1700.0 / (4 * 3600), 1e-9);
}

TEST_F(HandWorked, InferenceAttainmentPerInterval) {
  // 200 units/s of capacity (2 replicas) against 150, 350, 80, 250: served 150, 200, 80, 200.
  // On time: each replica is a queue of 100 x 0.5 = 50 slots, a request (1 unit) holds one for
  // 0.5 s and may wait 1.0 - 0.5 s. Overloaded, a replica admits 98% of its 100 units/s.
  const auto on_time = [](double per_replica) {
    const QueueLoad load{per_replica, 50, 0.5, 1, 1};
    return per_replica * wait_time(load).cdf(0.5);
  };
  const std::vector<double> demand = {150, 350, 80, 250};
  const std::vector<double> served = {150, 200, 80, 200};
  const std::vector<double> timely = {2 * on_time(75), 2 * on_time(98), 2 * on_time(40),
                                      2 * on_time(98)};
  const auto rows = read_csv(dir_->path("out/services_timeseries.csv"));
  ASSERT_EQ(rows.size(), 4u);
  double on_time_total = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_NEAR(std::stod(rows[i].at("served_per_s")), served[i], 1e-6) << i;
    EXPECT_NEAR(std::stod(rows[i].at("slo_attainment")), timely[i] / demand[i], 1e-6) << i;
    on_time_total += timely[i];
  }
  EXPECT_LT(timely[1], 0.9 * served[1]);  // near its capacity, a service is late before short
  EXPECT_GT(timely[0], 0.9999 * served[0]);
  const auto& service = summary_["inference"]["services"][0];
  EXPECT_NEAR(service["served_fraction"].get<double>(), 630.0 / 830, 1e-6);
  EXPECT_NEAR(service["slo_attainment"].get<double>(), on_time_total / 830, 1e-6);
  EXPECT_NEAR(service["worst_hour_slo_attainment"].get<double>(), timely[1] / 350, 1e-6);
}

TEST(Fragmentation, IdleGpusNoWaitingJobFitsAreFragmented) {
  // a holds 48 of 72 GPUs on [0,1000); b (36 GPUs) waits from 100 to 1000: its 24 idle GPUs
  // are fragmented for 900 s. Idle GPU-seconds: 24 x 1000 + 36 x 2000 + 72 x 1000.
  TempDir dir;
  const json w = workload(
      4000, {training_job("a", 0, 48, work(48, 1000)), training_job("b", 100, 36, work(36, 2000))});
  ASSERT_EQ(run_scenario(dir, {pool("GB200", 72)}, w, {"--interval", "1000s"}).exit_code, 0);
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  EXPECT_NEAR(s["pools"][0]["fragmentation_rate"].get<double>(), 24.0 * 900 / 168000, 1e-9);
  const auto rows = read_csv(dir.path("out/pools_timeseries.csv"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_NEAR(std::stod(rows[0].at("idle_gpus")), 24.0, 1e-6);
  EXPECT_NEAR(std::stod(rows[0].at("fragmented_gpus")), 21.6, 1e-6);
  EXPECT_NEAR(std::stod(rows[0].at("fragmentation_rate")), 0.9, 1e-6);
  EXPECT_NEAR(std::stod(rows[1].at("fragmentation_rate")), 0.0, 1e-9);  // nothing waits
}

}  // namespace
}  // namespace gpufleet::test
