// Economics: a hand-worked case, overrides from a file and flags, bad overrides.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

// 16 H100 GPUs for 4 hours: one 8-GPU replica (internal), one 8-GPU lease at $1.5 per GPU-hour
// under lease-idle. Every GPU is busy, so the pool draws 16 x 700 W.
json leased_h100_workload() {
  const json lease = {{"id", "l"},           {"gpus", 8},           {"model", "H100"},
                      {"start_s", 0},        {"duration_s", 36000}, {"price_per_gpu_hour", 1.5},
                      {"preemptible", false}};
  return workload(4 * 3600, json::array(), {h100_service({50, 50, 50, 50})}, {lease});
}

TEST(Economics, HandWorkedPoolOfSixteenH100s) {
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("H100", 16)}, leased_h100_workload(), {"--policy", "lease-idle"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  const json& e = s["economics"]["fleet"];
  const double capex = 16 * 50000.0;                         // platform capex_per_gpu
  const double depreciation = capex * 4 / (5 * 365 * 24.0);  // 4 h of a 5-year life
  const double energy_kwh = 16 * 0.7 * 4;                    // all GPUs at TDP
  const double power = energy_kwh * 1.2 * 0.08;              // PUE 1.2, $0.08/kWh
  const double lease = 8 * 4 * 1.5;                          // 8 GPUs x 4 h x $1.5
  const double internal = 8 * 4 * 2.5;                       // replica GPU-hours x H100 price
  EXPECT_NEAR(s["fleet"]["energy_kwh"].get<double>(), energy_kwh, 1e-6);
  EXPECT_NEAR(e["capex_usd"].get<double>(), capex, 1e-6);
  EXPECT_NEAR(e["depreciation_usd"].get<double>(), depreciation, 1e-9);
  EXPECT_NEAR(e["power_cost_usd"].get<double>(), power, 1e-6);
  EXPECT_NEAR(e["lease_revenue_usd"].get<double>(), lease, 1e-9);
  EXPECT_NEAR(e["lease_revenue_usd"].get<double>(), s["lease"]["revenue_usd"].get<double>(), 1e-9);
  EXPECT_NEAR(e["internal_value_usd"].get<double>(), internal, 1e-9);
  EXPECT_NEAR(e["cost_usd"].get<double>(), depreciation + power, 1e-6);
  EXPECT_NEAR(e["margin_usd"].get<double>(), lease + internal - depreciation - power, 1e-6);
  EXPECT_NEAR(e["cash_margin_usd"].get<double>(), lease - depreciation - power, 1e-6);
  EXPECT_NEAR(e["payback_years"].get<double>(), capex / ((lease + internal - power) * 365 * 24 / 4),
              1e-9);
  ASSERT_EQ(s["economics"]["pools"].size(), 1u);
  EXPECT_EQ(s["economics"]["pools"][0]["capex_per_gpu_usd"].get<double>(), 50000);
}

TEST(Economics, FileThenFlagsOverrideTheDefaults) {
  TempDir dir;
  const std::string file =
      dir.write("econ.json", R"({"life_years": 4, "pue": 1.5, "capex_per_gpu": {"H100": 30000},
                      "internal_price_per_gpu_hour": {"H100": 1}})");
  const auto r = run_scenario(
      dir, {pool("H100", 16)}, leased_h100_workload(),
      {"--policy", "lease-idle", "--economics", file, "--pue", "1.1", "--usd-per-kwh", "0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = json::parse(read_file(dir.path("out/summary.json")));
  const json& e = s["economics"];
  EXPECT_EQ(e["parameters"]["life_years"].get<double>(), 4);
  EXPECT_EQ(e["parameters"]["pue"].get<double>(), 1.1);  // the flag wins over the file
  EXPECT_NEAR(e["fleet"]["depreciation_usd"].get<double>(), 16 * 30000.0 * 4 / (4 * 365 * 24.0),
              1e-9);
  EXPECT_NEAR(e["fleet"]["power_cost_usd"].get<double>(), 16 * 0.7 * 4 * 1.1 * 0.1, 1e-6);
  EXPECT_NEAR(e["fleet"]["internal_value_usd"].get<double>(), 8 * 4 * 1.0, 1e-9);
}

TEST(Economics, BadOverridesGiveOneErrorNamingTheField) {
  TempDir dir;
  const auto check = [&](const std::string& text, const std::string& field) {
    const std::string file = dir.write("econ.json", text);
    const auto r =
        run_scenario(dir, {pool("H100", 16)}, leased_h100_workload(), {"--economics", file});
    EXPECT_EQ(r.exit_code, 2) << text;
    EXPECT_NE(r.err.find(field), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.path("out/summary.json")));
  };
  check(R"({"pue": 0.9})", "pue");
  check(R"({"life_year": 5})", "life_year");
  check(R"({"capex_per_gpu": {"GB200": 1}})", "capex_per_gpu.GB200");
  check(R"({"capex_per_gpu": {"H100": -1}})", "capex_per_gpu.H100");
  check("{", "econ.json");
}

}  // namespace
}  // namespace gpufleet::test
