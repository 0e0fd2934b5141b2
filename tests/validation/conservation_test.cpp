// Conservation laws and Little's law on end-to-end `gpufleet run` outputs: GPU-seconds, energy
// from the platform's wattage figures, FLOPs delivered, the GPU-hours training jobs hold booked
// once, and the seed scenario's training queue. Each check prints its measured error
// ([validation] lines).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <memory>

#include "../test_support.hpp"
#include "formats/workload_io.hpp"
#include "model/gpu_catalog.hpp"
#include "outputs/summary.hpp"
#include "policies/demand_forecast.hpp"
#include "policies/policies.hpp"
#include "queueing.hpp"
#include "scenario/scenario.hpp"
#include "scenario/scenario_generator.hpp"
#include "sim/simulation.hpp"

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
// are busy for the share of their capacity demand uses, and one lease (accepted by lease-idle
// above the inference peak; leased GPUs are busy whenever held).
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
  for (auto& row : read_csv(out("replicas.csv"))) by_jobs += std::stod(row["gpu_hours"]) * 3600;
  const double by_series =
      integral(out("timeseries.csv"), "allocated_gpus", "", 1000, horizon())[""];
  const double err = relative(by_series, by_jobs);
  report("gpu_seconds_rel_err", err);
  EXPECT_GT(by_jobs, 0);
  EXPECT_LT(std::abs(err), 1e-6);
}

