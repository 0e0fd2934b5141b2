// Failures, checkpoints and restarts (docs/failures.md) against known results: Young/Daly's
// waste, the Llama 3 405B run's interruptions and goodput, and conservation of GPU-hours.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "formats/workload_io.hpp"
#include "policies/policies.hpp"
#include "sim/simulation.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

json summary_in(const TempDir& dir, const std::string& out = "out") {
  return json::parse(read_file(dir.path(out + "/summary.json")));
}

TEST(Failures, OffChangesNothingAndCountsNothing) {
  TempDir dir;
  const std::vector<std::string> base = {"run", "--scale", "0.2", "--horizon", "3d", "-q"};
  auto with = [&](std::vector<std::string> extra, const std::string& out) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"--out", dir.path(out)});
    return run_cli(args);
  };
  ASSERT_EQ(with({}, "default").exit_code, 0);
  ASSERT_EQ(with({"--failures", "off"}, "off").exit_code, 0);
  for (const char* file : {"summary.json", "jobs.csv", "timeseries.csv", "pools_timeseries.csv"})
    EXPECT_EQ(output_text(dir.path(std::string("default/") + file)),
              output_text(dir.path(std::string("off/") + file)))
        << file;
  const auto s = summary_in(dir, "off");
  EXPECT_EQ(s.at("failures").at("enabled"), false);
  EXPECT_EQ(s.at("failures").at("events"), 0);
  EXPECT_EQ(s.at("training").at("goodput"), 1.0);
}

