// Studies (docs/studies.md): confidence intervals worked by hand, paired differences, fleet
// variants' rounding, and a study that resumes and keeps its failed runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <set>
#include <thread>

#include "formats/workload_io.hpp"
#include "metrics/stats.hpp"
#include "model/input_error.hpp"
#include "policies/policies.hpp"
#include "study/fleet_variant.hpp"
#include "study/study_report.hpp"
#include "study/study_tables.hpp"
#include "study/summary_skeleton.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

TEST(Stats, MeanCi95IsStudentsIntervalWorkedByHand) {
  // Mean 3, s = sqrt(2.5) = 1.58114, t(0.975, 4) = 2.776: half-width 2.776 x 1.58114 / sqrt(5).
  const auto m = mean_ci95({1, 2, 3, 4, 5});
  EXPECT_EQ(m.n, 5);
  EXPECT_DOUBLE_EQ(m.mean, 3);
  EXPECT_NEAR(m.low, 3 - 1.962926, 1e-5);
  EXPECT_NEAR(m.high, 3 + 1.962926, 1e-5);
  EXPECT_EQ(mean_ci95({7}).low, 7);  // one value: no interval
  EXPECT_NEAR(t975(1), 12.706, 1e-9);
  EXPECT_NEAR(t975(60), 2.0003, 1e-3);
  EXPECT_NEAR(t975(100000), 1.95997, 1e-4);
}

TEST(Study, SummaryGivesEachArmsMeanAndThePairedDifferenceAgainstTheBaseline) {
  StudySpec spec;
  spec.seeds = {1, 2, 3, 4};
  spec.policies = {{"static-partition", {}, {}}, {"easy-backfill", {}, {}}};
  spec.fleets = {{"base", {}}};
  spec.metrics = {"training.capacity_gap"};
  const std::vector<double> base = {10, 12, 11, 13}, arm = {12, 15, 12, 16};
  std::vector<StudyRun> runs;
  for (int a = 0; a < 2; ++a)
    for (size_t s = 0; s < 4; ++s)
      runs.push_back({a, spec.seeds[s], "r", true, "",
                      json{{"training", {{"capacity_gap", (a == 0 ? base : arm)[s]}}}}});
  runs.push_back({1, 5, "failed", false, "timed out", json()});  // not in any mean
  const auto rows = [&] {
    std::vector<std::vector<std::string>> out;
    std::stringstream text(study_summary_csv(spec, runs));
    std::string line;
    while (std::getline(text, line)) {
      std::vector<std::string> fields;
      std::stringstream l(line);
      for (std::string f; std::getline(l, f, ',');) fields.push_back(f);
      out.push_back(fields);
    }
    return out;
  }();
  ASSERT_EQ(rows.size(), 7u);  // the header, two arms, the arm's investment figures
  // Differences 2, 3, 1, 3: mean 2.25, s = 0.957427, t(3) = 3.182, half-width 1.523267.
  const auto& diff = rows[2];
  EXPECT_EQ(diff[0], "easy-backfill @ base");
  EXPECT_EQ(diff[2], "4");
  EXPECT_NEAR(std::stod(diff[3]), 13.75, 1e-9);
  EXPECT_EQ(diff[7], "4");
  EXPECT_NEAR(std::stod(diff[8]), 2.25, 1e-9);
  EXPECT_NEAR(std::stod(diff[9]), 2.25 - 1.523267, 1e-5);
  EXPECT_NEAR(std::stod(diff[10]), 2.25 + 1.523267, 1e-5);
  EXPECT_NE(study_csv(spec, runs).find("base,5,failed,timed out"), std::string::npos);
  // Without economics in the summaries, no investment figure: none paired.
  EXPECT_EQ(rows[3][1], "investment.capex_usd");
  EXPECT_EQ(rows[3][7], "0");
}

TEST(FleetVariant, CountsAreRoundedToWholeDomainsAndTheRoundingIsSaid) {
  std::vector<PoolSpec> fleet = {pool("GB300", 1440), pool("H100", 4960)};
  std::vector<std::string> notes;
  const auto changed =
      apply_fleet_changes(fleet, {"GB300:+500", "H100:-50%", "gb200:+100:training"}, 86400, notes)
          .pools;
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed[0].gpus, 1440 + 504);  // 7 NVL72 domains
  EXPECT_EQ(changed[1].gpus, 2480);
  EXPECT_EQ(changed[2].model, "GB200");
  EXPECT_EQ(changed[2].gpus, 72);
  EXPECT_EQ(changed[2].role, "training");
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_NE(notes[0].find("+504 GPUs, rounded to whole GB300 NVL72 domains of 72"),
            std::string::npos)
      << notes[0];
  EXPECT_THROW(apply_fleet_changes(fleet, {"H100:-100%"}, 86400, notes), std::invalid_argument);
  EXPECT_THROW(apply_fleet_changes(fleet, {"H100:half"}, 86400, notes), std::invalid_argument);
  EXPECT_THROW(apply_fleet_changes(fleet, {"B200:-8"}, 86400, notes), std::invalid_argument);
}

