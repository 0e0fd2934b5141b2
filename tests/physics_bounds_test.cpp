// Issue 30, part 5: physically impossible workload and run inputs are refused with the file, the
// field (or option) and the fix, exit 2; inputs at the edges of the bounds run to the end with
// every figure finite and every fraction within [0, 1]; failures cost time linear in the horizon.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "formats/workload_io.hpp"
#include "model/input_error.hpp"
#include "outputs/summary.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

// A job of one H100 server that computes for `hours` at MFU 0.4.
json h100_job(double hours) {
  json job = training_job("j", 0, 8, hours * 3600 * 8 * 989e12 * 0.4);
  job["generations"] = json::array({{{"model", "H100"}, {"mfu", 0.4}}});
  return job;
}

PoolSpec h100_pool(int gpus) {
  auto p = pool("H100", gpus);
  p.role = "training";
  return p;
}

// `run` on the workload: exit 2 and one line naming the workload file and each of `parts`.
void expect_refused(const json& doc, const std::vector<std::string>& parts,
                    std::vector<std::string> extra = {}, std::vector<PoolSpec> pools = {}) {
  TempDir dir;
  if (pools.empty()) pools = {h100_pool(16)};
  const auto r = run_scenario(dir, pools, doc, extra);
  ASSERT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_NE(r.err.find("workload.json"), std::string::npos) << r.err;
  for (const auto& part : parts)
    EXPECT_NE(r.err.find(part), std::string::npos) << "'" << part << "' not in: " << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

TEST(PhysicsBounds, ACheckpointIntervalBelowAMinuteIsRefused) {
  for (const double interval : {1e-300, 1.0, 59.9}) {
    json job = h100_job(1);
    job["checkpoint_interval_s"] = interval;
    expect_refused(workload(7200, {job}),
                   {"training[0].checkpoint_interval_s", "shorter than a minute", "at least 60"});
  }
}

TEST(PhysicsBounds, ACheckpointBeyondTenPetabytesIsRefused) {
  for (const double bytes : {1e308, 1.0001e16}) {
    json job = h100_job(1);
    job["checkpoint_bytes"] = bytes;
    expect_refused(workload(7200, {job}), {"training[0].checkpoint_bytes", "1e16 bytes"});
  }
}

// With --checkpoint workload, a write longer than the interval between checkpoints (here 500 s
// at 2 TB/s against 60 s) is refused; Young/Daly picks its own interval, so it runs.
TEST(PhysicsBounds, ACheckpointWriteLongerThanItsIntervalIsRefusedWithWorkloadCheckpoints) {
  json job = h100_job(1);
  job["checkpoint_interval_s"] = 60;
  job["checkpoint_bytes"] = 1e15;
  const std::vector<std::string> on = {"--failures", "on", "--checkpoint", "workload"};
  expect_refused(workload(7200, {job}),
                 {"training[0].checkpoint_interval_s", "500", "--checkpoint young-daly"}, on);
  TempDir dir;
  const auto r = run_scenario(dir, {h100_pool(16)}, workload(7200, {job}), {"--failures", "on"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(PhysicsBounds, UnitsPerRequestOutsideOneToTenBillionAreRefused) {
  for (const double units : {1e304, 1.1e10, 0.5}) {
    json service = h100_service({50, 50});
    service["units_per_request"] = units;
    expect_refused(workload(7200, json::array(), {service}),
                   {"inference[0].units_per_request", "outside 1 to 1e10"}, {}, {pool("H100", 16)});
  }
  for (const auto& [key, value] : std::vector<std::pair<std::string, double>>{
           {"output_tokens", 0.5}, {"output_tokens", 1e304}, {"input_tokens", 1e304}}) {
    json service = served_service({2000, 4000});
    service["serving"][key] = value;
    expect_refused(workload(7200, json::array(), {service}),
                   {"inference[0].serving." + key, "outside"}, {}, {pool("H100", 16)});
  }
}

// 1-s steps over 30 days were 2.6 million demand steps and 736 MB; over the bound (2,000,000
// steps, all services together) the run is refused naming the service's step and the shortest
// step that fits.
TEST(PhysicsBounds, DemandStepsBeyondTwoMillionOverTheHorizonAreRefused) {
  json service = h100_service({50});
  service["demand"] = {{"interval_s", 1}, {"repeat", true}, {"values", {50, 60, 70}}};
  expect_refused(workload(30 * 86400.0, json::array(), {service}),
                 {"inference[0].demand.interval_s", "2592000 demand steps", "at least 2 s"}, {},
                 {pool("H100", 16)});
  Workload w;
  InferenceService s;
  s.demand.interval_s = 1;
  s.demand.values = {1, 2, 3};
  w.inference = {s};
  EXPECT_NO_THROW(check_demand_steps(w, 2'000'000, "w.json"));
  EXPECT_THROW(check_demand_steps(w, 2'000'001, "w.json"), InputError);
  w.inference[0].demand.repeat = false;  // three steps, then none
  EXPECT_NO_THROW(check_demand_steps(w, 316'224'000, "w.json"));
}

// A scenario's services take their steps from its demand shape's windows (600 s for the seed):
// six services over ten years are 3.2 million steps, refused naming the scenario's services.
TEST(PhysicsBounds, AScenarioWhoseDemandStepsExceedTheBoundIsRefused) {
  TempDir dir;
  json seed = json::parse(read_file(GPUFLEET_SOURCE_DIR "/workloads/scenarios/seed.json"));
  seed["inference"]["shape"] = GPUFLEET_SOURCE_DIR "/workloads/shapes/servegen-m-small.json";
  auto& services = seed["inference"]["services"];
  const size_t n = services.size();
  for (size_t i = 0; i < n; ++i) {
    json copy = services[i];
    copy["id"] = copy["id"].get<std::string>() + "-b";
    services.push_back(copy);
  }
  for (auto& service : services)
    service["share_of_peak_gpus"] = service["share_of_peak_gpus"].get<double>() / 2;
  const auto r = run_cli({"run", "--scenario", dir.write("s.json", seed.dump()), "--scale", "0.01",
                          "--horizon", "3660d", "--out", dir.path("out"), "--quiet"});
  ASSERT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  for (const char* part : {"s.json: inference.services", "6 services in steps of 600 s",
                           "3162240 demand steps", "shorter --horizon"})
    EXPECT_NE(r.err.find(part), std::string::npos) << part << " not in " << r.err;
}

TEST(PhysicsBounds, FailureRateAndRestartDelayOutsideTheirBoundsAreRefused) {
  for (const std::vector<std::string>& options : {std::vector<std::string>{"--failure-rate", "101"},
                                                  {"--failure-rate", "-1"},
                                                  {"--failure-rate", "nan"},
                                                  {"--restart-delay", "25h"},
                                                  {"--restart-delay", "300"}}) {
    TempDir dir;
    std::vector<std::string> extra = {"--failures", "on"};
    extra.insert(extra.end(), options.begin(), options.end());
    const auto r = run_scenario(dir, {h100_pool(16)}, workload(7200, {h100_job(1)}), extra);
    EXPECT_EQ(r.exit_code, 2) << options[1] << ": " << r.err;
    EXPECT_NE(r.err.find(options[0]), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
}

TEST(PhysicsBounds, AnArrivalCvOutsideZeroToAHundredIsRefused) {
  json service = h100_service({50, 50});
  service["demand"]["arrival_cv"] = {1, 101};
  expect_refused(workload(7200, json::array(), {service}),
                 {"inference[0].demand.arrival_cv[1]", "between 0 and 100"}, {},
                 {pool("H100", 16)});
}

// Every number of a summary, walked: finite (a NaN or an infinity would have been written as
// null), and the fractions within [0, 1].
void expect_finite_and_fractions_in_range(const json& value, const std::string& path) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) expect_finite_and_fractions_in_range(item, key);
    return;
  }
  if (value.is_array()) {
    for (const auto& item : value) expect_finite_and_fractions_in_range(item, path);
    return;
  }
  if (!value.is_number()) return;
  const double x = value.get<double>();
  EXPECT_TRUE(std::isfinite(x)) << path;
  const auto ends_with = [&](const std::string& tail) {
    return path.size() >= tail.size() &&
           path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (ends_with("goodput") || ends_with("slo_attainment") || ends_with("utilization") ||
      ends_with("_fraction")) {
    EXPECT_GE(x, 0) << path;
    EXPECT_LE(x, 1 + 1e-12) << path;
  }
}

// The edges of every bound above, accepted: the run ends with exit 0, and summary.json's
// figures are finite and its fractions within [0, 1].
TEST(PhysicsBounds, InputsAtTheEdgesOfTheBoundsWriteFiniteFiguresAndFractionsWithinOne) {
  json small = h100_job(0.5);
  small["checkpoint_interval_s"] = 60;  // the shortest, with the shortest write (10 s)
  json big = h100_job(2);
  big["id"] = "big";
  big["checkpoint_bytes"] = 1e16;  // the largest: 5000 s a write at 2 TB/s
  json many = h100_service({50, 150});
  many["units_per_request"] = 1e10;
  many["demand"]["arrival_cv"] = {100, 0};
  json one = h100_service({150, 50});
  one["id"] = "one";
  one["units_per_request"] = 1;
  one["request_cv"] = 0;
  const json doc = workload(4 * 3600, {small, big}, {many, one});
  const std::vector<std::vector<std::string>> variants = {
      {},
      {"--failures", "on", "--failure-rate", "100", "--restart-delay", "24h"},
      {"--failures", "on", "--failure-rate", "100", "--restart-delay", "0s", "--repair-scale",
       "1000"},
      {"--failures", "on", "--failure-rate", "0"},
      {"--failures", "on", "--failure-rate", "1", "--checkpoint", "workload"},
  };
  for (const auto& extra : variants) {
    TempDir dir;
    json edited = doc;
    // With the workload's intervals, the 5000-s write would not fit big's hour (refused above).
    if (extra.size() > 4 && extra[4] == "--checkpoint")
      edited["training"][1].erase("checkpoint_bytes");
    const auto r = run_scenario(dir, {h100_pool(16), pool("H100", 16)}, edited, extra);
    ASSERT_EQ(r.exit_code, 0) << (extra.empty() ? "" : extra.back()) << ": " << r.err;
    const std::string text = read_file(dir.path("out/summary.json"));
    expect_finite_and_fractions_in_range(json::parse(text), "");
    for (const char* csv : {"jobs.csv", "replicas.csv", "timeseries.csv", "queue_timeseries.csv",
                            "pools_timeseries.csv", "services_timeseries.csv"})
      EXPECT_FALSE(holds_nan_or_inf(read_file(dir.path(std::string("out/") + csv)))) << csv;
  }
}

TEST(PhysicsBounds, ANonFiniteFigureIsAnErrorNamingItNotANull) {
  json summary = {{"training", {{"goodput", 0.5}, {"gpu_hours", {{"useful", NAN}}}}}};
  try {
    check_finite_figures(summary, "summary.json");
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("summary.json: training.gpu_hours.useful"), std::string::npos)
        << message;
    EXPECT_NE(message.find("not a finite figure"), std::string::npos) << message;
  }
  summary["training"]["gpu_hours"]["useful"] = nullptr;  // absent on purpose: fine
  summary["pools"] = json::array({{{"x", INFINITY}}});
  EXPECT_THROW(check_finite_figures(summary, "summary.json"), InputError);
  summary["pools"][0]["x"] = 1.0;
  EXPECT_NO_THROW(check_finite_figures(summary, "summary.json"));
}

}  // namespace
}  // namespace gpufleet::test
