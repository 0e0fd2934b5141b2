#include <algorithm>
#include <cstdio>

#include "charts/chart.hpp"
#include "charts/html_page.hpp"
#include "report/figure_format.hpp"
#include "report/reports.hpp"
#include "report/run_series.hpp"

namespace gpufleet::report {

namespace {

using nlohmann::json;

double num(const json& s, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return s.contains(p) && s.at(p).is_number() ? s.at(p).get<double>() : 0;
}

// The sum of the figures at "/a/b+/c/d" (one pointer, or several joined by '+').
double sum(const json& s, const std::string& pointers) {
  double total = 0;
  size_t from = 0;
  for (size_t plus = pointers.find('+'); from <= pointers.size();
       from = plus + 1, plus = pointers.find('+', from)) {
    total += num(s, pointers.substr(from, plus == std::string::npos ? plus : plus - from));
    if (plus == std::string::npos) break;
  }
  return total;
}

// The successful runs, in the comparison's order.
std::vector<const RunData*> ok_runs(const std::vector<PolicyOutcome>& outcomes,
                                    const std::vector<RunData>& runs) {
  std::vector<const RunData*> ok;
  for (size_t i = 0; i < outcomes.size() && i < runs.size(); ++i)
    if (outcomes[i].ok) ok.push_back(&runs[i]);
  return ok;
}

// One bar series per policy over these categories, each a figure of the summary; left out,
// with a line saying so, when every value is 0.
void policy_bars(HtmlPage& page, const ChartText& text, const std::vector<const RunData*>& runs,
                 const std::vector<std::pair<std::string, std::string>>& categories, double factor,
                 const std::string& caption, const std::string& why_empty) {
  std::vector<std::string> names;
  for (const auto& c : categories) names.push_back(c.first);
  std::vector<Series> series;
  for (const auto* r : runs) {
    Series s{r->name, {}, {}, {}, false};
    for (const auto& c : categories) s.y.push_back(sum(r->summary, c.second) * factor);
    series.push_back(std::move(s));
  }
  if (has_nonzero(series))
    page.figure(bar_chart(text, names, series), caption);
  else
    page.figure_left_out(text.title, why_empty);
}

// The money chart's bars, from the comparison's money columns.
std::vector<std::pair<std::string, std::string>> money_categories() {
  return {{"cost", "/economics/fleet/cost_usd"},
          {"revenue", "/economics/fleet/lease_revenue_usd+/economics/fleet/contract_revenue_usd"},
          {"work value", "/economics/fleet/work_value_usd"},
          {"penalties", "/economics/fleet/sla_penalty_usd+/economics/fleet/shortfall_cost_usd"},
          {"net value", "/economics/fleet/net_value_usd"}};
}

std::vector<std::pair<std::string, std::string>> pool_categories(const RunData& run,
                                                                 const std::string& pointer_prefix,
                                                                 const std::string& field) {
  std::vector<std::pair<std::string, std::string>> categories;
  for (size_t p = 0; p < run.summary["pools"].size(); ++p)
    categories.emplace_back(run.summary["pools"][p]["name"],
                            pointer_prefix + std::to_string(p) + "/" + field);
  return categories;
}

void headline_bars(HtmlPage& page, const std::vector<const RunData*>& runs) {
  page.section("Policies side by side");
  const std::string all_zero = "every policy's value is 0";
  policy_bars(page, {"Fleet utilization", "", "% of the fleet"}, runs,
              {{"allocation", "/fleet/allocation_utilization"},
               {"effective", "/fleet/effective_utilization"}},
              100, "Allocation: GPU-time held / available. Effective: useful FLOPs / peak FLOPs.",
              all_zero);
  policy_bars(page, {"Training capacity gap and inference SLO attainment", "", "%"}, runs,
              {{"training capacity gap", "/training/capacity_gap"},
               {"inference SLO attainment", "/inference/slo_attainment"},
               {"SLO attainment, worst hour", "/inference/worst_hour_slo_attainment"}},
              100,
              "Capacity gap: demanded training GPU-hours not served in the run. SLO attainment: "
              "inference requests served within the latency target, over the run and in its "
              "worst hour.",
              all_zero);
  policy_bars(page, {"Training wait and JCT percentiles", "", "hours"}, runs,
              {{"wait p50", "/training/wait_s/p50"},
               {"wait p95", "/training/wait_s/p95"},
               {"JCT p50", "/training/jct_s/p50"},
               {"JCT p95", "/training/jct_s/p95"}},
              1.0 / 3600,
              "Started jobs for waits, completed jobs for JCT: read with the jobs still waiting.",
              "no training job waited or completed");
  const std::string period = period_text(num(runs.front()->summary, "/horizon_s"));
  policy_bars(page, {"Money over the run", "", unit_text(Unit::kMillionUsd, period)}, runs,
              money_categories(), 1e-6,
              "Cost = depreciation + power x PUE; revenue = lease + contract; work value = value "
              "of the work served; penalties = SLA credits + training shortfall. Net value = "
              "revenue + work value - penalties - cost (docs/reports.md).",
              all_zero);
  if (std::any_of(runs.begin(), runs.end(), [](const RunData* r) {
        return r->summary.value("/failures/enabled"_json_pointer, false);
      }))
    policy_bars(page, {"GPU-hours lost to failures, by where they went", "", "GPU-hours"}, runs,
                {{"redone work", "/failures/gpu_hours_lost/lost_work"},
                 {"restarts", "/failures/gpu_hours_lost/restart"},
                 {"checkpoints", "/failures/gpu_hours_lost/checkpoint"},
                 {"repair downtime", "/failures/gpu_hours_lost/repair_downtime"}},
                1,
                "With --failures on (docs/failures.md): work redone after interruptions, "
                "reloads, checkpoint writing, and failed GPUs waiting for repair.",
                "no failure struck in any run");
  const RunData& first = *runs.front();
  policy_bars(page, {"Allocation utilization per pool", "pool", "%"}, runs,
              pool_categories(first, "/pools/", "allocation_utilization"), 100,
              "GPU-time held / available, per pool (one GPU generation each).", all_zero);
  policy_bars(page, {"Effective utilization per pool", "pool", "%"}, runs,
              pool_categories(first, "/pools/", "effective_utilization"), 100,
              "Useful FLOPs / peak FLOPs, per pool.", all_zero);
  policy_bars(page, {"Lease revenue per pool", "pool", unit_text(Unit::kMillionUsd, period)}, runs,
              pool_categories(first, "/economics/pools/", "lease_revenue_usd"), 1e-6,
              "Accepted external leases: GPUs x hours held x price.", "no policy leased GPUs out");
  policy_bars(page, {"Energy per pool", "pool", "MWh (before PUE)"}, runs,
              pool_categories(first, "/pools/", "energy_kwh"), 1e-3,
              "GPU energy from SimGrid's energy plugin.", all_zero);
}

void time_lines(HtmlPage& page, const std::vector<const RunData*>& runs) {
  page.section("Over time and distributions");
  std::vector<Series> allocated, effective, waiting;
  std::vector<Samples> waits, jcts;
  for (const auto* r : runs) {
    PoolUsage u = pool_usage(*r, "");
    Series total{r->name, u.effective.x, std::vector<double>(u.effective.x.size(), 0.0), {}, false};
    for (const auto& c : u.allocated_by_class)
      for (size_t k = 0; k < c.y.size(); ++k) total.y[k] += c.y[k];
    allocated.push_back(total);
    u.effective.name = r->name;
    u.effective.color.clear();
    u.effective.dashed = false;
    effective.push_back(u.effective);
    Series gpus = training_queue(*r).gpus;
    gpus.name = r->name;
    gpus.color.clear();
    waiting.push_back(gpus);
    waits.push_back({r->name, training_waits_h(*r)});
    jcts.push_back({r->name, training_jcts_h(*r)});
  }
  page.figure(line_chart({"Fleet GPUs allocated", "time (days)", "GPUs"}, allocated),
              "Mean GPUs held per time bin, all classes and pools.");
  page.figure(line_chart({"Fleet effective GPUs", "time (days)", "GPUs"}, effective),
              "Useful FLOP/s divided by one GPU's peak, summed over pools.");
  if (!has_nonzero(waiting))
    page.figure_left_out("GPUs asked for by waiting training jobs", "no training job waited");
  else
    page.figure(
        line_chart({"GPUs asked for by waiting training jobs", "time (days)", "GPUs"}, waiting),
        "Training jobs submitted and not yet started, by the GPUs they ask for (jobs.csv): "
        "demand the fleet is not serving at that moment. Not the capacity gap, which is a "
        "share of the run's demanded GPU-hours.");
  page.figure(cdf_chart({"Training wait, CDF", "wait (hours)", "fraction of started jobs"}, waits),
              "Submission to first start; jobs still waiting at the horizon are not in it.");
  page.figure(cdf_chart({"Training JCT, CDF", "JCT (hours)", "fraction of completed jobs"}, jcts),
              "Submission to completion, completed jobs only.");
}

// A table of policies in parts of at most eight policy columns: wider runs off the page.
void html_tables(HtmlPage& page, const TextTable& table) {
  for (const auto& part : split_to_columns(table, 8)) page.table(part);
}

// The verdict first: each policy minus the baseline, its reading, and what one draw can say.
void verdict_section(HtmlPage& page, const std::vector<PolicyOutcome>& outcomes, size_t baseline) {
  const Verdict verdict = comparison_verdict(outcomes, baseline);
  page.section("Verdict: each policy against " + verdict.baseline,
               "Differences of one draw (" + verdict.draw +
                   "), without confidence intervals: gpufleet study runs several seeds and gives "
                   "them. Points are percentage points; money is over the run.");
  for (const auto& t : verdict_tables(verdict, 0)) html_tables(page, t);
  for (const auto& p : verdict.policies) page.paragraph(p.policy + ": " + p.reading + ".");
  if (verdict.policies.empty()) page.paragraph("One policy: nothing to compare it with.");
}

}  // namespace

std::string comparison_report_html(const std::vector<PolicyOutcome>& outcomes,
                                   const std::vector<RunData>& runs, size_t baseline) {
  const auto ok = ok_runs(outcomes, runs);
  std::string subtitle = std::to_string(outcomes.size()) + " policies on the same workload";
  if (!ok.empty()) {
    const json& s = ok.front()->summary;
    char text[128];
    std::snprintf(text, sizeof text, ": %d GPUs, %.1f days simulated, seed %lu",
                  s["fleet"]["gpus"].get<int>(), num(s, "/horizon_s") / 86400,
                  s.value("seed", 0ul));
    subtitle += text;
  }
  HtmlPage page("Policy comparison", subtitle);
  verdict_section(page, outcomes, baseline);
  page.section("Headline",
               "Utilization is named each time: allocation = GPU-time held / available; "
               "effective = useful FLOPs / peak FLOPs.");
  for (const auto& t : comparison_tables(outcomes, TableGroup::kHeadline, 0)) html_tables(page, t);
  for (const auto& f : failure_lines(outcomes)) page.paragraph(f);
  if (!ok.empty()) {
    headline_bars(page, ok);
    time_lines(page, ok);
  }
  page.section("Utilization per pool");
  for (const auto& t : comparison_tables(outcomes, TableGroup::kPools, 0)) html_tables(page, t);
  page.section(
      "Economics over the run",
      "Net value = lease and contract revenue + value of work served - SLA penalties - "
      "training shortfall - depreciation - power. Work is valued by what was served (training "
      "GPU-hours of demand at the transfer price, inference units on time), never by capacity "
      "held (docs/reports.md).");
  for (const auto& t : comparison_tables(outcomes, TableGroup::kEconomics, 0)) html_tables(page, t);
  return page.finish();
}

}  // namespace gpufleet::report