TEST(FleetVariant, AContractIsATermOfTheWorkloadRoundedToWholeDomainsAndThePoolsStay) {
  const std::vector<PoolSpec> fleet = {pool("H200", 1872), pool("H100", 4960)};
  const double year = 365 * 86400.0;
  std::vector<std::string> notes;
  const auto v = apply_fleet_changes(
      fleet, {"contract:H200:30%@2.6:365d", "contract:h100:all@2.1", "contract:H100:100@3:30d:12h"},
      2 * year, notes);
  ASSERT_EQ(v.pools.size(), 2u);  // nothing taken out: the simulation takes the GPUs
  EXPECT_EQ(v.pools[0].gpus, 1872);
  EXPECT_EQ(v.pools[1].gpus, 4960);
  ASSERT_EQ(v.contracts.size(), 3u);
  // 30% of 1,872 is 561.6 GPUs: 70.2 HGX servers of 8, rounded to 70.
  const Contract& lease = v.contracts[0];
  EXPECT_EQ(lease.model, "H200");
  EXPECT_EQ(lease.gpus, 560);
  EXPECT_EQ(lease.start_s, 0);
  EXPECT_EQ(lease.duration_s, year);
  EXPECT_EQ(lease.price_per_gpu_hour, 2.6);
  EXPECT_EQ(lease.id, "contract:H200:30%@2.6:365d");
  EXPECT_NE(notes[0].find("560 GPUs, rounded to whole HGX H200 domains of 8"), std::string::npos)
      << notes[0];
  // No term: the whole run.
  EXPECT_EQ(v.contracts[1].model, "H100");
  EXPECT_EQ(v.contracts[1].gpus, 4960);
  EXPECT_EQ(v.contracts[1].duration_s, 2 * year);
  // 100 GPUs are 12.5 servers: 13 (std::lround rounds halves away from zero), from 12 h.
  EXPECT_EQ(v.contracts[2].gpus, 104);
  EXPECT_EQ(v.contracts[2].start_s, 12 * 3600);
  EXPECT_EQ(v.contracts[2].duration_s, 30 * 86400);
  for (const char* bad :
       {"contract:H100:all", "contract:H100:3@2", "contract:H100:5000@2", "contract:B300:8@2",
        "contract:H100:8@2:0d", "contract:H100:8@2:30d:800d", "contract:H100:8@-1",
        "contract:H100:8@2:30d:1d:1d", "contract:H100:120%@2"})
    EXPECT_THROW(apply_fleet_changes(fleet, {bad}, 2 * year, notes), std::invalid_argument) << bad;
}

TEST(FleetVariant, AWorkloadFollowsTheFleetsModels) {
  auto doc = workload(3600, {training_job("a", 0, 8, 1e18)});
  doc["leases"] = json::array({{{"id", "l"},
                                {"start_s", 0},
                                {"duration_s", 60},
                                {"gpus", 8},
                                {"model", "H100"},
                                {"price_per_gpu_hour", 2}}});
  TempDir dir;
  Workload w = load_workload(dir.write("w.json", doc.dump()));
  const std::vector<PoolSpec> fleet = {pool("GB200", 72), pool("Rubin", 72)};
  EXPECT_EQ(add_training_generations(w, fleet), 1);
  ASSERT_EQ(w.training[0].generations.size(), 2u);
  EXPECT_EQ(w.training[0].generations[1].model, "Rubin");
  EXPECT_NEAR(w.training[0].generations[1].relative_speed, 5.0 / 2.2, 1e-12);
  EXPECT_EQ(drop_absent_models(w, fleet), 1);  // the H100 lease
  EXPECT_TRUE(w.leases.empty());
  // Relative speeds become MFUs as binding would: 5.0 / 2.2 x 0.4 x 2.5e15 / 5e15.
  EXPECT_NEAR(w.training[0].generations[1].mfu, 5.0 / 2.2 * 0.4 / 2, 1e-12);
}

const char* kSmallStudy = R"({"format": "gpufleet-study", "version": 1, "scale": 0.1, "days": 2,
  "seeds": [1, 2, 3], "policies": ["static-partition", "easy-backfill"],
  "fleets": [{"name": "base"}, {"name": "more", "changes": ["GB200:+72"]}]})";

TEST(Study, ASecondRunResumesWithoutRunningAnythingAndWritesTheSameFiles) {
  TempDir dir;
  const auto spec = dir.write("study.json", kSmallStudy);
  const auto first = run_cli({"study", spec, "--out", dir.path("out")});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("12 runs, 0 done before, 12 to run"), std::string::npos) << first.err;
  const std::string csv = read_file(dir.path("out/study.csv"));
  EXPECT_EQ(read_csv(dir.path("out/study.csv")).size(), 12u);
  EXPECT_EQ(read_csv(dir.path("out/manifest.csv")).size(), 12u);
  // 4 arms x 20 default metrics, and 4 investment figures of the 3 arms against the baseline.
  EXPECT_EQ(read_csv(dir.path("out/study_summary.csv")).size(), 4u * 20 + 3 * 4);
  const auto second = run_cli({"study", spec, "--out", dir.path("out")});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("12 runs, 12 done before, 0 to run"), std::string::npos) << second.err;
  EXPECT_EQ(read_file(dir.path("out/study.csv")), csv);
  const std::string html = read_file(dir.path("out/report.html"));
  EXPECT_LT(html.find("Verdicts"), html.find("<svg"));  // the verdict first
  EXPECT_NE(html.find("#2 easy-backfill @ base"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);  // self-contained
}