// P(domain) = GPUs x idle_w + busy GPUs x (tdp_w - idle_w), from the catalog's figures (the
// ones the platform file carries): energy = idle power x horizon + (tdp - idle) x busy
// GPU-seconds. GB200 holds training only, busy whenever held. H100 holds the lease (8 GPUs for
// its whole 5,000 s term, checked below) and replicas, whose busy GPU-seconds are their load
// (served / capacity) x their GPUs, integrated: served units x GPUs per replica / throughput
// (8 GPUs per 100 units/s), whatever the number of replicas.
TEST_F(ConservationRun, EnergyEqualsTheIntegralOfPowerFromTheWattageFigures) {
  const auto held = integral(out("timeseries.csv"), "allocated_gpus", "pool", 1000, horizon());
  const double served = summary_["inference"]["services"][0]["served_units"];
  const std::map<std::string, double> busy = {{"gb200", held.at("gb200")},
                                              {"h100", 8 * 5000.0 + served * 8 / 100}};
  EXPECT_LT(busy.at("h100"), held.at("h100"));  // replicas are not all full all along
  for (const auto& pool : summary_["pools"]) {
    const auto gpu = *find_gpu(pool["gpu_model"].get<std::string>());
    const double gpus = pool["gpus"];
    const double hand_j =
        gpus * gpu.idle_w * horizon() + (gpu.tdp_w - gpu.idle_w) * busy.at(pool["name"]);
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

// Runs `body` in a child process and returns the JSON it returns: SimGrid allows one engine
// per process, and a test binary may run several tests in one.
json in_child(const std::function<json()>& body) {
  TempDir dir;
  const std::string out = dir.path("child.json");
  const pid_t child = fork();
  if (child == 0) {
    try {
      std::ofstream(out) << body().dump();
      _exit(0);
    } catch (const std::exception& e) {
      std::ofstream(out) << json({{"error", e.what()}}).dump();
      _exit(1);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  const json result = json::parse(read_file(out), nullptr, false);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << result.dump();
  return result;
}

// Where the GPU-time of each training job went, and the summary, for the seed scenario at a
// fifth of its size over 10 days under easy-backfill+spillover+preempt-priority, with failures
// at 40 times Llama 3's rate (0.02 per GPU-day, so that many jobs are interrupted), a 30 min
// restart (so that the next failure or a preemption cuts some restarts short) and walltimes
// killed at (--walltime kill, the default: jobs spilled to Hopper run past the limit their users
// set for Blackwell). walltime_scale multiplies every job's walltime_s (1: the generator's).
json seed_run_with_failures_and_preemption(double walltime_scale) {
  GenerateOptions generate;
  generate.scale = 0.2;
  generate.days = 10;
  auto generated = generate_scenario(load_scenario("workloads/scenarios/seed.json"), generate);
  std::unique_ptr<Simulation> sim;
  {
    // Loaded at construction; removed here, since the child ends without destructors.
    TempDir dir;
    sim = std::make_unique<Simulation>(dir.write("platform.xml", platform_xml(generated.pools)));
  }
  Workload& w = generated.workload;
  bind_workload(w, sim->fleet(), "seed");
  for (auto& job : w.training) job.walltime_s *= walltime_scale;
  auto policy =
      make_policy("easy-backfill+spillover+preempt-priority", {}, parse_forecast("weekly"));
  SimulationOptions options;
  options.horizon_s = 10 * 86400.0;
  options.seed = generated.seed;
  options.failures = default_failure_model();
  options.failures.enabled = true;
  options.failures.failures_per_gpu_day = 0.02;
  options.failures.restart_s = 1800;
  const RunResult r = sim->run(w, *policy, options);
  json jobs = json::array();
  for (size_t j = 0; j < w.training.size(); ++j) {
    const auto& run = r.training[j];
    jobs.push_back({{"allocated_gpu_s", run.held_s * w.training[j].allocated_gpus()},
                    {"useful", run.useful_gpu_s},
                    {"redone_after_failure", run.redone_after_failure_gpu_s},
                    {"redone_after_preemption", run.redone_after_preemption_gpu_s},
                    {"restart", run.restart_gpu_s},
                    {"checkpoint", run.checkpoint_gpu_s},
                    {"killed_at_walltime", run.killed_at_walltime_gpu_s},
                    {"restart_after_failure", run.restart_after_failure_gpu_s},
                    {"interruptions", run.interruptions},
                    {"killed", run.killed_s >= 0},
                    {"stopped_before", run.interruptions + run.preemptions > 0},
                    {"gpus", w.training[j].allocated_gpus()}});
  }
  return {{"jobs", jobs}, {"summary", summarize(sim->fleet(), w, r)}};
}

// What a ConservationSeed case exercised, beyond the balance it checks.
struct Exercised {
  std::map<std::string, double> total_gpu_s;  // by part
  long cut_short = 0;                         // restarts cut short
  long killed = 0, killed_after_a_stop = 0;   // kills; of them, after a failure or preemption
};

// Checks that each job's parts add up to what it held, and the summary's to the fleet's, to
// 1e-9 (reported under `tag`).
Exercised expect_booked_once(const json& result, const std::string& tag) {
  const char* parts[] = {"useful",  "redone_after_failure", "redone_after_preemption",
                         "restart", "checkpoint",           "killed_at_walltime"};
  double worst = 0, allocated = 0;
  Exercised ex;
  auto& total = ex.total_gpu_s;
  for (const auto& job : result["jobs"]) {
    const double held = job["allocated_gpu_s"];
    double sum = 0;
    for (const char* part : parts) {
      sum += job[part].get<double>();
      total[part] += job[part].get<double>();
    }
    allocated += held;
    if (held > 0) worst = std::max(worst, std::abs(relative(sum, held)));
    EXPECT_NEAR(sum, held, 1e-9 * held);
    // A killed run's progress since its last checkpoint is booked to it, and only to it.
    if (job["killed"].get<bool>()) {
      ++ex.killed;
      ex.killed_after_a_stop += job["stopped_before"].get<bool>();
    } else {
      EXPECT_EQ(job["killed_at_walltime"].get<double>(), 0);
    }
    // A restart the next failure or a preemption cut short books less than its 1,800 s.
    ex.cut_short += job["restart_after_failure"].get<double>() <
                    job["interruptions"].get<double>() * 1800 * job["gpus"].get<double>() - 1e-6;
  }
  report(tag + "job_gpu_hours_worst_rel_err", worst);
  const json& s = result["summary"];
  const json& h = s["training"]["gpu_hours"];
  // Fleet-wide: the summary's split, and what the jobs held against the time series' training
  // GPU-hours, counted apart from the jobs' books.
  double by_pools = 0;
  for (const auto& pool : s["pools"])
    by_pools += pool["by_class"]["training"]["gpu_hours"].get<double>();
  double sum = 0;
  for (const char* part : parts) {
    EXPECT_NEAR(h[part].get<double>(), total[part] / 3600, 1e-9 * allocated / 3600) << part;
    sum += h[part].get<double>();
  }
  const double fleet_err = relative(sum, h["allocated"].get<double>());
  report(tag + "fleet_gpu_hours_rel_err", fleet_err);
  EXPECT_LT(std::abs(fleet_err), 1e-9);
  EXPECT_NEAR(h["allocated"].get<double>(), allocated / 3600, 1e-9 * allocated / 3600);
  EXPECT_NEAR(by_pools, allocated / 3600, 1e-9 * allocated / 3600);
  EXPECT_NEAR(s["training"]["goodput"].get<double>(),
              h["useful"].get<double>() / h["allocated"].get<double>(), 1e-9);
  EXPECT_EQ(s["training"]["jobs_killed_at_walltime"].get<long>(), ex.killed);
  EXPECT_GT(s["training"]["preemptions"].get<double>(), 0);
  report(tag + "jobs_killed_at_walltime", static_cast<double>(ex.killed));
  report(tag + "jobs_killed_after_a_failure_or_preemption",
         static_cast<double>(ex.killed_after_a_stop));
  report(tag + "killed_at_walltime_gpu_hours", total["killed_at_walltime"] / 3600);
  return ex;
}

TEST(ConservationSeed, EveryGpuHourATrainingJobHoldsIsBookedOnce) {
  const json result = in_child([] { return seed_run_with_failures_and_preemption(1); });
  ASSERT_TRUE(result.contains("jobs")) << result.dump();
  const Exercised ex = expect_booked_once(result, "");
  // The case exercises every part but kills (a handful a month at most on the seed, none for
  // some draws: the next test makes them many), and cut-short restarts.
  for (const auto& [part, gpu_s] : ex.total_gpu_s) {
    if (part != "killed_at_walltime") {
      EXPECT_GT(gpu_s, 0) << part;
    }
  }
  EXPECT_GT(ex.cut_short, 0);
}

// The same with every walltime halved, so that many runs reach theirs, some after a failure or a
// preemption (their second run is killed, its restart as spent booked to restart).
TEST(ConservationSeed, RunsKilledAtTheirWalltimeAreBookedOnceToo) {
  const json result = in_child([] { return seed_run_with_failures_and_preemption(0.5); });
  ASSERT_TRUE(result.contains("jobs")) << result.dump();
  const Exercised ex = expect_booked_once(result, "half_walltime_");
  EXPECT_GT(ex.killed, 20);
  EXPECT_GT(ex.killed_after_a_stop, 0);
  EXPECT_GT(ex.total_gpu_s.at("killed_at_walltime"), 0);
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
