// The risk to inference that lending its GPUs carries (docs/inference-latency.md): replicas
// that load before they serve, forecasts that only see the past, and leases whose GPUs come
// back after a notice. Each hand case loses an amount of demand worked out in its comment.
#include <gtest/gtest.h>

#include "policies/demand_forecast.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

json summary_of(const TempDir& dir, const std::string& out = "out") {
  return json::parse(read_file(dir.path(out + "/summary.json")));
}

json with_cold_start(json service, double startup_s) {
  service["cold_start"] = {{"startup_s", startup_s}, {"weights_bytes", 0}};
  return service;
}

// Demand units not served (demand - served) and the summary.
std::pair<double, json> unserved(const TempDir& dir) {
  const auto s = summary_of(dir);
  const auto& service = s["inference"]["services"][0];
  return {service["demand_units"].get<double>() - service["served_units"].get<double>(), s};
}

TEST(ColdStart, AStepInDemandLosesLoadTimeTimesTheShortfall) {
  // 50 then 150 units/s; 100 per replica; replicas load for 600 s. Seen at 1 h, the step asks
  // for a second replica, which serves from 1 h + 600 s: 50 units/s short for 600 s.
  const json w = workload(2 * 3600, json::array(), {with_cold_start(h100_service({50, 150}), 600)});
  TempDir last;
  ASSERT_EQ(run_scenario(last, {pool("H100", 16)}, w, {"--forecast", "last"}).exit_code, 0);
  const auto [lost, s] = unserved(last);
  EXPECT_NEAR(lost, 50.0 * 600, 1e-6);
  EXPECT_LT(s["inference"]["worst_hour_slo_attainment"].get<double>(),
            1 - 50.0 * 600 / (150 * 3600) + 1e-9);
  // The oracle knows the peak at t = 0, when replicas serve at once: nothing is lost.
  TempDir oracle;
  ASSERT_EQ(run_scenario(oracle, {pool("H100", 16)}, w, {"--forecast", "oracle"}).exit_code, 0);
  EXPECT_NEAR(unserved(oracle).first, 0, 1e-6);
}

