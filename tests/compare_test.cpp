// gpufleet compare: rows equal the individual runs, failures stay in their row, the report.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

const std::vector<std::string> kPolicies = {"static-partition", "easy-backfill+spillover"};

CliResult compare(const TempDir& dir, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {
      "compare", "--policies",   "static-partition,easy-backfill+spillover",
      "--scale", "0.2",          "--horizon",
      "3d",      "--jobs",       "2",
      "--out",   dir.path("cmp")};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

TEST(Compare, RowsEqualTheSummariesOfIndividualRunsOnTheSameInputs) {
  TempDir dir;
  const auto r = compare(dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = json::parse(read_file(dir.path("cmp/comparison.json")));
  ASSERT_EQ(doc["runs"].size(), kPolicies.size());
  const auto csv = read_csv(dir.path("cmp/comparison.csv"));
  ASSERT_EQ(csv.size(), kPolicies.size());
  for (size_t i = 0; i < kPolicies.size(); ++i) {
    const std::string& policy = kPolicies[i];
    // The same policy run on its own, from the scenario (not from the compare's files).
    const std::string alone = dir.path("alone-" + std::to_string(i));
    ASSERT_EQ(run_cli({"run", "--scale", "0.2", "--horizon", "3d", "--policy", policy, "--out",
                       alone, "-q"})
                  .exit_code,
              0);
    const auto s = json::parse(read_file(alone + "/summary.json"));
    EXPECT_EQ(output_text(alone + "/summary.json"),
              output_text(dir.path("cmp/" + policy + "/summary.json")));
    const json& row = doc["runs"][i];
    EXPECT_EQ(row["policy"], policy);
    EXPECT_EQ(row["status"], "ok");
    const json& v = row["values"];
    EXPECT_EQ(v["fleet_effective_utilization"], s["fleet"]["effective_utilization"]);
    EXPECT_EQ(v["fleet_allocation_utilization"], s["fleet"]["allocation_utilization"]);
    EXPECT_EQ(v["training_capacity_gap"], s["training"]["capacity_gap"]);
    EXPECT_EQ(v["training_wait_p95_s"], s["training"]["wait_s"]["p95"]);
    EXPECT_EQ(v["training_jct_p50_s"], s["training"]["jct_s"]["p50"]);
    EXPECT_EQ(v["inference_slo_attainment"], s["inference"]["slo_attainment"]);
    EXPECT_EQ(v["inference_worst_ttft_p99_s"], s["inference"]["worst_ttft_p99_s"]);
    EXPECT_EQ(v["inference_worst_tpot_p99_s"], s["inference"]["worst_tpot_p99_s"]);
    EXPECT_GT(v["inference_worst_tpot_p99_s"].get<double>(), 0);
    EXPECT_EQ(v["leases_accepted"], s["lease"]["accepted"]);
    EXPECT_EQ(v["lease_revenue_usd"], s["lease"]["revenue_usd"]);
    EXPECT_EQ(v["net_value_usd"], s["economics"]["fleet"]["net_value_usd"]);
    EXPECT_EQ(v["pool_gb200_effective_utilization"], s["pools"][0]["effective_utilization"]);
    EXPECT_DOUBLE_EQ(v["energy_mwh"].get<double>(), s["fleet"]["energy_kwh"].get<double>() / 1000);
    EXPECT_EQ(csv[i].at("policy"), policy);
    EXPECT_DOUBLE_EQ(std::stod(csv[i].at("fleet_effective_utilization")),
                     s["fleet"]["effective_utilization"].get<double>());
  }
  // The terminal gets the Markdown tables.
  EXPECT_NE(r.out.find("| easy-backfill+spillover"), std::string::npos);
  const std::string tables = r.out.substr(0, r.out.find("\nwrote"));
  EXPECT_NE(read_file(dir.path("cmp/comparison.md")).find(tables), std::string::npos);
  const std::string html = read_file(dir.path("cmp/report.html"));
  EXPECT_NE(html.find("Policies side by side"), std::string::npos);
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_NE(r.err.find("[2/2]"), std::string::npos);  // progress on stderr
}

// The number in a verdict table's row for one policy's column ("| label | +1.2 | -0.5 |").
double verdict_cell(const std::string& text, const std::string& label, size_t column) {
  const size_t at = text.find("| " + label + " ");
  if (at == std::string::npos) throw std::runtime_error("no row '" + label + "'");
  std::istringstream row(text.substr(at, text.find('\n', at) - at));
  std::string cell;
  for (size_t c = 0; c <= column + 1; ++c) std::getline(row, cell, '|');
  std::getline(row, cell, '|');
  return std::stod(cell);
}

TEST(Compare, TheVerdictComesFirstAndItsNumbersAreTheDifferencesOfTheSummaries) {
  TempDir dir;
  const auto r = compare(dir, {"--baseline", "easy-backfill+spillover"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The verdict opens stdout, comparison.md and report.html.
  EXPECT_EQ(r.out.rfind("## Verdict: each policy against easy-backfill+spillover\n", 0), 0u)
      << r.out;
  EXPECT_EQ(read_file(dir.path("cmp/comparison.md"))
                .rfind("# Policy comparison\n\n## Verdict: each policy against "
                       "easy-backfill+spillover",
                       0),
            0u);
  const std::string html = read_file(dir.path("cmp/report.html"));
  EXPECT_LT(html.find("Verdict: each policy against easy-backfill+spillover"),
            html.find("<table>"));
  // One draw, and where the confidence intervals are.
  EXPECT_NE(r.out.find("one draw (seed "), std::string::npos);
  EXPECT_NE(r.out.find("`gpufleet study`"), std::string::npos);
  // Each figure: static-partition minus easy-backfill+spillover, as the summaries say.
  const auto sp = json::parse(read_file(dir.path("cmp/static-partition/summary.json")));
  const auto eb = json::parse(read_file(dir.path("cmp/easy-backfill+spillover/summary.json")));
  const auto diff = [&](const std::string& pointer) {
    const json::json_pointer p(pointer);
    return sp.at(p).get<double>() - eb.at(p).get<double>();
  };
  const std::string verdict = r.out.substr(0, r.out.find("## Headline"));
  EXPECT_NEAR(verdict_cell(verdict, "training capacity gap, points", 0),
              100 * diff("/training/capacity_gap"), 0.05 + 1e-9);
  EXPECT_NEAR(verdict_cell(verdict, "effective utilization, points", 0),
              100 * diff("/fleet/effective_utilization"), 0.05 + 1e-9);
  EXPECT_NEAR(verdict_cell(verdict, "inference SLO attainment, points", 0),
              100 * diff("/inference/slo_attainment"), 0.005 + 1e-9);
  EXPECT_NEAR(verdict_cell(verdict, "SLO attainment, worst hour, points", 0),
              100 * diff("/inference/worst_hour_slo_attainment"), 0.005 + 1e-9);
  EXPECT_NEAR(verdict_cell(verdict, "worst service's SLO attainment, points", 0),
              100 * diff("/inference/worst_service_slo_attainment"), 0.005 + 1e-9);
  EXPECT_NEAR(verdict_cell(verdict, "net value, $M per 3 days", 0),
              diff("/economics/fleet/net_value_usd") / 1e6, 0.005 + 1e-9);
  EXPECT_NE(verdict.find("- static-partition: "), std::string::npos) << verdict;
  // The gap is what the policies differ in most here: the reading names it.
  ASSERT_GT(std::abs(diff("/training/capacity_gap")), 0.001);
  EXPECT_NE(verdict.find("training gap"), std::string::npos) << verdict;
  // comparison.json keeps the baseline and the raw differences.
  const auto doc = json::parse(read_file(dir.path("cmp/comparison.json")));
  EXPECT_EQ(doc["baseline"], "easy-backfill+spillover");
  EXPECT_DOUBLE_EQ(
      doc["runs"][0]["difference_from_baseline"]["training_capacity_gap"].get<double>(),
      diff("/training/capacity_gap"));
  EXPECT_FALSE(doc["runs"][1].contains("difference_from_baseline"));  // the baseline itself
  // Every printed line fits a 100-column terminal (the closing line names the files).
  std::istringstream lines(r.out.substr(0, r.out.find("\nwrote ")));
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 100u) << line;
  // `report DIR` rebuilds the same page, with the same baseline, from comparison.json.
  ASSERT_EQ(run_cli({"report", dir.path("cmp")}).exit_code, 0);
  EXPECT_EQ(read_file(dir.path("cmp/report.html")), html);
}

TEST(Compare, AnUnknownBaselineIsRefusedWithASuggestionBeforeAnythingRuns) {
  TempDir dir;
  const auto r = compare(dir, {"--baseline", "easy-backfil+spillover"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--baseline: 'easy-backfil+spillover' is not one of --policies (did you "
                       "mean 'easy-backfill+spillover'?)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_FALSE(std::filesystem::exists(dir.path("cmp")));
}

TEST(Compare, AFailedPolicyIsReportedInItsRowAndTheOthersFinish) {
  TempDir dir;
  // A file where easy-backfill+spillover's output directory should go: that run cannot write.
  dir.write("cmp/easy-backfill+spillover", "in the way");
  const auto r = compare(dir);
  EXPECT_EQ(r.exit_code, 1);
  const auto doc = json::parse(read_file(dir.path("cmp/comparison.json")));
  EXPECT_EQ(doc["runs"][0]["status"], "ok");
  EXPECT_EQ(doc["runs"][1]["status"], "failed");
  EXPECT_NE(doc["runs"][1]["error"].get<std::string>().find("easy-backfill+spillover"),
            std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.path("cmp/static-partition/summary.json")));
  EXPECT_NE(read_file(dir.path("cmp/comparison.md")).find("failed: "), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.path("cmp/report.html")));
  EXPECT_EQ(run_cli({"report", dir.path("cmp")}).exit_code, 0);
}

TEST(Compare, BadPolicyOrParameterIsAnInputErrorBeforeAnythingRuns) {
  TempDir dir;
  const auto bad =
      run_cli({"compare", "--policies", "static-partition,nope", "--out", dir.path("cmp")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown policy 'nope'"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("cmp")));
  const auto param = run_cli({"compare", "--policies", "static-partition,easy-backfill", "--param",
                              "spillover_wait_h=2", "--out", dir.path("cmp")});
  EXPECT_EQ(param.exit_code, 2);
  EXPECT_NE(param.err.find("spillover_wait_h"), std::string::npos) << param.err;
}

}  // namespace
}  // namespace gpufleet::test
