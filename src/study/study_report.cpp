#include "study/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "charts/chart.hpp"
#include "charts/html_page.hpp"

namespace gpufleet {

namespace {

using report::ChartText;
using report::HtmlPage;
using report::Series;
using report::Whiskers;

// Arms are numbered in the tables and named by number under the bars: their names are long.
std::string numbered(size_t arm, const std::string& name) {
  return "#" + std::to_string(arm + 1) + " " + name;
}

// "mean [low, high]" in the headline's unit; with a sign for differences.
std::string interval(const MeanInterval& m, double factor, bool with_sign = false) {
  char text[96];
  std::snprintf(text, sizeof text, with_sign ? "%+.2f [%+.2f, %+.2f]" : "%.2f [%.2f, %.2f]",
                m.mean * factor, m.low * factor, m.high * factor);
  return text;
}

// "arm vs baseline" rows: the paired differences that decide.
void verdicts(HtmlPage& page, const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  std::vector<std::vector<std::string>> rows{
      {"arm, against " + numbered(spec.baseline, arms[spec.baseline].name)}};
  for (const auto& h : study_headlines()) rows[0].push_back(h.label + " (" + h.unit + ")");
  long fewest = -1;
  for (size_t a = 0; a < arms.size(); ++a) {
    if (static_cast<int>(a) == spec.baseline) continue;
    std::vector<std::string> row{numbered(a, arms[a].name)};
    long n = 0;
    for (const auto& h : study_headlines()) {
      const auto f = arm_figure(spec, runs, static_cast<int>(a), h.metric);
      row.push_back(interval(f.diff, h.factor, true));
      n = std::max(n, f.diff.n);
    }
    fewest = fewest < 0 ? n : std::min(fewest, n);
    rows.push_back(std::move(row));
  }
  page.section("Verdicts",
               "Each arm minus the baseline, seed by seed (every arm ran the same workload on "
               "each seed), mean and 95% confidence interval over " +
                   std::to_string(std::max(fewest, 0L)) +
                   " or more seeds. An interval that does not contain 0 is a difference the seeds "
                   "cannot explain.");
  page.table(rows);
}

// Bars of one metric per arm, with whiskers; none when every bar would be the same.
void bars(HtmlPage& page, const StudySpec& spec, const std::vector<StudyRun>& runs,
          const StudyHeadline& h, bool paired) {
  const auto arms = spec.arms();
  std::vector<std::string> names;
  Series values{paired ? "difference" : "mean", {}, {}, {}, false};
  Whiskers ci;
  for (size_t a = 0; a < arms.size(); ++a) {
    if (paired && static_cast<int>(a) == spec.baseline) continue;
    const auto f = arm_figure(spec, runs, static_cast<int>(a), h.metric);
    const auto& m = paired ? f.diff : f.own;
    names.push_back("#" + std::to_string(a + 1));
    values.y.push_back(m.mean * h.factor);
    ci.low.push_back(m.low * h.factor);
    ci.high.push_back(m.high * h.factor);
  }
  // No chart of bars that all look the same: the means must spread over 0.1% of their size.
  double lo = INFINITY, hi = -INFINITY, size = 0;
  for (double v : values.y) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    size = std::max(size, std::abs(v));
  }
  // Nor of differences that are rounding noise (1e-6 of a point, a dollar...).
  if (names.empty() || hi - lo <= 1e-3 * size || size < 1e-6) return;
  const std::string title = paired ? h.label + ": arm minus baseline" : h.label + " by arm";
  page.figure(report::bar_chart(ChartText{title, "", h.unit}, names, {values}, {ci}),
              paired ? "Paired difference against " + arms[spec.baseline].name +
                           ", with its 95% confidence interval."
                     : "Mean over seeds, with its 95% confidence interval.");
}

void means_table(HtmlPage& page, const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  std::vector<std::vector<std::string>> rows{{"metric (mean [95% CI])"}};
  for (size_t a = 0; a < arms.size(); ++a) rows[0].push_back("#" + std::to_string(a + 1));
  for (const auto& metric : spec.metrics) {
    std::vector<std::string> row{metric};
    for (size_t a = 0; a < arms.size(); ++a)
      row.push_back(interval(arm_figure(spec, runs, static_cast<int>(a), metric).own, 1));
    rows.push_back(std::move(row));
  }
  std::string legend;
  for (size_t a = 0; a < arms.size(); ++a) legend += (a ? "; " : "") + numbered(a, arms[a].name);
  page.section("Every metric",
               "Means over the seeds that ran, per arm (study_summary.csv): " + legend + ".");
  page.table(rows);
}

// How a trade-off axis reads: the headline's label and unit, or the key itself.
StudyHeadline axis_of(const std::string& metric) {
  if (metric == "lease.revenue_usd") return {metric, "lease revenue", "k USD", 1e-3};
  for (const auto& h : study_headlines())
    if (h.metric == metric) return h;
  return {metric, metric, "", 1};
}

// Arms that differ only in the values of their parameters form one line: the same policy,
// forecast and parameter names.
std::string line_of(const StudySpec& spec, const StudyArm& arm) {
  const auto& p = spec.policies[arm.policy];
  std::string key = p.name + " {" + (p.forecast.empty() ? spec.forecast : p.forecast) + "}";
  for (const auto& param : p.params) {
    const auto name = param.substr(0, param.find('='));
    if (name != "lease_headroom" || p.params.size() == 1) key += " " + name;
  }
  return key;
}

// y against each x, one chart per x and one line per policy and forecast, the arms of a line in
// order of x: where lending inference GPUs stops paying for the requests it makes late.
void tradeoff(HtmlPage& page, const StudySpec& spec, const std::vector<StudyRun>& runs) {
  if (spec.tradeoff_x.empty() || spec.tradeoff_y.empty()) return;
  const auto arms = spec.arms();
  const StudyHeadline y = axis_of(spec.tradeoff_y);
  std::vector<std::string> keys;  // lines, in the order of their first arm
  for (const auto& arm : arms)
    if (std::find(keys.begin(), keys.end(), line_of(spec, arm)) == keys.end())
      keys.push_back(line_of(spec, arm));
  page.section("Trade-off",
               y.label + " against " + axis_of(spec.tradeoff_x.front()).label +
                   ": each point is an arm's mean over the seeds, and arms that differ only in "
                   "a parameter's value are joined (the tables below give every 95% confidence "
                   "interval).");
  for (const auto& metric : spec.tradeoff_x) {
    const StudyHeadline x = axis_of(metric);
    std::vector<Series> lines;
    std::string alone;  // arms that are a line of their own
    for (const auto& key : keys) {
      std::vector<std::pair<double, double>> points;
      std::vector<size_t> members;
      for (size_t a = 0; a < arms.size(); ++a) {
        if (line_of(spec, arms[a]) != key) continue;
        points.emplace_back(
            arm_figure(spec, runs, static_cast<int>(a), x.metric).own.mean * x.factor,
            arm_figure(spec, runs, static_cast<int>(a), y.metric).own.mean * y.factor);
        members.push_back(a);
      }
      if (points.size() < 2) {
        char text[160];
        std::snprintf(text, sizeof text, "%s%s at %.2f %s, %.1f %s", alone.empty() ? "" : "; ",
                      numbered(members.front(), arms[members.front()].name).c_str(),
                      points.front().first, x.unit.c_str(), points.front().second, y.unit.c_str());
        alone += text;
        continue;
      }
      std::sort(points.begin(), points.end());
      Series line{key, {}, {}, {}, key.find("{oracle}") != std::string::npos};
      for (const auto& [px, py] : points) {
        line.x.push_back(px);
        line.y.push_back(py);
      }
      lines.push_back(std::move(line));
    }
    page.figure(
        report::line_chart(ChartText{y.label + " against " + x.label, x.label + " (" + x.unit + ")",
                                     y.label + " (" + y.unit + ")"},
                           lines),
        "Dashed: the oracle, which reads future demand (a reference, not a policy)." +
            (alone.empty() ? std::string() : " Not drawn: " + alone + "."));
  }
}

}  // namespace

std::string study_report_html(const StudySpec& spec, const std::vector<StudyRun>& runs) {
  long failed = 0;
  for (const auto& r : runs) failed += !r.ok;
  HtmlPage page("Study: " + spec.file, std::to_string(spec.arms().size()) + " arms x " +
                                           std::to_string(spec.seeds.size()) + " seeds, scenario " +
                                           spec.scenario + "; " + std::to_string(failed) +
                                           " runs failed (study.csv says why)");
  verdicts(page, spec, runs);
  tradeoff(page, spec, runs);
  page.section("Paired differences", "");
  for (const auto& h : study_headlines()) bars(page, spec, runs, h, true);
  page.section("Each arm", "");
  for (const auto& h : study_headlines()) bars(page, spec, runs, h, false);
  means_table(page, spec, runs);
  return page.finish();
}

}  // namespace gpufleet
