#include "study/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "charts/chart.hpp"
#include "charts/html_page.hpp"
#include "report/comparison.hpp"
#include "report/figure_format.hpp"

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

// The period of the study's money: every run has the same horizon.
std::string period_of(const std::vector<StudyRun>& runs) {
  for (const auto& r : runs)
    if (r.ok) return report::period_text(r.summary.value("horizon_s", 0.0));
  return "the run";
}

// "+1.2 [+0.4, +2.0]": a paired difference in the metric's displayed unit.
std::string difference_text(const MeanInterval& m, report::Unit unit) {
  return report::display_number(m.mean, unit, true) + " [" +
         report::display_number(m.low, unit, true) + ", " +
         report::display_number(m.high, unit, true) + "]";
}

// "17.3 [16.6, 18.0]": a mean in the metric's displayed unit, its CI clipped to what the
// figure can be (no negative wait, no share above 100%); a clipped bound is starred.
std::string mean_text(const MeanInterval& m, const std::string& metric, bool& clipped) {
  const report::Unit unit = report::unit_of_key(metric);
  double low = m.low, high = m.high;
  std::string low_mark, high_mark;
  if (report::bounded_figure(metric) && low < 0) {
    low = 0;
    low_mark = "*";
  }
  const bool fraction = unit == report::Unit::kPercent || unit == report::Unit::kAttainment;
  if (fraction && report::bounded_figure(metric) && high > 1 && m.mean <= 1) {
    high = 1;
    high_mark = "*";
  }
  clipped = clipped || !low_mark.empty() || !high_mark.empty();
  return report::display_number(m.mean, unit) + " [" + report::display_number(low, unit) +
         low_mark + ", " + report::display_number(high, unit) + high_mark + "]";
}

// A money figure per year says so; the others are over the run's window.
std::string period_for(const std::string& metric, const std::string& window) {
  return metric.find("fleet_per_year") != std::string::npos ? "year" : window;
}

// "training capacity gap (points)", "net value per year ($M per year)".
std::string difference_header(const StudyHeadline& h, const std::string& period) {
  return h.label + " (" +
         report::difference_unit_text(report::unit_of_key(h.metric), period_for(h.metric, period)) +
         ")";
}

std::string arm_legend(const StudySpec& spec) {
  const auto arms = spec.arms();
  std::string legend;
  for (size_t a = 0; a < arms.size(); ++a) legend += (a ? "; " : "") + numbered(a, arms[a].name);
  return legend;
}

// The paired differences that decide: one row per headline figure, one column per arm.
void verdicts(HtmlPage& page, const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  const std::string period = period_of(runs);
  std::vector<std::vector<std::string>> rows{{"arm minus #" + std::to_string(spec.baseline + 1)}};
  for (size_t a = 0; a < arms.size(); ++a)
    if (static_cast<int>(a) != spec.baseline) rows[0].push_back("#" + std::to_string(a + 1));
  long fewest = -1;
  for (const auto& h : study_headlines(runs)) {
    std::vector<std::string> row{difference_header(h, period)};
    for (size_t a = 0; a < arms.size(); ++a) {
      if (static_cast<int>(a) == spec.baseline) continue;
      const auto f = arm_figure(spec, runs, static_cast<int>(a), h.metric);
      row.push_back(f.diff.n > 0 ? difference_text(f.diff, report::unit_of_key(h.metric)) : "-");
      fewest = fewest < 0 ? f.diff.n : std::min(fewest, f.diff.n);
    }
    rows.push_back(std::move(row));
  }
  page.section("Verdicts",
               "Each arm minus the baseline, seed by seed (every arm ran the same workload on "
               "each seed), mean and 95% confidence interval over " +
                   std::to_string(std::max(fewest, 0L)) +
                   " or more seeds. Points are percentage points; money is over the run (" +
                   period +
                   ") or per year. An interval that does not contain 0 is a difference the seeds "
                   "cannot explain. Arms: " +
                   arm_legend(spec) + ".");
  // About six arms side by side fit the page; more go to further tables.
  for (const auto& part : report::split_to_width(rows, 200)) page.table(part);
}

std::string payback_text(const Investment& inv) {
  const auto years = [](const std::optional<double>& y) {
    char text[32];
    if (!y) return std::string("never");
    std::snprintf(text, sizeof text, "%.2f", *y);
    return std::string(text);
  };
  if (!inv.payback_years) return inv.capex_usd > 0 ? "never (no gain)" : "- (no capex)";
  return years(inv.payback_years) + " [" + years(inv.payback_low) + ", " + years(inv.payback_high) +
         "]";
}

// Each arm against the baseline as an investment: what its GPUs cost up front, the yearly cash
// it changes, and what that is worth over the GPUs' life.
void investments(HtmlPage& page, const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  const auto money = report::Unit::kMillionUsd;
  std::vector<std::vector<std::string>> rows{{"arm", "capex of the GPUs it adds ($M)",
                                              "yearly cash flow ($M a year)", "NPV ($M)",
                                              "payback (years)"}};
  Investment any;
  for (size_t a = 0; a < arms.size(); ++a) {
    if (static_cast<int>(a) == spec.baseline) continue;
    const Investment inv = arm_investment(spec, runs, static_cast<int>(a));
    if (inv.n == 0) continue;
    any = inv;
    rows.push_back({numbered(a, arms[a].name), report::display_number(inv.capex_usd, money),
                    difference_text(inv.cash_flow, money), difference_text(inv.npv, money),
                    payback_text(inv)});
  }
  if (rows.size() == 1) return;
  char terms[200];
  std::snprintf(terms, sizeof terms, "%g years at a discount rate of %g%%", any.life_years,
                100 * any.discount_rate);
  page.section("As an investment",
               "Against " + numbered(spec.baseline, arms[spec.baseline].name) +
                   ", paired by seed, 95% confidence intervals. Capex: the GPUs the arm's fleet "
                   "adds, at their capex per GPU. Yearly cash flow: the change in net value per "
                   "year plus depreciation (not cash; the capex is paid up front instead). NPV "
                   "over the GPUs' life, " +
                   std::string(terms) +
                   ", assuming the simulated year's rate repeats (a contract's terms renewed); "
                   "payback = capex / yearly cash flow. An arm that also changes the policy "
                   "counts the policy's gain: read it beside the same policy on the baseline's "
                   "fleet.");
  page.table(rows);
}