TEST(ColdStart, FollowingARampLagsOneLoadTimePerStepUnlessTheForecastLooksAhead) {
  // 100, 200, 300, 400 units/s, one replica more each hour, each loading 300 s: following the
  // observed demand loses 100 units/s x 300 s at each of the 3 steps; the oracle starts each
  // replica one load time early and loses nothing.
  const json w =
      workload(4 * 3600, json::array(), {with_cold_start(h100_service({100, 200, 300, 400}), 300)});
  const std::vector<std::string> follow = {
      "--policy", "lease-idle",       "--param", "lease_follow_demand=1",
      "--param",  "lease_headroom=0", "--param", "lease_notice_h=0"};
  for (const auto& [forecast, expected] : {std::pair{"last", 3 * 100.0 * 300}, {"oracle", 0.0}}) {
    TempDir dir;
    auto args = follow;
    args.insert(args.end(), {"--forecast", forecast});
    const auto r = run_scenario(dir, {pool("H100", 32)}, w, args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NEAR(unserved(dir).first, expected, 1e-6) << forecast;
  }
}

TEST(Forecast, TheWeeklyForecastStartsAReplicaOneLoadTimeBeforeLastWeeksSpike) {
  // 50 units/s for two weeks, 150 in hour 100 and again a week later (hour 268); replicas load
  // for 600 s. Following the demand now, each spike loses 50 units/s x 600 s. The weekly
  // forecast has seen the first: it starts the replica 600 s before the second, which loses
  // nothing.
  std::vector<double> demand(2 * 168, 50.0);
  demand[100] = demand[268] = 150;
  const json w =
      workload(2 * 168 * 3600.0, json::array(), {with_cold_start(h100_service(demand), 600)});
  for (const auto& [forecast, expected] :
       {std::pair{"last", 2 * 50.0 * 600}, {"weekly", 50.0 * 600}}) {
    TempDir dir;
    const auto r =
        run_scenario(dir, {pool("H100", 16)}, w,
                     {"--policy", "lease-idle", "--param", "lease_follow_demand=1", "--param",
                      "lease_headroom=0", "--param", "lease_notice_h=0", "--forecast", forecast});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NEAR(unserved(dir).first, expected, 1e-6) << forecast;
  }
}

TEST(LeaseNotice, AReclaimedLeaseReturnsItsGpusOneNoticeAfterDemandIsSeen) {
  // Two servers; demand 50, 50, 150, 150; a preemptible lease takes the idle server at t = 0.
  // Seen at 2 h, the step gives the lease one hour's notice: it ends at 3 h, and the second
  // replica serves from then: 50 units/s short for an hour.
  const json w = leasing_case(true);
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("H100", 16)}, w,
                   {"--policy", "lease-idle", "--param", "lease_follow_demand=1", "--param",
                    "lease_headroom=0", "--param", "lease_notice_h=1", "--forecast", "last"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto [lost, s] = unserved(dir);
  EXPECT_NEAR(lost, 50.0 * 3600, 1e-6);
  EXPECT_EQ(s["lease"]["reclaimed"].get<int>(), 1);
  EXPECT_NEAR(s["lease"]["revenue_usd"].get<double>(), 8 * 3 * 1.5, 1e-9);
}

TEST(LeaseIdle, AnOnDemandLeaseTakenBeforeThePeakIsSeenCostsInferenceItsPeak) {
  // The observed forecast has seen 50 units/s when an on-demand lease asks for the second
  // server for 10 hours: it is taken, and the 150 of hours 2-3 find one replica.
  const json w = leasing_case(false);
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("H100", 16)}, w, {"--policy", "lease-idle", "--forecast", "last"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto [lost, s] = unserved(dir);
  EXPECT_NEAR(lost, 2 * 50.0 * 3600, 1e-6);
  EXPECT_LT(s["inference"]["worst_hour_slo_attainment"].get<double>(), 100.0 / 150);
}

TEST(Forecast, NamesParseAndBadOnesSayWhatIsValid) {
  EXPECT_EQ(forecast_name(parse_forecast("weekly")), "weekly");
  EXPECT_EQ(forecast_name(parse_forecast("window:3")), "window:3");
  EXPECT_EQ(parse_forecast("window:1.5").window_s, 5400);
  EXPECT_EQ(parse_forecast("oracle").kind, ForecastKind::kOracle);
  EXPECT_THROW(parse_forecast("psychic"), std::invalid_argument);
  EXPECT_THROW(parse_forecast("last:3"), std::invalid_argument);
  EXPECT_THROW(parse_forecast("window:-1"), std::invalid_argument);
  TempDir dir;
  const auto r = run_cli({"run", "--scale", "0.1", "--horizon", "1d", "-q", "--out",
                          dir.path("out"), "--forecast", "crystal-ball"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("valid: last, window[:HOURS], weekly, oracle"), std::string::npos) << r.err;
}

TEST(Forecast, TheSeedRecordsItsForecastAndTheOracleServesAtLeastAsWell) {
  TempDir dir;
  json s;
  for (const char* forecast : {"last", "oracle"}) {
    const auto r = run_cli({"run", "--scale", "0.2", "--horizon", "7d", "-q", "--out",
                            dir.path(forecast), "--policy", "lease-idle", "--param",
                            "lease_follow_demand=1", "--forecast", forecast});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    s[forecast] = summary_of(dir, forecast);
    EXPECT_EQ(s[forecast]["inference"]["forecast"], forecast);
  }
  EXPECT_GT(s["oracle"]["inference"]["slo_attainment"].get<double>(),
            s["last"]["inference"]["slo_attainment"].get<double>());
}

}  // namespace
}  // namespace gpufleet::test