TEST(Study, ARunPastItsTimeoutFailsAndKeepsItsRowAndLog) {
  TempDir dir;
  // Runs of a year of the whole seed scenario take 2-3 s; the limit is a second, the least
  // timeout_min allows (both backends count whole seconds).
  const auto r =
      run_cli({"study", dir.write("study.json", R"({"format": "gpufleet-study", "version": 1,
                            "seeds": [1, 2], "policies": ["static-partition"], "days": 365,
                            "timeout_min": 0.016666666666666666})"),
               "--out", dir.path("out")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto rows = read_csv(dir.path("out/study.csv"));
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("status"), "failed");
    EXPECT_EQ(row.at("error"), "timed out after 1 s");
    EXPECT_TRUE(std::filesystem::exists(dir.path("out/runs/" + row.at("run") + ".log")));
  }
}

TEST(Study, BadStudyFilesAreRefusedBeforeAnythingRuns) {
  TempDir dir;
  std::string text = kSmallStudy;
  text.replace(text.find("easy-backfill"), 13, "easy-backfil");
  const auto r = run_cli({"study", dir.write("study.json", text), "--out", dir.path("out")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'easy-backfill'?"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("out/runs")));
  const auto baseline = run_cli(
      {"study", dir.write("b.json", std::string(kSmallStudy).insert(1, R"("baseline": "x", )")),
       "--out", dir.path("out2")});
  EXPECT_EQ(baseline.exit_code, 2);
  EXPECT_NE(baseline.err.find("baseline: no arm is named 'x'"), std::string::npos) << baseline.err;
}

TEST(Study, ATradeOffJoinsArmsThatDifferInOneValueAndKeepsItsMetrics) {
  TempDir dir;
  const auto spec = dir.write("study.json", R"({"format": "gpufleet-study", "version": 1,
    "scale": 0.1, "days": 2, "seeds": [1, 2], "metrics": ["training.capacity_gap"],
    "policies": ["static-partition",
      {"policy": "lease-idle", "params": ["lease_follow_demand=1", "lease_headroom=0"]},
      {"policy": "lease-idle", "params": ["lease_follow_demand=1", "lease_headroom=0.5"]},
      {"policy": "lease-idle", "params": ["lease_follow_demand=1", "lease_headroom=0"],
       "forecast": "oracle"}],
    "tradeoff": {"x": ["inference.slo_attainment"], "y": "lease.revenue_usd"}})");
  const auto r = run_cli({"study", spec, "--out", dir.path("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The chart's metrics are summarized beside the file's own.
  const auto summary = read_file(dir.path("out/study_summary.csv"));
  for (const char* metric :
       {",training.capacity_gap,", ",inference.slo_attainment,", ",lease.revenue_usd,"})
    EXPECT_NE(summary.find(metric), std::string::npos) << metric;
  const auto html = read_file(dir.path("out/report.html"));
  EXPECT_NE(html.find("lease revenue against inference SLO attainment"), std::string::npos);
  EXPECT_NE(html.find("lease-idle {weekly} lease_follow_demand"), std::string::npos);  // a line
  EXPECT_NE(html.find("Not drawn: #1 static-partition"), std::string::npos);
  EXPECT_NE(html.find("{oracle} @ base"), std::string::npos);  // the arm's name says it
  std::string bad = read_file(spec);
  const std::string x = "\"x\": [\"inference.slo_attainment\"]";
  bad.replace(bad.find(x), x.size(), "\"x\": []");
  const auto refused = run_cli({"study", dir.write("bad.json", bad), "--out", dir.path("bad")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("tradeoff.x: empty"), std::string::npos) << refused.err;
}

TEST(Study, MetricsAddressServicesAndPoolsByTheirIdOrName) {
  const json summary = {
      {"inference",
       {{"services",
         {{{"id", "chat-70b"}, {"slo_attainment", 0.9}},
          {{"id", "chat-70b.v2"}, {"slo_attainment", 0.8}},
          {{"id", "reason-405b"}, {"slo_attainment", 0.7}}}}}},
      {"pools", {{{"name", "h200"}, {"allocation_utilization", 0.5}, {"gpus", 1872}}}},
      {"economics",
       {{"pools", {{{"name", "gb300"}, {"capex_usd", 1.08e8}}}},
        {"services", {{{"id", "chat-70b"}, {"sla_penalty_usd", 12.5}}}}}},
      {"training", {{"capacity_gap_window_s", {0, 86400}}, {"makespan_complete", true}}}};
  double v = 0;
  ASSERT_TRUE(summary_value(summary, "inference.services.reason-405b.slo_attainment", v));
  EXPECT_EQ(v, 0.7);
  // The longest id that fits: "chat-70b.v2", not "chat-70b" followed by "v2".
  ASSERT_TRUE(summary_value(summary, "inference.services.chat-70b.v2.slo_attainment", v));
  EXPECT_EQ(v, 0.8);
  ASSERT_TRUE(summary_value(summary, "inference.services.chat-70b.slo_attainment", v));
  EXPECT_EQ(v, 0.9);
  ASSERT_TRUE(summary_value(summary, "pools.h200.allocation_utilization", v));
  EXPECT_EQ(v, 0.5);
  ASSERT_TRUE(summary_value(summary, "economics.pools.gb300.capex_usd", v));
  EXPECT_EQ(v, 1.08e8);
  ASSERT_TRUE(summary_value(summary, "economics.services.chat-70b.sla_penalty_usd", v));
  EXPECT_EQ(v, 12.5);
  ASSERT_TRUE(summary_value(summary, "pools.0.gpus", v));  // an index still works
  EXPECT_EQ(v, 1872);
  ASSERT_TRUE(summary_value(summary, "training.capacity_gap_window_s.1", v));
  EXPECT_EQ(v, 86400);
  ASSERT_TRUE(summary_value(summary, "training.makespan_complete", v));
  EXPECT_EQ(v, 1);
  EXPECT_FALSE(summary_value(summary, "inference.services.reason-405x.slo_attainment", v));
  EXPECT_FALSE(summary_value(summary, "inference.services.chat-70b", v));  // not a number
  EXPECT_FALSE(summary_value(summary, "pools.h20.allocation_utilization", v));
  const auto keys = summary_keys(summary);
  EXPECT_NE(std::find(keys.begin(), keys.end(), "inference.services.chat-70b.v2.slo_attainment"),
            keys.end());
}

TEST(Study, TheSummaryBuiltBeforeAnyRunHasTheKeysOfARealRun) {
  // A service, a lease, a contract and a training job on two pools: every block of the summary.
  auto doc = leasing_case(false);
  doc["training"] = json::array({training_job("a", 0, 72, 1e18)});
  doc["contracts"] = json::array({{{"id", "c"},
                                   {"model", "GB200"},
                                   {"gpus", 72},
                                   {"start_s", 3600},
                                   {"duration_s", 3600},
                                   {"price_per_gpu_hour", 2}}});
  const std::vector<PoolSpec> pools = {pool("H100", 16), pool("GB200", 144)};
  TempDir dir;
  const auto r = run_scenario(dir, pools, doc, {"--policy", "lease-idle"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json real = json::parse(read_file(dir.path("out/summary.json")));
  real.erase("provenance");
  real.erase("gpufleet_version");
  const auto params = make_policy("lease-idle", {}, parse_forecast("weekly"))->params();
  const json skeleton = summary_skeleton(pools, load_workload(dir.path("workload.json")),
                                         EconomicsParams{}, false, params, "w.json");
  const auto want = summary_keys(real), got = summary_keys(skeleton);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()),
            std::set<std::string>(want.begin(), want.end()));
  EXPECT_EQ(skeleton["pools"][0]["name"], real["pools"][0]["name"]);  // same names, same order
}

TEST(Study, InvestmentFiguresWorkedByHand) {
  // Annuity factor: sum over t = 1..5 of 1.08^-t = 0.925926 + 0.857339 + 0.793832 + 0.735030
  // + 0.680583 = 3.992710.
  EXPECT_NEAR(annuity_factor(5, 0.08), 3.992710, 1e-6);
  EXPECT_EQ(annuity_factor(5, 0), 5);
  StudySpec spec;
  spec.seeds = {1, 2, 3};
  spec.policies = {{"static-partition", {}, {}}};
  spec.fleets = {{"today", {}}, {"+576 GB300", {"GB300:+576"}}};
  spec.metrics = {"training.capacity_gap"};
  // Yearly: the baseline nets $100M and depreciates $50M; the arm nets 100 + 10, 12, 14 M more
  // and depreciates $8.64M more (576 x $75,000 over 5 years): D = 18.64, 20.64, 22.64 M.
  auto summary = [](bool arm, double net, double depreciation) {
    json pools = {{{"gpu_model", "H200"}, {"gpus", 1872}}};
    json money = {{{"gpu_model", "H200"}, {"capex_per_gpu_usd", 55000}}};
    if (arm) {
      pools.push_back({{"gpu_model", "GB300"}, {"gpus", 576}});
      money.push_back({{"gpu_model", "GB300"}, {"capex_per_gpu_usd", 75000}});
    }
    return json{{"pools", pools},
                {"economics",
                 {{"pools", money},
                  {"parameters", {{"life_years", 5}, {"discount_rate", 0.08}}},
                  {"fleet_per_year",
                   {{"net_value_usd", net * 1e6}, {"depreciation_usd", depreciation * 1e6}}}}}};
  };
  std::vector<StudyRun> runs;
  for (long seed : {1L, 2L, 3L}) {
    runs.push_back({0, seed, "b", true, "", summary(false, 100, 50)});
    runs.push_back({1, seed, "a", true, "", summary(true, 100 + 8 + 2 * seed, 58.64)});
  }
  const Investment inv = arm_investment(spec, runs, 1);
  EXPECT_EQ(inv.n, 3);
  EXPECT_NEAR(inv.capex_usd, 576 * 75000.0, 1e-6);  // $43.2M
  // D: mean 20.64 M, s = 2 M, t(2) = 4.303: half-width 4.303 x 2 / sqrt(3) = 4.968676 M.
  EXPECT_NEAR(inv.cash_flow.mean, 20.64e6, 1e-3);
  EXPECT_NEAR(inv.cash_flow.low, (20.64 - 4.968676) * 1e6, 1);
  EXPECT_NEAR(inv.cash_flow.high, (20.64 + 4.968676) * 1e6, 1);
  // NPV = -43.2 + 3.992710 x 20.64 = 39.209535 M; its bounds move by 3.992710 x 4.968676 =
  // 19.838484 M.
  EXPECT_NEAR(inv.npv.mean, 39.209535e6, 10);
  EXPECT_NEAR(inv.npv.low, (39.209535 - 19.838484) * 1e6, 10);
  EXPECT_NEAR(inv.npv.high, (39.209535 + 19.838484) * 1e6, 10);
  // Payback = 43.2 / 20.64 = 2.093023 years; CI 43.2 / 25.608676 = 1.686928 to
  // 43.2 / 15.671324 = 2.756627.
  ASSERT_TRUE(inv.payback_years && inv.payback_low && inv.payback_high);
  EXPECT_NEAR(*inv.payback_years, 2.093023, 1e-6);
  EXPECT_NEAR(*inv.payback_low, 1.686928, 1e-6);
  EXPECT_NEAR(*inv.payback_high, 2.756627, 1e-6);
  const std::string csv = study_summary_csv(spec, runs);
  EXPECT_NE(csv.find("+576 GB300,investment.payback_years,,,,,static-partition @ today,3,"
                     "2.093023256,1.686"),
            std::string::npos)
      << csv;
  // The report reads it as an investment, with the terms it assumed.
  const std::string html = study_report_html(spec, runs);
  EXPECT_NE(html.find("As an investment"), std::string::npos);
  EXPECT_NE(html.find("5 years at a discount rate of 8%"), std::string::npos);
  EXPECT_NE(html.find("<td>43.20</td><td>+20.64 [+15.67, +25.61]</td><td>+39.21 [+19.37, "
                      "+59.05]</td><td>2.09 [1.69, 2.76]</td>"),
            std::string::npos)
      << html;
  // A flow that does not grow never pays back; a lower bound <= 0 has no upper payback.
  for (auto& r : runs)
    if (r.arm == 1)
      r.summary["economics"]["fleet_per_year"]["net_value_usd"] = (100.0 - 8.64 + r.seed - 2) * 1e6;
  const Investment flat = arm_investment(spec, runs, 1);
  EXPECT_NEAR(flat.cash_flow.mean, 0, 1e-3);
  EXPECT_FALSE(flat.payback_years);
  EXPECT_EQ(arm_investment(spec, runs, 0).n, 0);  // the baseline against itself
}

// The small study with these fields set.
json study_file(const std::string& extra) {
  json doc = json::parse(kSmallStudy);
  const json fields = json::parse(extra);
  for (const auto& [key, value] : fields.items()) doc[key] = value;
  return doc;
}

TEST(Study, AnUnknownMetricIsRefusedWithTheNearestKeyBeforeAnythingRuns) {
  TempDir dir;
  const auto typo = run_cli(
      {"study",
       dir.write("s.json",
                 study_file(R"({"metrics": ["training.capacity_gap", "training.capacity_gapp"]})")
                     .dump()),
       "--out", dir.path("out")});
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("metrics[1]: unknown summary.json key 'training.capacity_gapp' (did you "
                          "mean 'training.capacity_gap'?)"),
            std::string::npos)
      << typo.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("out")));
  const auto id = run_cli(
      {"study",
       dir.write("id.json",
                 study_file(R"({"tradeoff": {"x": ["inference.services.reason-405x.slo_attainment"],
                                "y": "pools.gb300.allocation_utilization"}})")
                     .dump()),
       "--out", dir.path("out")});
  EXPECT_EQ(id.exit_code, 2) << id.err;
  EXPECT_NE(id.err.find("tradeoff.x[0]: unknown summary.json key"), std::string::npos) << id.err;
  EXPECT_NE(id.err.find("'inference.services' has chat-70b, api-70b, reason-405b"),
            std::string::npos)
      << id.err;
  const auto group = run_cli(
      {"study", dir.write("g.json", study_file(R"({"metrics": ["training.wait_s"]})").dump()),
       "--out", dir.path("out")});
  EXPECT_EQ(group.exit_code, 2);
  EXPECT_NE(group.err.find("name one of its figures: training.wait_s.count"), std::string::npos)
      << group.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("out")));
}

