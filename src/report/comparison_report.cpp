#include <algorithm>
#include <cstdio>

#include "charts/chart.hpp"
#include "charts/html_page.hpp"
#include "report/reports.hpp"
#include "report/run_series.hpp"

namespace gpufleet::report {

namespace {

using nlohmann::json;

double num(const json& s, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return s.contains(p) && s.at(p).is_number() ? s.at(p).get<double>() : 0;
}

// The successful runs, in the comparison's order.
std::vector<const RunData*> ok_runs(const std::vector<PolicyOutcome>& outcomes,
                                    const std::vector<RunData>& runs) {
  std::vector<const RunData*> ok;
  for (size_t i = 0; i < outcomes.size() && i < runs.size(); ++i)
    if (outcomes[i].ok) ok.push_back(&runs[i]);
  return ok;
}

// One bar series per policy over these categories, each a figure of the summary.
std::string policy_bars(const ChartText& text, const std::vector<const RunData*>& runs,
                        const std::vector<std::pair<std::string, std::string>>& categories,
                        double factor) {
  std::vector<std::string> names;
  for (const auto& c : categories) names.push_back(c.first);
  std::vector<Series> series;
  for (const auto* r : runs) {
    Series s{r->name, {}, {}, {}, false};
    for (const auto& c : categories) s.y.push_back(num(r->summary, c.second) * factor);
    series.push_back(std::move(s));
  }
  return bar_chart(text, names, series);
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
  page.figure(policy_bars({"Fleet utilization", "", "% of the fleet"}, runs,
                          {{"allocation", "/fleet/allocation_utilization"},
                           {"effective", "/fleet/effective_utilization"}},
                          100),
              "Allocation: GPU-time held / available. Effective: useful FLOPs / peak FLOPs.");
  page.figure(policy_bars({"Training gap and inference SLO", "", "%"}, runs,
                          {{"training capacity gap", "/training/capacity_gap"},
                           {"inference SLO attainment", "/inference/slo_attainment"},
                           {"SLO, worst hour", "/inference/worst_hour_slo_attainment"}},
                          100),
              "Capacity gap: demanded training GPU-hours not served in the run. SLO attainment: "
              "inference requests served within the latency target, over the run and in its "
              "worst hour.");
  page.figure(policy_bars({"Training wait and JCT percentiles", "", "hours"}, runs,
                          {{"wait p50", "/training/wait_s/p50"},
                           {"wait p95", "/training/wait_s/p95"},
                           {"JCT p50", "/training/jct_s/p50"},
                           {"JCT p95", "/training/jct_s/p95"}},
                          1.0 / 3600),
              "Started jobs for waits, completed jobs for JCT: read with the jobs still waiting.");
  page.figure(policy_bars({"Money over the run", "", "million USD"}, runs,
                          {{"cost", "/economics/fleet/cost_usd"},
                           {"lease revenue", "/economics/fleet/lease_revenue_usd"},
                           {"value of work served", "/economics/fleet/work_value_usd"},
                           {"net value", "/economics/fleet/net_value_usd"}},
                          1e-6),
              "Cost = depreciation + power x PUE. Net value = lease and contract revenue + value "
              "of work served - SLA penalties - training shortfall - cost (docs/reports.md).");
  if (std::any_of(runs.begin(), runs.end(), [](const RunData* r) {
        return r->summary.value("/failures/enabled"_json_pointer, false);
      }))
    page.figure(
        policy_bars({"GPU-hours lost to failures, by where they went", "", "GPU-hours"}, runs,
                    {{"redone work", "/failures/gpu_hours_lost/lost_work"},
                     {"restarts", "/failures/gpu_hours_lost/restart"},
                     {"checkpoints", "/failures/gpu_hours_lost/checkpoint"},
                     {"repair downtime", "/failures/gpu_hours_lost/repair_downtime"}},
                    1),
        "With --failures on (docs/failures.md): work redone after interruptions, reloads, "
        "checkpoint writing, and failed GPUs waiting for repair.");
  const RunData& first = *runs.front();
  page.figure(policy_bars({"Allocation utilization per pool", "pool", "%"}, runs,
                          pool_categories(first, "/pools/", "allocation_utilization"), 100),
              "GPU-time held / available, per pool (one GPU generation each).");
  page.figure(policy_bars({"Effective utilization per pool", "pool", "%"}, runs,
                          pool_categories(first, "/pools/", "effective_utilization"), 100),
              "Useful FLOPs / peak FLOPs, per pool.");
  page.figure(policy_bars({"Lease revenue per pool", "pool", "million USD"}, runs,
                          pool_categories(first, "/economics/pools/", "lease_revenue_usd"), 1e-6),
              "Accepted external leases: GPUs x hours held x price.");
  page.figure(policy_bars({"Energy per pool", "pool", "MWh (before PUE)"}, runs,
                          pool_categories(first, "/pools/", "energy_kwh"), 1e-3),
              "GPU energy from SimGrid's energy plugin.");
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
  page.figure(line_chart({"Training capacity gap over time", "time (days)",
                          "GPUs asked for by waiting jobs"},
                         waiting),
              "Demand the fleet is not serving at each moment (from jobs.csv).");
  page.figure(cdf_chart({"Training wait, CDF", "wait (hours)", "fraction of started jobs"}, waits),
              "Submission to first start; jobs still waiting at the horizon are not in it.");
  page.figure(cdf_chart({"Training JCT, CDF", "JCT (hours)", "fraction of completed jobs"}, jcts),
              "Submission to completion, completed jobs only.");
}

}  // namespace

std::string comparison_report_html(const std::vector<PolicyOutcome>& outcomes,
                                   const std::vector<RunData>& runs) {
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
  page.section("Headline",
               "Utilization is named each time: allocation = GPU-time held / available; "
               "effective = useful FLOPs / peak FLOPs.");
  page.table(comparison_cells(outcomes, TableGroup::kHeadline));
  if (!ok.empty()) {
    headline_bars(page, ok);
    time_lines(page, ok);
  }
  page.section("Utilization per pool");
  page.table(comparison_cells(outcomes, TableGroup::kPools));
  page.section(
      "Economics over the horizon",
      "Depreciation is straight-line capex over the life; power = energy x PUE x price "
      "per kWh; internal value prices training and inference GPU-hours at the internal "
      "transfer price; payback = capex / yearly (lease revenue + internal value - power).");
  page.table(comparison_cells(outcomes, TableGroup::kEconomics));
  return page.finish();
}

}  // namespace gpufleet::report
