// Studies (docs/studies.md): confidence intervals worked by hand, paired differences, fleet
// variants' rounding, and a study that resumes and keeps its failed runs.
#include <gtest/gtest.h>

#include <cstdlib>

#include "formats/workload_io.hpp"
#include "metrics/stats.hpp"
#include "study/fleet_variant.hpp"
#include "study/study_tables.hpp"
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
  ASSERT_EQ(rows.size(), 3u);
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
}

TEST(FleetVariant, CountsAreRoundedToWholeDomainsAndTheRoundingIsSaid) {
  std::vector<PoolSpec> fleet = {pool("GB300", 1440), pool("H100", 4960)};
  std::vector<std::string> notes;
  const auto changed =
      apply_fleet_changes(fleet, {"GB300:+500", "H100:-50%", "gb200:+100:training"}, notes);
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
  EXPECT_THROW(apply_fleet_changes(fleet, {"H100:-100%"}, notes), std::invalid_argument);
  EXPECT_THROW(apply_fleet_changes(fleet, {"H100:half"}, notes), std::invalid_argument);
  EXPECT_THROW(apply_fleet_changes(fleet, {"B200:-8"}, notes), std::invalid_argument);
}

TEST(FleetVariant, AContractTakesItsGpusOutAndBooksRevenueAgainstTheirCost) {
  std::vector<PoolSpec> fleet = {pool("H200", 1872), pool("H100", 4960)};
  std::vector<std::string> notes;
  std::vector<FleetContract> contracts;
  const auto changed = apply_fleet_changes(fleet, {"contract:H100:all@2.1"}, notes, &contracts);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].model, "H200");
  ASSERT_EQ(contracts.size(), 1u);
  EXPECT_EQ(contracts[0].gpus, 4960);
  // 30 days = 720 h: revenue 4960 x 720 x 2.1; depreciation 4960 x $50,000 x 720 / (5 x 8760);
  // power 4960 x 0.7 kW x 720 h x PUE 1.2 x $0.08.
  const auto c = contracts_json(contracts, 30 * 86400);
  EXPECT_NEAR(c.at("revenue_usd").get<double>(), 7499520, 1e-6);
  EXPECT_NEAR(c.at("depreciation_usd").get<double>(), 4076712.3288, 1e-3);
  EXPECT_NEAR(c.at("power_cost_usd").get<double>(), 239984.64, 1e-6);
  EXPECT_NEAR(c.at("margin_usd").get<double>(), 7499520 - 4076712.3288 - 239984.64, 1e-3);
  contracts.clear();
  const auto part = apply_fleet_changes(fleet, {"contract:H100:1000@3"}, notes, &contracts);
  EXPECT_EQ(part[1].gpus, 4960 - 1000);
  EXPECT_EQ(contracts.at(0).gpus, 1000);
  EXPECT_THROW(apply_fleet_changes(fleet, {"contract:H100:all"}, notes), std::invalid_argument);
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
  EXPECT_EQ(read_csv(dir.path("out/study_summary.csv")).size(), 4u * 16);
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
  // Runs of the whole seed scenario take several tenths of a second; the limit is 6 ms.
  const auto r =
      run_cli({"study", dir.write("study.json", R"({"format": "gpufleet-study", "version": 1,
                            "seeds": [1, 2], "policies": ["static-partition"],
                            "timeout_min": 0.0001})"),
               "--out", dir.path("out")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto rows = read_csv(dir.path("out/study.csv"));
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("status"), "failed");
    EXPECT_NE(row.at("error").find("timed out"), std::string::npos);
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

}  // namespace
}  // namespace gpufleet::test

namespace gpufleet::test {
namespace {

// A real single-node Slurm, started for this test and stopped by PID (scripts/slurm-local.sh).
class LocalSlurm {
 public:
  explicit LocalSlurm(const TempDir& dir) : dir_(dir.path("slurm")), log_(dir.path("slurm.log")) {
    status_ = run_shell("scripts/slurm-local.sh start '" + dir_ + "' > '" + log_ + "' 2>&1");
  }
  ~LocalSlurm() { run_shell("scripts/slurm-local.sh stop '" + dir_ + "' >> '" + log_ + "' 2>&1"); }
  int status() const { return status_; }
  std::string conf() const { return dir_ + "/slurm.conf"; }
  std::string log() const { return read_file(log_); }

 private:
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
}

}  // namespace
}  // namespace gpufleet::test