// One 8-GPU job alone on its 8 GPUs, failures every 2 h on average, failed GPUs swapped at
// once, a 60 s checkpoint and the default 300 s restart. Young/Daly's interval is
// T = sqrt(2 C M) = 929.5 s. For exponential failures the expected time to get through one
// segment of T + C (failures may strike during the restart too) is e^(R/M) M (e^((T+C)/M) - 1)
// (Daly 2006), so the wall time is W / T of those; to first order the waste is
// C/T + T/(2M) + R/M of the wall time.
// The job holds its GPUs all along, so its goodput is W / wall, and the waste splits, per
// segment of that expectation, into (with S = T + C, F = M (e^(S/M) - 1) - S the expected time
// in segments cut by a failure): checkpoint writes C + F C/S, work redone F T/S, and restarts
// as spent M (e^(S/M) - 1)(e^(R/M) - 1) (a restart cut short by the next failure counts the
// part it ran; booking R per interruption would count e^(R/M) R / (M (e^(R/M) - 1)) = 2% more).
TEST(Failures, WasteOfOneJobMatchesYoungDalyAndTheExactExponentialExpectation) {
  const double M = 7200, C = 60, R = 300, W = 1000 * 3600.0;
  const double T = std::sqrt(2 * C * M), S = T + C;
  const double per_segment = std::exp(R / M) * M * std::expm1(S / M);
  const double expected_wall = W / T * per_segment;
  const double first_order_waste = C / T + T / (2 * M) + R / M;
  const double cut = M * std::expm1(S / M) - S;
  const std::map<std::string, double> expected_share = {
      {"checkpoint", (C + cut * C / S) / per_segment},
      {"redone_after_failure", cut * T / S / per_segment},
      {"restart", M * std::expm1(S / M) * std::expm1(R / M) / per_segment}};
  auto job = training_job("j", 0, 8, W * 8 * 989e12 * 0.4);
  job["generations"] = json::array({{{"model", "H100"}, {"mfu", 0.4}}});
  job["checkpoint_bytes"] = C * 2e12;  // at the default 2 TB/s
  auto h100 = pool("H100", 8);
  h100.role = "training";
  double wall_sum = 0, interruptions = 0;
  std::map<std::string, double> gpu_hours;
  const int seeds = 4;
  for (int seed = 1; seed <= seeds; ++seed) {
    TempDir dir;
    const auto r = run_scenario(
        dir, {h100}, workload(2 * expected_wall, {job}),
        {"--failures", "on", "--failure-rate", std::to_string(86400 / M / 8), "--repair-scale", "0",
         "--restart-delay", "300s", "--seed", std::to_string(seed)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto row = read_csv(dir.path("out/jobs.csv")).at(0);
    ASSERT_EQ(row.at("state"), "completed");
    const double job_wall = std::stod(row.at("end_s")) - std::stod(row.at("start_s"));
    wall_sum += job_wall;
    const auto s = summary_in(dir);
    interruptions += s.at("failures").at("interruptions").get<double>();
    // Booked once: useful / allocated is W / wall, the parts add up to allocated.
    EXPECT_NEAR(s.at("training").at("goodput").get<double>(), W / job_wall, 1e-9);
    double parts = 0;
    for (const auto& [key, hours] : s.at("training").at("gpu_hours").items()) {
      gpu_hours[key] += hours.get<double>();
      if (key != "allocated") parts += hours.get<double>();
    }
    EXPECT_NEAR(parts, 8 * job_wall / 3600, 1e-9 * 8 * job_wall / 3600);
  }
  const double wall = wall_sum / seeds, waste = 1 - W / wall;
  EXPECT_NEAR(wall, expected_wall, 0.01 * expected_wall) << "interruptions " << interruptions;
  EXPECT_NEAR(waste, first_order_waste, 0.02) << "exact " << 1 - W / expected_wall;
  // Each part of the waste within half a point of its share of the exact expectation (the noise
  // of some 2,400 failures is below 0.2 points).
  for (const auto& [key, share] : expected_share)
    EXPECT_NEAR(gpu_hours.at(key) / gpu_hours.at("allocated"), share, 0.005) << key;
  // About one failure per M of wall time.
  EXPECT_NEAR(interruptions / seeds, wall / M, 4 * std::sqrt(wall / M));
}

// Llama 3 405B: 419 unexpected interruptions in 54 days on 16,384 H100 GPUs, effective
// training time above 90% ("The Llama 3 Herd of Models", 2024).
TEST(Failures, TheLlama3CaseGivesItsInterruptionsAndAGoodputAbove90Percent) {
  TempDir dir;
  const auto r =
      run_cli({"run", "--workload", "workloads/cases/llama3-405b.json", "--platform",
               "platforms/llama3-405b.xml", "--failures", "on", "-q", "--out", dir.path("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary_in(dir);
  const double interruptions = s.at("failures").at("interruptions").get<double>();
  // The 95% Poisson interval around 419.
  EXPECT_GE(interruptions, 419 - 1.96 * std::sqrt(419.0));
  EXPECT_LE(interruptions, 419 + 1.96 * std::sqrt(419.0));
  EXPECT_GT(s.at("training").at("goodput").get<double>(), 0.9);
  EXPECT_LT(s.at("training").at("goodput").get<double>(), 1.0);
  const auto& lost = s.at("failures").at("gpu_hours_lost");
  for (const char* part : {"lost_work", "restart", "checkpoint", "repair_downtime"})
    EXPECT_GT(lost.at(part).get<double>(), 0) << part;
  // 438 interruptions at 16,384 GPUs every 3 h on average: some restarts are cut short, and
  // the restart booked is less than 300 s per interruption.
  EXPECT_LT(lost.at("restart").get<double>(), interruptions * 300 * 16384 / 3600.0);
  const auto& h = s.at("training").at("gpu_hours");
  EXPECT_NEAR(s.at("training").at("goodput").get<double>(),
              h.at("useful").get<double>() / h.at("allocated").get<double>(), 1e-9);
  TempDir off;
  ASSERT_EQ(run_cli({"run", "--workload", "workloads/cases/llama3-405b.json", "--platform",
                     "platforms/llama3-405b.xml", "-q", "--out", off.path("out")})
                .exit_code,
            0);
  EXPECT_EQ(summary_in(off).at("failures").at("interruptions"), 0);
}

// Allocated + idle + down GPUs = the pool's GPUs, in every bin, with failures frequent enough
// to keep GPUs down most of the time.
TEST(Failures, AllocatedIdleAndDownGpusAddUpToThePoolInEveryBin) {
  TempDir dir;
  ASSERT_EQ(run_cli({"run", "--scale", "0.2", "--horizon", "5d", "--failures", "on",
                     "--failure-rate", "0.05", "--policy", "easy-backfill+spillover+lease-idle",
                     "-q", "--out", dir.path("out")})
                .exit_code,
            0);
  const auto s = summary_in(dir);
  std::map<std::string, double> pool_gpus;
  for (const auto& p : s.at("pools")) pool_gpus[p.at("name")] = p.at("gpus").get<double>();
  std::map<std::pair<std::string, std::string>, double> used;
  for (auto& row : read_csv(dir.path("out/timeseries.csv")))
    used[{row["time_s"], row["pool"]}] += std::stod(row["allocated_gpus"]);
  double down_total = 0;
  for (auto& row : read_csv(dir.path("out/pools_timeseries.csv"))) {
    const double idle = std::stod(row["idle_gpus"]), down = std::stod(row["down_gpus"]);
    down_total += down;
    const double allocated = used[{row["time_s"], row["pool"]}];
    EXPECT_NEAR(allocated + idle + down, pool_gpus[row["pool"]], 1e-3)
        << row["time_s"] << " " << row["pool"];
  }
  EXPECT_GT(down_total, 0);
  EXPECT_GT(s.at("failures").at("replicas_lost").get<double>(), 0);
}

// The failures of `pool_name` in 10 days of an empty workload on these pools (seed 7, 0.05
// failures per GPU-day), one line per failure: time, cause, domain within the pool, GPU. The
// run is in a child process: SimGrid allows one engine per process.
std::vector<std::string> failures_of_pool(const std::vector<PoolSpec>& pools,
                                          const std::string& pool_name) {
  TempDir dir;
  const auto platform = dir.write("p.xml", platform_xml(pools));
  const std::string out = dir.path("failures.txt");
  const pid_t child = fork();
  if (child == 0) {
    try {
      Simulation sim(platform);
      Workload w;
      w.horizon_s = 10 * 86400.0;
      bind_workload(w, sim.fleet(), "w.json");
      auto policy = make_policy("static-partition", {}, ForecastSpec{});
      SimulationOptions options;
      options.horizon_s = w.horizon_s;
      options.seed = 7;
      options.failures = default_failure_model();
      options.failures.enabled = true;
      options.failures.failures_per_gpu_day = 0.05;
      const RunResult r = sim.run(w, *policy, options);
      std::ofstream file(out);
      for (const auto& e : r.failures) {
        const Pool& pool = sim.fleet().pools[e.pool];
        if (pool.name != pool_name) continue;
        char line[128];
        std::snprintf(line, sizeof line, "%.17g %s domain %d gpu %d", e.time_s,
                      r.failure_causes[e.cause].c_str(), e.domain - pool.first_domain, e.gpu);
        file << line << "\n";
      }
      file.close();
      _exit(file ? 0 : 1);
    } catch (...) {
      _exit(1);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child run failed";
  std::vector<std::string> lines;
  std::ifstream file(out);
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

// Common random numbers: a pool two fleets share fails at the same times, on the same GPUs, for
// the same causes, when another pool is resized (which moves its domains' indices) or a pool is
// added before it (which moves its index in the fleet).
TEST(Failures, APoolFailsAlikeWhateverTheOtherPoolsAre) {
  const auto base = failures_of_pool({pool("GB200", 144), pool("H100", 64)}, "h100");
  ASSERT_GE(base.size(), 15u);  // 0.05 x 64 GPUs x 10 days = 32 expected
  EXPECT_EQ(failures_of_pool({pool("GB200", 288), pool("H100", 64)}, "h100"), base);
  EXPECT_EQ(failures_of_pool({pool("GB200", 144), pool("GB300", 72), pool("H100", 64)}, "h100"),
            base);
  // The resized pool's own failures do change.
  EXPECT_NE(failures_of_pool({pool("GB200", 288), pool("H100", 64)}, "gb200"),
            failures_of_pool({pool("GB200", 144), pool("H100", 64)}, "gb200"));
}

TEST(Failures, SameSeedSameOutputsWhateverTheThreadCount) {
  TempDir a, b;
  for (const auto& [dir, threads] : {std::pair{&a, "1"}, {&b, "2"}})
    ASSERT_EQ(
        run_cli({"run", "--scale", "0.2", "--horizon", "5d", "--failures", "on", "--failure-rate",
                 "0.02", "--policy", "easy-backfill+spillover+lease-idle+preempt-priority",
                 "--threads", threads, "-q", "--out", dir->path("out")})
            .exit_code,
        0);
  for (const char* file : {"summary.json", "jobs.csv", "timeseries.csv", "pools_timeseries.csv"})
    EXPECT_EQ(output_text(a.path(std::string("out/") + file)),
              output_text(b.path(std::string("out/") + file)))
        << file;
}

}  // namespace
}  // namespace gpufleet::test