// A study's growth reaches the workloads it draws: the same draw, each demand value times
// (1 + g)^(t / 30 days); out of range it is refused before anything is written.
TEST(Study, GrowthInAStudyGrowsTheDrawnDemand) {
  TempDir dir;
  const auto drawn = [&](const std::string& name, const std::string& extra) {
    const auto r = run_cli(
        {"study", dir.write(name + ".json", study_file(extra).dump()), "--out", dir.path(name)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(read_file(dir.path(name + "/inputs/seed-1/workload.json")));
  };
  const json flat = drawn("flat", R"({"seeds": [1], "policies": ["static-partition"]})");
  const json grown = drawn("grown", R"({"seeds": [1], "policies": ["static-partition"],
                                        "growth": {"inference_per_month": 1.0}})");
  const json& a = flat["inference"][0]["demand"];
  const json& b = grown["inference"][0]["demand"];
  ASSERT_EQ(a["values"].size(), b["values"].size());
  const double interval = a["interval_s"].get<double>();
  for (size_t k = 0; k < a["values"].size(); k += 37) {
    const double expected = a["values"][k].get<double>() * std::pow(2.0, k * interval / 2592000);
    EXPECT_NEAR(b["values"][k].get<double>(), expected, 1e-3 + 1e-6 * expected) << k;
  }
  const auto bad =
      run_cli({"study",
               dir.write("bad.json", study_file(R"({"growth": {"training_per_month": 3}})").dump()),
               "--out", dir.path("bad")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("growth.training_per_month: must be between -0.5 and 1"),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("bad")));
}

TEST(Study, MetricsByIdReachTheRunsAndAPoolOfOneFleetIsKnown) {
  TempDir dir;
  // gb300 is a pool of the seed's fleet; b300 only of the fleet that adds one.
  const auto r =
      run_cli({"study",
               dir.write("s.json", study_file(R"({"seeds": [1], "policies": ["static-partition"],
                                "fleets": [{"name": "base"}, {"name": "b300", "changes": ["B300:+72"]}],
                                "metrics": ["inference.services.reason-405b.slo_attainment",
                                            "pools.b300.allocation_utilization"]})")
                                       .dump()),
               "--out", dir.path("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = read_csv(dir.path("out/study.csv"));
  ASSERT_EQ(rows.size(), 2u);
  const auto summary =
      json::parse(read_file(dir.path("out/runs/static-partition-base/seed-1/summary.json")));
  double v = 0;
  ASSERT_TRUE(summary_value(summary, "inference.services.reason-405b.slo_attainment", v));
  EXPECT_NEAR(std::stod(rows[0].at("inference.services.reason-405b.slo_attainment")), v, 1e-9);
  EXPECT_GT(v, 0);
  EXPECT_EQ(rows[0].at("pools.b300.allocation_utilization"), "");  // no such pool there
  EXPECT_NE(rows[1].at("pools.b300.allocation_utilization"), "");
}

TEST(Study, EconomicsInAStudyReachEveryRunAndItsHash) {
  TempDir dir;
  const auto spec =
      dir.write("s.json", study_file(R"({"seeds": [1], "economics": {"discount_rate": 0.12,
                              "capex_per_gpu": {"B300": 60000}},
                              "fleets": [{"name": "base"}, {"name": "b300", "changes": ["B300:+72"]}]})")
                              .dump());
  const auto r = run_cli({"study", spec, "--out", dir.path("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(read_file(dir.path("out/inputs/economics.json")))["discount_rate"], 0.12);
  // The base fleet has no B300 pool: its runs get the overrides of their own models.
  const auto base = json::parse(read_file(dir.path("out/inputs/economics-base.json")));
  EXPECT_FALSE(base["capex_per_gpu"].contains("B300"));
  for (const auto& row : read_csv(dir.path("out/manifest.csv")))
    EXPECT_NE(row.at("command").find("--economics"), std::string::npos) << row.at("command");
  const auto more =
      json::parse(read_file(dir.path("out/runs/easy-backfill-b300/seed-1/summary.json")));
  EXPECT_EQ(more["economics"]["parameters"]["discount_rate"], 0.12);
  double capex = 0;
  ASSERT_TRUE(summary_value(more, "economics.pools.b300.capex_per_gpu_usd", capex));
  EXPECT_EQ(capex, 60000);
  // Other economics, other runs: the configuration hash holds the file's bytes.
  const auto again =
      run_cli({"study",
               dir.write("s.json", study_file(R"({"seeds": [1], "economics": {"discount_rate": 0.1,
                              "capex_per_gpu": {"B300": 60000}},
                              "fleets": [{"name": "base"}, {"name": "b300", "changes": ["B300:+72"]}]})")
                                       .dump()),
               "--out", dir.path("out")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("4 runs, 0 done before"), std::string::npos) << again.err;
  const auto bad =
      run_cli({"study", dir.write("b.json", study_file(R"({"economics": {"pue": 0.5}})").dump()),
               "--out", dir.path("bad")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("economics.pue"), std::string::npos) << bad.err;
  const auto model = run_cli(
      {"study",
       dir.write("m.json", study_file(R"({"economics": {"capex_per_gpu": {"B300": 1}}})").dump()),
       "--out", dir.path("bad")});
  EXPECT_EQ(model.exit_code, 2);
  EXPECT_NE(model.err.find("the study has no GPU model 'B300'"), std::string::npos) << model.err;
  const auto service = run_cli(
      {"study",
       dir.write("v.json",
                 study_file(R"({"economics": {"usd_per_million_units": {"chat-7b": 1}}})").dump()),
       "--out", dir.path("bad")});
  EXPECT_EQ(service.exit_code, 2);
  EXPECT_NE(service.err.find("economics.usd_per_million_units.chat-7b: the study has no service "
                             "'chat-7b' (did you mean 'chat-70b'?)"),
            std::string::npos)
      << service.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("bad")));
}

TEST(Study, ASweepExpandsIntoOneEntryPerValue) {
  TempDir dir;
  const auto spec = load_study(dir.write("s.json", R"({"format": "gpufleet-study", "version": 1,
    "seeds": [1], "policies": ["static-partition",
      {"policy": "lease-idle", "params": ["lease_headroom={h}"], "sweep": {"h": [0, 0.1, "0.25"]}}],
    "fleets": [{"name": "today"},
      {"name": "more GB300", "changes": ["GB300:+{n}"], "sweep": {"n": [72, 144]}},
      {"name": "lend {pct}% of H200", "changes": ["contract:H200:{pct}%@2.6"],
       "sweep": {"pct": [10, 30]}}]})"));
  ASSERT_EQ(spec.policies.size(), 4u);
  EXPECT_EQ(spec.policies[2].params, std::vector<std::string>{"lease_headroom=0.1"});
  EXPECT_EQ(spec.policies[3].params, std::vector<std::string>{"lease_headroom=0.25"});
  ASSERT_EQ(spec.fleets.size(), 5u);
  EXPECT_EQ(spec.fleets[1].name, "more GB300 (n=72)");
  EXPECT_EQ(spec.fleets[2].changes, std::vector<std::string>{"GB300:+144"});
  EXPECT_EQ(spec.fleets[4].name, "lend 30% of H200");
  EXPECT_EQ(spec.fleets[4].changes, std::vector<std::string>{"contract:H200:30%@2.6"});
  const auto arms = spec.arms();
  ASSERT_EQ(arms.size(), 20u);
  EXPECT_EQ(arms[1].name, "lease-idle [lease_headroom=0] @ today");
  const std::string head = R"({"format": "gpufleet-study", "version": 1, "seeds": [1], )";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"("policies": [{"policy": "lease-idle", "params": ["lease_headroom={x}"]}])",
       "policies[0].params[0]: unknown placeholder {x}"},
      {R"("policies": [{"policy": "lease-idle", "params": ["lease_headroom={x}"],
          "sweep": {"h": [0]}}])",
       "unknown placeholder {x}"},
      {R"("policies": [{"policy": "lease-idle", "params": ["a={h}"], "sweep": {"h": []}}])",
       "policies[0].sweep.h: empty"},
      {R"("policies": [{"policy": "lease-idle", "params": ["a={h}"], "sweep": {"h": [1], "k": [2]}}])",
       "sweeps 2 variables"},
      {R"("policies": [{"policy": "lease-idle", "params": ["a=1"], "sweep": {"h": [1, 2]}}])",
       "{h} appears nowhere"},
      {R"("policies": [{"policy": "lease-idle", "params": ["a={h}"], "sweep": {"h": [1, 1]}}])",
       "two arms are named 'lease-idle [a=1] @ base'"},
      {R"("policies": ["static-partition"], "fleets": [{"name": "x {n}", "changes": ["GB300:+72"],
          "sweep": {"n": [1, 1]}}])",
       "two fleets are named 'x 1'"}};
  for (const auto& [text, error] : bad) {
    try {
      load_study(dir.write("bad.json", head + text + "}"));
      ADD_FAILURE() << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(error), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace gpufleet::test

namespace gpufleet::test {
namespace {

// A real single-node Slurm, started for this test and stopped by PID (scripts/slurm-local.sh).
// One at a time on a machine (a lock held from start to stop): two tests starting theirs at
// once under `ctest -j2` could pick the same free ports before either listened, and one
// cluster then rejected the other's munge credentials.
class LocalSlurm {
 public:
  explicit LocalSlurm(const TempDir& dir)
      : lock_(::open("/tmp/gpufleet-local-slurm.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0644)),
        dir_(dir.path("slurm")),
        log_(dir.path("slurm.log")) {
    if (lock_ >= 0) ::flock(lock_, LOCK_EX);
    status_ = run_shell("scripts/slurm-local.sh start '" + dir_ + "' > '" + log_ + "' 2>&1");
  }
  ~LocalSlurm() {
    run_shell("scripts/slurm-local.sh stop '" + dir_ + "' >> '" + log_ + "' 2>&1");
    if (lock_ >= 0) ::close(lock_);  // releases the lock
  }
  LocalSlurm(const LocalSlurm&) = delete;
  LocalSlurm& operator=(const LocalSlurm&) = delete;
  int status() const { return status_; }
  std::string conf() const { return dir_ + "/slurm.conf"; }
  std::string log() const { return read_file(log_); }

 private:
  int lock_;
  std::string dir_, log_;
  int status_ = -1;
};

TEST(StudyOnSlurm, AJobArrayGivesTheSameStudyAsLocalRuns) {
  TempDir dir;
  const LocalSlurm slurm(dir);
  if (slurm.status() == 3) GTEST_SKIP() << "no Slurm here: " << slurm.log();
  ASSERT_EQ(slurm.status(), 0) << slurm.log();
  const auto spec = dir.write("study.json", kSmallStudy);
  const auto local = run_cli({"study", spec, "--out", dir.path("local")});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  setenv("SLURM_CONF", slurm.conf().c_str(), 1);
  const auto batch = run_cli({"study", spec, "--backend", "slurm", "--out", dir.path("slurm-out")});
  unsetenv("SLURM_CONF");
  ASSERT_EQ(batch.exit_code, 0) << batch.err << slurm.log();
  EXPECT_NE(batch.err.find("as one Slurm job array"), std::string::npos) << batch.err;
  for (const char* file : {"study.csv", "study_summary.csv"})
    EXPECT_EQ(read_file(dir.path(std::string("local/") + file)),
              read_file(dir.path(std::string("slurm-out/") + file)))
        << file;
  EXPECT_TRUE(std::filesystem::exists(dir.path("slurm-out/slurm/array.sh")));
  // A cluster whose MaxArraySize is 3 (scontrol says so): the 12 runs go as 4 arrays, and the
  // study is the same.
  const std::string bin = dir.path("bin");
  std::filesystem::create_directories(bin);
  dir.write("bin/scontrol", "#!/bin/sh\necho 'MaxArraySize            = 3'\n");
  std::filesystem::permissions(bin + "/scontrol", std::filesystem::perms::owner_all);
  const std::string path = std::getenv("PATH");
  setenv("PATH", (bin + ":" + path).c_str(), 1);
  setenv("SLURM_CONF", slurm.conf().c_str(), 1);
  // A '%' in the folder: escaped where Slurm reads patterns (--output), plain elsewhere.
  const auto split = run_cli({"study", spec, "--backend", "slurm", "--out", dir.path("split%a%%")});
  unsetenv("SLURM_CONF");
  setenv("PATH", path.c_str(), 1);
  ASSERT_EQ(split.exit_code, 0) << split.err << slurm.log();
  EXPECT_NE(split.err.find("12 runs as 4 Slurm job arrays (the cluster's MaxArraySize is 3)"),
            std::string::npos)
      << split.err;
  EXPECT_EQ(read_file(dir.path("local/study.csv")), read_file(dir.path("split%a%%/study.csv")));
  int task_outputs = 0;  // --output=DIR/task-%A-%a.out, with DIR's '%' escaped: in DIR
  for (const auto& f : std::filesystem::directory_iterator(dir.path("split%a%%/slurm")))
    task_outputs += f.path().filename().string().rfind("task-", 0) == 0;
  EXPECT_EQ(task_outputs, 12);
}

// The output of a shell command line ("" when it fails).
std::string shell_output(const std::string& command, const TempDir& dir) {
  const std::string out = dir.path("shell.out");
  run_shell(command + " > '" + out + "' 2>/dev/null");
  return read_file(out);
}

// A study stopped by SIGTERM while its array runs takes the array with it (scancel) and its
// sbatch --wait waiter: nothing keeps writing into its folder.
TEST(StudyOnSlurm, AStoppedStudyCancelsItsArray) {
  TempDir dir;
  const LocalSlurm slurm(dir);
  if (slurm.status() == 3) GTEST_SKIP() << "no Slurm here: " << slurm.log();
  ASSERT_EQ(slurm.status(), 0) << slurm.log();
  // Runs of 60 days of the whole scenario, one at a time: the array runs for many seconds.
  const auto spec = dir.write("study.json", R"({"format": "gpufleet-study", "version": 1,
    "days": 60, "seeds": [1, 2], "policies": ["static-partition", "easy-backfill"]})");
  const std::string out = dir.path("out"), conf = "SLURM_CONF='" + slurm.conf() + "' ";
  run_shell(conf + "'" + GPUFLEET_CLI + "' study -q --backend slurm --jobs 1 '" + spec +
            "' --out '" + out + "' >/dev/null 2>&1 & echo $! > '" + dir.path("pid") + "'");
  const int pid = std::atoi(read_file(dir.path("pid")).c_str());
  ASSERT_GT(pid, 0);
  std::string job;
  for (int i = 0; i < 600 && job.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    job = read_file(out + "/slurm/sbatch-0.out");
    job = job.substr(0, job.find_first_not_of("0123456789"));
  }
  ASSERT_FALSE(job.empty()) << slurm.log();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  std::string queued = "?";
  for (int i = 0; i < 300 && !queued.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    queued = shell_output(conf + "squeue -h -j " + job + " -t PENDING,RUNNING,COMPLETING", dir);
  }
  EXPECT_EQ(queued, "") << "array " << job << " still queued or running";
  EXPECT_NE(shell_output(conf + "scontrol -o show job " + job, dir).find("JobState=CANCELLED"),
            std::string::npos);
  EXPECT_NE(::kill(pid, 0), 0);  // the study itself is gone
  // No sbatch --wait left for the folder.
  for (const auto& proc : std::filesystem::directory_iterator("/proc")) {
    const std::string cmdline = read_file(proc.path().string() + "/cmdline");
    EXPECT_FALSE(cmdline.find("sbatch") != std::string::npos &&
                 cmdline.find(out) != std::string::npos)
        << proc.path();
  }
}

}  // namespace
}  // namespace gpufleet::test