// Whether every value rounds to 0 at the unit's displayed decimals.
bool all_round_to_zero(const std::vector<double>& values, report::Unit unit) {
  const double half = report::display_resolution(unit) / 2;
  for (double v : values)
    if (std::abs(v * report::display_factor(unit)) >= half) return false;
  return true;
}

// "99.83%", "1.36 $M per 30 days": a mean with its unit, for a line of text.
std::string value_with_unit(double raw, report::Unit unit, const std::string& period) {
  return unit == report::Unit::kMillionUsd
             ? report::display_number(raw, unit) + " " + report::unit_text(unit, period)
             : report::display_value(raw, unit);
}

// Bars of one metric per arm, with whiskers. Paired differences that all round to 0 are said
// in words, not drawn; means that all look the same are left out with a line saying so. The
// axis spans at least ten steps of the displayed rounding, so noise never fills the chart.
void bars(HtmlPage& page, const StudySpec& spec, const std::vector<StudyRun>& runs,
          const StudyHeadline& h, bool paired) {
  const auto arms = spec.arms();
  const report::Unit unit = report::unit_of_key(h.metric);
  const double factor = report::display_factor(unit);
  const std::string period = period_of(runs);
  std::vector<std::string> names;
  std::vector<double> raw;  // every mean and bound, in summary.json's unit
  Series values{paired ? "difference" : "mean", {}, {}, {}, false};
  Whiskers ci;
  for (size_t a = 0; a < arms.size(); ++a) {
    if (paired && static_cast<int>(a) == spec.baseline) continue;
    const auto f = arm_figure(spec, runs, static_cast<int>(a), h.metric);
    const auto& m = paired ? f.diff : f.own;
    if (m.n == 0) continue;
    names.push_back("#" + std::to_string(a + 1));
    values.y.push_back(m.mean * factor);
    ci.low.push_back(m.low * factor);
    ci.high.push_back(m.high * factor);
    raw.insert(raw.end(), {m.mean, m.low, m.high});
  }
  const std::string title = paired ? h.label + ": arm minus baseline" : h.label + " by arm";
  if (names.empty()) {
    page.figure_left_out(title, "no run gave " + h.metric);
    return;
  }
  if (paired && all_round_to_zero(raw, unit)) {
    const double step = report::display_resolution(unit) / factor;
    page.note_figure(title, "no difference (below " + report::display_number(step, unit) + " " +
                                report::difference_unit_text(unit, period_for(h.metric, period)) +
                                ")");
    return;
  }
  if (!paired) {
    const auto [lo, hi] = std::minmax_element(values.y.begin(), values.y.end());
    if (all_round_to_zero({(*hi - *lo) / factor}, unit)) {
      page.figure_left_out(title,
                           "every arm's mean is " +
                               value_with_unit(*lo / factor, unit, period_for(h.metric, period)) +
                               " to the shown decimals");
      return;
    }
  }
  const std::string axis = paired ? report::difference_unit_text(unit, period_for(h.metric, period))
                                  : report::unit_text(unit, period_for(h.metric, period));
  page.figure(report::bar_chart(ChartText{title, "", axis}, names, {values}, {ci},
                                10 * report::display_resolution(unit)),
              paired ? "Paired difference against " + arms[spec.baseline].name +
                           ", with its 95% confidence interval."
                     : "Mean over seeds, with its 95% confidence interval.");
}

void means_table(HtmlPage& page, const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  const std::string period = period_of(runs);
  std::vector<std::vector<std::string>> rows{{"metric, unit: mean [95% CI]"}};
  for (size_t a = 0; a < arms.size(); ++a) rows[0].push_back("#" + std::to_string(a + 1));
  bool clipped = false;
  for (const auto& metric : spec.metrics) {
    const std::string unit =
        report::unit_text(report::unit_of_key(metric), period_for(metric, period));
    std::vector<std::string> row{metric + (unit.empty() ? "" : ", " + unit)};
    for (size_t a = 0; a < arms.size(); ++a) {
      const auto m = arm_figure(spec, runs, static_cast<int>(a), metric).own;
      row.push_back(m.n > 0 ? mean_text(m, metric, clipped) : "-");
    }
    rows.push_back(std::move(row));
  }
  const std::string legend = arm_legend(spec);
  page.section("Every metric",
               "Means over the seeds that ran, per arm (study_summary.csv has them in raw "
               "units): " +
                   legend + "." +
                   (clipped ? " *: the interval's bound is clipped at what the figure can be "
                              "(0, or 100% for a share); the interval reached past it."
                            : ""));
  // Tables of about 160 characters: several arms side by side, the metric names repeated.
  for (const auto& part : report::split_to_width(rows, 160)) page.table(part);
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
  investments(page, spec, runs);
  tradeoff(page, spec, runs);
  page.section("Paired differences", "");
  for (const auto& h : study_headlines(runs)) bars(page, spec, runs, h, true);
  page.section("Each arm", "");
  for (const auto& h : study_headlines(runs)) bars(page, spec, runs, h, false);
  means_table(page, spec, runs);
  return page.finish();
}

}  // namespace gpufleet
