// report.html: axes, well-formed self-contained HTML with one SVG per plot, errors, rendering.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "charts/axis.hpp"
#include "charts/chart.hpp"
#include "charts/svg.hpp"
#include "report/comparison.hpp"
#include "report/figure_format.hpp"
#include "study/study_report.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

TEST(ReportAxis, NiceTicksCoverTheRangeWithRoundSteps) {
  const auto t = report::nice_ticks(0, 97, 5);
  EXPECT_EQ(t.step, 20);
  EXPECT_EQ(t.lo, 0);
  EXPECT_EQ(t.hi, 100);
  EXPECT_EQ(t.values.size(), 6u);
  EXPECT_EQ(report::nice_ticks(0, 1, 5).step, 0.2);
  EXPECT_EQ(report::nice_ticks(0, 0, 5).hi, 1);  // an empty range still has an axis
  EXPECT_EQ(report::tick_label(1500, 500), "1.5k");
  EXPECT_EQ(report::tick_label(2000000, 1000000), "2M");
  EXPECT_EQ(report::tick_label(0.25, 0.05), "0.25");
  EXPECT_EQ(report::escape_xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}

// Checks that every tag is closed in order (HTML void elements excepted) and returns the
// problem, or "" when the markup is well formed.
std::string tag_balance_problem(const std::string& html) {
  static const std::set<std::string> kVoid = {"meta", "br", "hr", "img", "link", "input"};
  std::vector<std::string> open;
  const std::regex tag(R"(<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    if (m[2].length() == 0) continue;  // comment or doctype
    const std::string name = m[2];
    if (m[1] == "/") {
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes <" + (open.empty() ? "nothing" : open.back()) + ">";
      open.pop_back();
    } else if (m[3] != "/" && !kVoid.count(name)) {
      open.push_back(name);
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> never closed";
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Whether an SVG chart draws data: a bar of some height, or a line or area that is not flat
// (a flat line alone is a reference, such as a pool's size, or a series of zeros).
bool draws_data(const std::string& svg) {
  const std::regex bar(R"re(<rect [^>]*height="([0-9.]+)" [^>]*fill-opacity="0.85")re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator();
       ++it)
    if (std::stod((*it)[1]) > 0) return true;
  const std::regex shape(R"re(<(polyline fill="none"|polygon) points="([^"]+)")re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), shape); it != std::sregex_iterator();
       ++it) {
    std::set<std::string> ys;
    const std::string points = (*it)[2];
    const std::regex point(R"([-0-9.]+,([-0-9.]+))");
    for (auto p = std::sregex_iterator(points.begin(), points.end(), point);
         p != std::sregex_iterator(); ++p)
      ys.insert((*p)[1]);
    if (ys.size() > 1) return true;
  }
  return false;
}

// One <svg> per <figure>, each drawing data: a chart with nothing to show is left out.
void expect_charts_with_data(const std::string& html, size_t at_least) {
  EXPECT_GE(count(html, "<figure>"), at_least);
  EXPECT_EQ(count(html, "<svg "), count(html, "<figure>"));
  size_t at = 0, charts = 0;
  while ((at = html.find("<svg ", at)) != std::string::npos) {
    const size_t end = html.find("</svg>", at);
    ASSERT_NE(end, std::string::npos);
    const std::string svg = html.substr(at, end - at);
    EXPECT_TRUE(draws_data(svg)) << "a chart without data: " << svg.substr(0, 300);
    at = end;
    ++charts;
  }
  EXPECT_GE(charts, at_least);
}

void expect_self_contained(const std::string& html) {
  for (const char* external :
       {"http:", "https:", "src=", "href=", "@import", "url(", "<script", "<link", "@font-face"})
    EXPECT_EQ(html.find(external), std::string::npos) << external;
}

TEST(RunReport, IsWellFormedSelfContainedWithOneSvgPerPlot) {
  TempDir dir;
  const auto r = run_cli({"run", "--scale", "0.2", "--horizon", "3d", "--policy",
                          "easy-backfill+lease-idle", "--out", dir.path("out"), "--report", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = read_file(dir.path("out/report.html"));
  EXPECT_EQ(tag_balance_problem(html), "");
  // Fleet + 4 pools over time, queue, waiting GPUs, 2 CDFs, inference, energy, money.
  expect_charts_with_data(html, 12);
  expect_self_contained(html);
  for (const char* title : {"Whole fleet: allocated and effective GPUs", "Training queue length",
                            "GPUs asked for by waiting training jobs", "Training wait, CDF",
                            "Inference demand vs served", "Energy per pool"})
    EXPECT_NE(html.find("<title>" + std::string(title)), std::string::npos) << title;
  // Per service, TTFT and TPOT beside the per-unit latency p99 (the seed's served models).
  for (const char* header : {"latency p99 per unit", "TTFT p99", "TPOT p50", "reason-405b"})
    EXPECT_NE(html.find(header), std::string::npos) << header;
  EXPECT_NE(html.find("TTFT 2,000.0 ms, TPOT 200.0 ms"), std::string::npos);
  // And how its replicas churned (lease-idle holds them; starts are at least one per replica).
  for (const char* header : {"replica starts", "replica lifetime p10", "cold-start GPU-hours"})
    EXPECT_NE(html.find(header), std::string::npos) << header;
  const auto summary = nlohmann::json::parse(read_file(dir.path("out/summary.json")));
  for (const auto& svc : summary["inference"]["services"]) {
    const auto& replicas = svc["replicas"];
    EXPECT_NE(
        html.find("</td><td>" + report::format_cell(replicas["starts"], report::Unit::kCount) +
                  "</td><td>" +
                  report::format_cell(replicas["lifetime_p10_s"], report::Unit::kHours) +
                  "</td><td>" +
                  report::format_cell(replicas["cold_start_gpu_hours"], report::Unit::kCount) +
                  "</td></tr>"),
        std::string::npos)
        << svc["id"];
  }
  // GPUs waiting are not a capacity gap: no chart draws them under that name.
  EXPECT_EQ(html.find("capacity gap over time"), std::string::npos);
  // `report DIR` writes the same page from the files.
  const std::string first = html;
  ASSERT_EQ(run_cli({"report", dir.path("out")}).exit_code, 0);
  EXPECT_EQ(read_file(dir.path("out/report.html")), first);
}

TEST(ComparisonReport, IsWellFormedSelfContainedWithPoliciesSideBySide) {
  TempDir dir;
  const auto r = run_cli({"compare", "--policies", "static-partition,easy-backfill+lease-idle",
                          "--scale", "0.2", "--horizon", "2d", "--out", dir.path("cmp"), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = read_file(dir.path("cmp/report.html"));
  EXPECT_EQ(tag_balance_problem(html), "");
  // 7 bar charts (no lease revenue: nothing was leased in 2 days), 3 over time, 2 CDFs.
  expect_charts_with_data(html, 12);
  expect_self_contained(html);
  EXPECT_NE(html.find("easy-backfill+lease-idle"), std::string::npos);
  EXPECT_NE(html.find("Not drawn: Lease revenue per pool: no policy leased GPUs out."),
            std::string::npos);
  EXPECT_EQ(html.find("<title>Lease revenue per pool"), std::string::npos);
  // The verdict comes first, before the headline table and any chart.
  EXPECT_LT(html.find("Verdict: each policy against static-partition"), html.find("Headline"));
  EXPECT_LT(html.find("Verdict"), html.find("<svg"));
}

// A run that leases nothing gets no lease revenue chart, but a line saying why.
TEST(RunReport, AChartWithNoDataIsLeftOutWithALineSayingWhy) {
  TempDir dir;
  ASSERT_EQ(run_cli({"run", "--scale", "0.2", "--horizon", "2d", "--policy", "static-partition",
                     "--out", dir.path("out"), "--report", "-q"})
                .exit_code,
            0);
  const std::string html = read_file(dir.path("out/report.html"));
  const auto s = nlohmann::json::parse(read_file(dir.path("out/summary.json")));
  ASSERT_EQ(s["lease"]["accepted"], 0);  // the premise
  EXPECT_EQ(html.find("<title>Lease revenue per pool"), std::string::npos);
  EXPECT_NE(html.find("Not drawn: Lease revenue per pool: no GPU was leased out (0 leases "
                      "accepted)."),
            std::string::npos);
  expect_charts_with_data(html, 10);
  EXPECT_EQ(tag_balance_problem(html), "");
}

TEST(ReportFormat, UnitsComeFromTheKeyAndNumbersAreRoundedAndGrouped) {
  using report::Unit;
  EXPECT_EQ(report::unit_of_key("training.wait_s.p50"), Unit::kHours);
  EXPECT_EQ(report::unit_of_key("economics.fleet.net_value_usd"), Unit::kMillionUsd);
  EXPECT_EQ(report::unit_of_key("economics.fleet.cost_per_useful_eflop_usd"), Unit::kUsdPerEflop);
  EXPECT_EQ(report::unit_of_key("inference.slo_attainment"), Unit::kAttainment);
  EXPECT_EQ(report::unit_of_key("training.capacity_gap"), Unit::kPercent);
  EXPECT_EQ(report::unit_of_key("fleet.effective_utilization"), Unit::kPercent);
  EXPECT_EQ(report::unit_of_key("fleet.energy_kwh"), Unit::kKwh);
  EXPECT_EQ(report::unit_of_key("training.jobs_completed"), Unit::kCount);
  EXPECT_EQ(report::unit_of_key("training.bounded_slowdown.mean"), Unit::kRatio);
  // Request latency in ms, not hours.
  EXPECT_EQ(report::unit_of_key("inference.worst_ttft_p99_s"), Unit::kMilliseconds);
  EXPECT_EQ(report::unit_of_key("inference.services.chat-70b.tpot_p50_s"), Unit::kMilliseconds);
  EXPECT_EQ(report::unit_of_key("inference.services.chat-70b.latency_p99_s"), Unit::kMilliseconds);
  EXPECT_EQ(report::display_value(0.0385, Unit::kMilliseconds), "38.5 ms");
  EXPECT_EQ(report::display_value(0.1789, Unit::kPercent), "17.9%");
  EXPECT_EQ(report::display_value(0.99934, Unit::kAttainment), "99.93%");
  EXPECT_EQ(report::display_value(12240, Unit::kHours), "3.4 h");
  EXPECT_EQ(report::display_value(9273502.61, Unit::kMillionUsd), "$9.27M");
  EXPECT_EQ(report::display_value(-10040000, Unit::kMillionUsd), "-$10.04M");
  EXPECT_EQ(report::display_value(1234567, Unit::kCount), "1,234,567");
  EXPECT_EQ(report::display_value(5317400, Unit::kKwh), "5,317 MWh");
  // A difference that rounds to 0 has no sign: "-0.00" would claim a direction.
  EXPECT_EQ(report::display_number(-2e-6, Unit::kAttainment, true), "0.00");
  EXPECT_EQ(report::display_number(0.0123, Unit::kPercent, true), "+1.2");
  EXPECT_EQ(report::period_text(30 * 86400), "30 days");
  EXPECT_EQ(report::period_text(86400), "1 day");
  EXPECT_EQ(report::period_text(2.5 * 86400), "2.5 days");
  EXPECT_EQ(report::period_text(12 * 3600), "12 hours");
  EXPECT_EQ(report::unit_text(Unit::kMillionUsd, "30 days"), "$M per 30 days");
  EXPECT_TRUE(report::bounded_figure("training.wait_s.p50"));
  EXPECT_FALSE(report::bounded_figure("economics.fleet.net_value_usd"));
}

// A summary.json with just the figures the comparison tables read.
nlohmann::json fake_summary(double gap, double util, double slo, double worst_hour,
                            double net_value) {
  return {{"horizon_s", 30 * 86400},
          {"seed", 7},
          {"fleet", {{"gpus", 100}, {"effective_utilization", util}, {"energy_kwh", 1000}}},
          {"training", {{"capacity_gap", gap}}},
          {"inference", {{"slo_attainment", slo}, {"worst_hour_slo_attainment", worst_hour}}},
          {"economics", {{"fleet", {{"net_value_usd", net_value}}}}},
          {"pools", nlohmann::json::array()}};
}

TEST(CompareVerdict, ReadsBetterWorseAndTheSameAsTheRoundedDifferencesShowThem) {
  using report::PolicyOutcome;
  const std::vector<PolicyOutcome> outcomes = {
      {"base", "base", true, "", fake_summary(0.40, 0.20, 0.9990, 0.95, 10e6)},
      // Gap 10 points lower, SLO 0.10 points lower, utilization the same to 0.1 point,
      // worst hour 0.004 points higher (rounds to 0.00), net value $1.5M higher.
      {"trader", "trader", true, "", fake_summary(0.30, 0.20004, 0.9980, 0.95004, 11.5e6)},
      {"better", "better", true, "", fake_summary(0.35, 0.21, 0.9995, 0.96, 10.5e6)},
      {"broken", "broken", false, "exit code 3", {}}};
  const auto v = report::comparison_verdict(outcomes, 0);
  ASSERT_EQ(v.policies.size(), 3u);
  EXPECT_EQ(v.baseline, "base");
  EXPECT_EQ(v.period, "30 days");
  EXPECT_EQ(v.draw, "seed 7, 30 days");
  EXPECT_EQ(v.policies[0].reading,
            "trades SLO for training gap and net value; the same on effective utilization and "
            "SLO worst hour");
  EXPECT_EQ(v.policies[1].reading, "better on all");
  EXPECT_EQ(v.policies[2].reading, "failed: exit code 3");
  ASSERT_TRUE(v.policies[0].differences[0].has_value());
  EXPECT_NEAR(*v.policies[0].differences[0], -0.10, 1e-12);
  EXPECT_FALSE(v.policies[0].differences[4].has_value());  // no worst service: "-"
  const auto tables = report::verdict_tables(v);
  ASSERT_EQ(tables.size(), 1u);
  const std::string md = report::markdown_table(tables[0]);
  const auto row = [&](const std::string& pattern) {
    return std::regex_search(md, std::regex(pattern));
  };
  EXPECT_TRUE(row(R"(\| training capacity gap, points +\| +-10\.0 \| +-5\.0 \| +- \|)")) << md;
  EXPECT_TRUE(row(R"(\| net value, \$M per 30 days +\| +\+1\.50 \| +\+0\.50 \| +- \|)")) << md;
  EXPECT_TRUE(row(R"(\| worst service's SLO attainment, points +\| +- \| +- \| +- \|)")) << md;
  // A failed baseline gives no verdict, and says so.
  EXPECT_EQ(report::comparison_verdict({outcomes[3], outcomes[0]}, 0).policies[0].reading,
            "no verdict: the baseline failed");
}

TEST(CompareTables, EveryLineFitsOneHundredColumnsWhateverThePolicies) {
  using report::PolicyOutcome;
  std::vector<PolicyOutcome> outcomes;
  for (int i = 0; i < 9; ++i) {
    const std::string name =
        "easy-backfill+spillover+lease-idle+preempt-priority-" + std::to_string(i);
    outcomes.push_back({name, name, true, "", fake_summary(0.3, 0.2, 0.999, 0.95, -12.5e6)});
  }
  const std::string md = report::comparison_markdown(outcomes, 3);
  std::istringstream lines(md);
  size_t widest = 0, table_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    widest = std::max(widest, line.size());
    table_lines += line.rfind("|", 0) == 0;
  }
  EXPECT_LE(widest, 100u) << md;
  EXPECT_GT(table_lines, 20u);
  // Long names are numbered in the headers, and the legend names them all.
  EXPECT_NE(md.find("- #4 easy-backfill+spillover+lease-idle+preempt-priority-3 (baseline)"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("#9 |"), std::string::npos) << md;
  // Two short names stay names, side by side in one table.
  outcomes[0].policy = "fifo";
  outcomes[1].policy = "easy-backfill";
  const std::string short_names = report::comparison_markdown({outcomes[0], outcomes[1]}, 0);
  EXPECT_TRUE(
      std::regex_search(short_names, std::regex(R"(\| figure +\| +fifo \| easy-backfill \|)")))
      << short_names;
  EXPECT_EQ(short_names.find("#1"), std::string::npos);
  // Money carries its period; percentages keep their decimals.
  EXPECT_TRUE(std::regex_search(
      short_names, std::regex(R"(\| net value, \$M per 30 days +\| +-12\.50 \| +-12\.50 \|)")))
      << short_names;
  EXPECT_NE(short_names.find("99.90%"), std::string::npos);
}

TEST(ReportCharts, AnAxisSpansAtLeastItsMinimumSoNoiseDoesNotFillTheChart) {
  const report::Series noise{"difference", {}, {0.0002, -0.0001}, {}, false};
  const std::string full = report::bar_chart({"noise", "", "points"}, {"a", "b"}, {noise});
  const std::string calm = report::bar_chart({"noise", "", "points"}, {"a", "b"}, {noise}, {}, 0.1);
  const auto tallest = [](const std::string& svg) {
    double most = 0;
    const std::regex bar(R"re(<rect [^>]*height="([0-9.]+)" [^>]*fill-opacity="0.85")re");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator();
         ++it)
      most = std::max(most, std::stod((*it)[1]));
    return most;
  };
  EXPECT_GT(tallest(full), 100);  // without a minimum, 0.0002 points fills the plot
  EXPECT_LT(tallest(calm), 2);    // with 0.1 points of span, it is a sliver
}

// A study whose arms differ in the gap but not in SLO: the SLO difference chart says so in
// words, the gap chart draws bars, and the means table formats by unit.
TEST(StudyReport, DifferencesBelowTheRoundingAreSaidInWordsNotDrawn) {
  StudySpec spec;
  spec.file = "study.json";
  spec.seeds = {1, 2, 3};
  spec.policies = {{"static-partition", {}, ""}, {"easy-backfill", {}, ""}};
  spec.fleets = {{"base", {}}};
  spec.metrics = {"training.capacity_gap", "inference.slo_attainment", "training.wait_s.p50",
                  "economics.fleet.net_value_usd"};
  std::vector<StudyRun> runs;
  for (int arm = 0; arm < 2; ++arm)
    for (long seed : spec.seeds) {
      nlohmann::json s = {{"horizon_s", 30 * 86400}};
      s["training"] = {{"capacity_gap", 0.4 - 0.1 * arm + 0.01 * seed},
                       {"wait_s", {{"p50", seed == 1 ? 0.0 : 7200.0 * seed}}}};
      // 0.0002 points apart: below the 0.01 points SLO attainment is shown with.
      s["inference"] = {{"slo_attainment", 0.9993 + 0.000002 * arm * seed},
                        {"worst_hour_slo_attainment", 0.927}};
      s["fleet"] = {{"effective_utilization", 0.18 + 0.02 * arm}};
      s["economics"] = {{"fleet",
                         {{"margin_with_contracts_usd", 1e7 + 1e6 * arm * seed},
                          {"net_value_usd", 1e7 + 1e6 * arm * seed}}}};
      runs.push_back({arm, seed, "run", true, "", s});
    }
  const std::string html = study_report_html(spec, runs);
  EXPECT_EQ(tag_balance_problem(html), "");
  EXPECT_NE(html.find("inference SLO attainment: arm minus baseline</div>\n<p class=\"note-text\">"
                      "no difference (below 0.01 points)"),
            std::string::npos);
  EXPECT_EQ(html.find("<title>inference SLO attainment: arm minus baseline"), std::string::npos);
  EXPECT_NE(html.find("<title>training capacity gap: arm minus baseline"), std::string::npos);
  // Means by unit: the gap in %, a wait in hours with its CI clipped at 0, money in $M.
  EXPECT_NE(html.find("training.capacity_gap, %"), std::string::npos);
  EXPECT_NE(html.find("training.wait_s.p50, hours"), std::string::npos);
  EXPECT_NE(html.find("[0.0*, "), std::string::npos);
  EXPECT_NE(html.find("economics.fleet.net_value_usd, $M per 30 days"), std::string::npos);
  EXPECT_NE(html.find("99.93 [99.93, 99.93]"), std::string::npos);
  EXPECT_EQ(html.find("0.9993"), std::string::npos);  // no raw fraction
  // The verdict: the gap difference is -10.0 points exactly on every seed.
  EXPECT_NE(html.find("-10.0 [-10.0, -10.0]"), std::string::npos);
}

TEST(RunReport, MissingOrDamagedDirectoryGivesOneClearError) {
  TempDir dir;
  const auto missing = run_cli({"report", dir.path("nope")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope: no such directory"), std::string::npos) << missing.err;
  EXPECT_EQ(count(missing.err, "\n"), 1u);
  dir.write("empty/x", "");
  const auto empty = run_cli({"report", dir.path("empty")});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("summary.json: cannot read"), std::string::npos) << empty.err;
  dir.write("bad/summary.json", "{\"policy\": ");
  dir.write("bad/jobs.csv", "id\n");
  dir.write("bad/timeseries.csv", "time_s\n");
  const auto bad = run_cli({"report", dir.path("bad")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("summary.json: not valid JSON"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("bad/report.html")));
}

// scripts/render-report.sh draws the page with headless Chromium; the PNG must hold a page,
// not a blank window (a blank 1320 x 2400 PNG compresses to a few kB).
TEST(RunReport, RendersToANonBlankPngWithHeadlessChromium) {
  TempDir dir;
  ASSERT_EQ(run_cli({"run", "--scale", "0.2", "--horizon", "2d", "--out", dir.path("out"),
                     "--report", "-q"})
                .exit_code,
            0);
  const std::string png = dir.path("report.png");
  const std::string command = std::string(GPUFLEET_SOURCE_DIR) + "/scripts/render-report.sh '" +
                              dir.path("out/report.html") + "' '" + png + "' 1320 2400";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const std::string image = read_file(png);
  ASSERT_GT(image.size(), 8u);
  EXPECT_EQ(image.substr(1, 3), "PNG");
  EXPECT_GT(image.size(), 60000u);
}

}  // namespace
}  // namespace gpufleet::test
