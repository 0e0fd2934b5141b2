#include <algorithm>
#include <cstdio>

#include "charts/chart.hpp"
#include "charts/html_page.hpp"
#include "charts/palette.hpp"
#include "report/comparison.hpp"
#include "report/reports.hpp"
#include "report/run_series.hpp"

namespace gpufleet::report {

namespace {

using nlohmann::json;

double num(const json& s, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return s.contains(p) && s.at(p).is_number() ? s.at(p).get<double>() : 0;
}

std::string cell(const json& s, const std::string& pointer, Unit f) {
  const json::json_pointer p(pointer);
  return format_cell(s.contains(p) ? s.at(p) : json(nullptr), f);
}

void usage_charts(HtmlPage& page, const RunData& run) {
  page.section("GPUs over time",
               "Mean GPUs held in each time bin, stacked by class (allocation), and the effective "
               "GPUs: useful FLOP/s divided by one GPU's dense BF16 peak. The gap between the top "
               "of the stack and the dashed line is GPU-time held but not turned into useful "
               "work; the gap above the stack is GPUs held by nobody.");
  std::vector<std::pair<std::string, std::string>> charts{{"", "Whole fleet"}};
  for (const auto& p : run.summary["pools"])
    charts.emplace_back(p["name"], p["name"].get<std::string>() + " (" +
                                       p["gpu_model"].get<std::string>() + ", " +
                                       p["role"].get<std::string>() + ")");
  for (const auto& [pool, title] : charts) {
    const PoolUsage u = pool_usage(run, pool);
    const Series capacity{"GPUs in " + std::string(pool.empty() ? "the fleet" : "the pool"),
                          {0, num(run.summary, "/horizon_s") / 86400},
                          {u.gpus, u.gpus},
                          "#999999",
                          true};
    page.figure(line_chart({title + ": allocated and effective GPUs", "time (days)", "GPUs"},
                           {u.effective, capacity}, u.allocated_by_class),
                pool.empty() ? "All pools together." : "One pool, one GPU generation.");
  }
}

// Only with --failures on: where the GPU-hours lost to failures went, and what caused them.
void failure_charts(HtmlPage& page, const RunData& run) {
  if (!run.summary.value("/failures/enabled"_json_pointer, false)) return;
  page.section("Failures",
               "GPUs and servers failed during the run (docs/failures.md). Training goodput " +
                   cell(run.summary, "/training/goodput", Unit::kPercent) +
                   ": the share of training GPU-time that moved a job forward.");
  Series lost{"GPU-hours", {}, {}, {}, false};
  const std::vector<std::pair<std::string, std::string>> parts = {
      {"redone work", "lost_work"},
      {"restarts", "restart"},
      {"checkpoints", "checkpoint"},
      {"repair downtime", "repair_downtime"}};
  std::vector<std::string> names;
  for (const auto& [name, key] : parts) {
    names.push_back(name);
    lost.y.push_back(num(run.summary, "/failures/gpu_hours_lost/" + key));
  }
  if (has_nonzero({lost}))
    page.figure(bar_chart({"GPU-hours lost to failures", "", "GPU-hours"}, names, {lost}),
                "Work redone after interruptions, reloads, checkpoint writing, and failed GPUs "
                "waiting for repair.");
  else
    page.figure_left_out("GPU-hours lost to failures", "no GPU-hour was lost to failures");
  // The causes that struck, most frequent first, named in words.
  std::vector<std::pair<double, std::string>> struck;
  for (const auto& [cause, count] : run.summary["failures"]["by_cause"].items())
    if (count.get<double>() > 0) struck.emplace_back(-count.get<double>(), cause);
  std::sort(struck.begin(), struck.end());
  Series events{"failures", {}, {}, {}, false};
  std::vector<std::string> causes;
  for (auto [negative_count, cause] : struck) {
    std::replace(cause.begin(), cause.end(), '_', ' ');
    causes.push_back(cause);
    events.y.push_back(-negative_count);
  }
  if (!causes.empty())
    page.figure(bar_chart({"Failures by cause", "", "failures"}, causes, {events}),
                "Causes and shares from Llama 3 405B's 419 unexpected interruptions.");
  else
    page.figure_left_out("Failures by cause", "no failure struck during the run");
}

void training_charts(HtmlPage& page, const RunData& run) {
  page.section("Training",
               "The queue and the GPUs waiting jobs ask for come from jobs.csv: a job waits from "
               "its submission to its first start. The capacity gap of the headline is another "
               "figure: the share of the run's demanded GPU-hours not served by the end.");
  const QueueSeries q = training_queue(run);
  if (has_nonzero({q.jobs})) {
    page.figure(line_chart({"Training queue length", "time (days)", "jobs waiting"}, {q.jobs}),
                "Jobs submitted and not yet started (including jobs held by dependencies).");
    const double train_gpus = gpus_of_role(run, "training");
    const double horizon_d = num(run.summary, "/horizon_s") / 86400;
    page.figure(line_chart({"GPUs asked for by waiting training jobs", "time (days)", "GPUs"},
                           {q.gpus,
                            {"GPUs of the training pools",
                             {0, horizon_d},
                             {train_gpus, train_gpus},
                             "#999999",
                             true}}),
                "Training jobs submitted and not yet started, by the GPUs they ask for: demand "
                "the fleet is not serving at that moment (it can exceed the training pools).");
  } else {
    page.figure_left_out("Training queue length", "no training job waited");
    page.figure_left_out("GPUs asked for by waiting training jobs", "no training job waited");
  }
  const auto waits = training_waits_h(run);
  const auto jcts = training_jcts_h(run);
  if (!waits.empty())
    page.figure(cdf_chart({"Training wait, CDF", "wait (hours)", "fraction of started jobs"},
                          {{"wait", waits}}),
                "Submission to first start, started jobs only: jobs still waiting at the horizon "
                "are not in it (see jobs waiting in the table).");
  else
    page.figure_left_out("Training wait, CDF", "no training job started");
  if (!jcts.empty())
    page.figure(cdf_chart({"Training job completion time, CDF", "JCT (hours)",
                           "fraction of completed jobs"},
                          {{"JCT", jcts}}),
                "Submission to completion, completed jobs only.");
  else
    page.figure_left_out("Training job completion time, CDF", "no training job completed");
}

// Demand and served rate of one service per time bin (services_timeseries.csv).
void service_over_time(HtmlPage& page, const RunData& run, const std::string& service) {
  Series demand{"demand", {}, {}, "#999999", true},
      served{"served within target", {}, {}, class_color("inference"), false};
  for (const auto& row : run.services)
    if (row.service == service) {
      demand.x.push_back(row.time_s / 86400);
      demand.y.push_back(row.demand_per_s);
      served.x.push_back(row.time_s / 86400);
      served.y.push_back(row.served_per_s);
    }
  if (!has_nonzero({demand, served})) {
    page.figure_left_out(service + ": demand vs served", "no demand over the run");
    return;
  }
  page.figure(
      line_chart({service + ": demand vs served", "time (days)", "units/s"}, {demand, served}),
      "Mean over each time bin; where the lines part, demand went unserved.");
}

void inference_and_money_charts(HtmlPage& page, const RunData& run) {
  const json& s = run.summary;
  page.section("Inference, leases, energy and money");
  std::vector<std::string> services;
  Series demand{"demand", {}, {}, "#999999", false},
      served{"served", {}, {}, class_color("inference"), false};
  for (const auto& svc : s["inference"]["services"]) {
    services.push_back(svc["id"]);
    demand.y.push_back(svc["demand_units"].get<double>());
    served.y.push_back(svc["served_units"].get<double>());
  }
  // One scale word on the axis ("billion units"), plain numbers on the ticks.
  double most = 0;
  for (const double v : demand.y) most = std::max(most, v);
  std::string scale = "units over the run";
  for (const auto& [size, word] : std::vector<std::pair<double, const char*>>{
           {1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}, {1e3, "thousand"}})
    if (most >= size) {
      for (auto* series : {&demand, &served})
        for (auto& v : series->y) v /= size;
      scale = std::string(word) + " " + scale;
      break;
    }
  if (has_nonzero({demand, served}))
    page.figure(
        bar_chart({"Inference demand vs served", "service", scale}, services, {demand, served}),
        "Demand integrated over the run and the part served within the latency target "
        "(units as in the workload, e.g. tokens).");
  else
    page.figure_left_out("Inference demand vs served", "the workload has no inference demand");
  if (!run.services.empty())
    for (const auto& service : services) service_over_time(page, run, service);
  std::vector<std::string> pools;
  Series revenue{"lease revenue", {}, {}, class_color("lease"), false};
  Series energy{"energy", {}, {}, "#D55E00", false};
  Series depreciation{"depreciation", {}, {}, "#999999", false},
      power{"power", {}, {}, "#D55E00", false},
      contract{"contract revenue", {}, {}, "#0072B2", false};
  for (size_t p = 0; p < s["pools"].size(); ++p) {
    const json& pool = s["pools"][p];
    pools.push_back(pool["name"]);
    energy.y.push_back(pool["energy_kwh"].get<double>() / 1000);
    const json econ = s.contains("economics") ? s["economics"]["pools"][p] : json::object();
    revenue.y.push_back(econ.value("lease_revenue_usd", 0.0) / 1e6);
    depreciation.y.push_back(econ.value("depreciation_usd", 0.0) / 1e6);
    power.y.push_back(econ.value("power_cost_usd", 0.0) / 1e6);
    contract.y.push_back(econ.value("contract_revenue_usd", 0.0) / 1e6);
  }
  const std::string money = unit_text(Unit::kMillionUsd, period_text(num(s, "/horizon_s")));
  if (has_nonzero({revenue}))
    page.figure(bar_chart({"Lease revenue per pool", "pool", money}, pools, {revenue}),
                "Accepted external leases: GPUs x hours held x the lease's price.");
  else
    page.figure_left_out(
        "Lease revenue per pool",
        "no GPU was leased out (" + cell(s, "/lease/accepted", Unit::kCount) + " leases accepted)");
  page.figure(
      bar_chart({"Energy per pool", "pool", "MWh (IT power, before PUE)"}, pools, {energy}),
      "GPU energy from SimGrid's energy plugin: each GPU at idle power plus its load's share of "
      "(TDP - idle).");
  page.figure(bar_chart({"Cost and value per pool", "pool", money}, pools,
                        {depreciation, power, revenue, contract}),
              "Depreciation and power (with PUE) are the cost; lease and contract revenue the "
              "cash each pool earns. The value of work served is the fleet's, below.");
}

// Per service: requests on time, the latency percentiles beside them (the per-unit latency,
// time to first token, time per output token; docs/inference-latency.md), and how much its
// replicas churned (starts, the shortest-lived tenth, GPU-hours spent loading weights).
std::vector<std::vector<std::string>> service_rows(const json& s) {
  std::vector<std::vector<std::string>> rows{{"inference service", "SLO attainment", "worst hour",
                                              "latency p99 per unit", "TTFT p50", "TTFT p99",
                                              "TPOT p50", "TPOT p99", "targets", "replica starts",
                                              "replica lifetime p10", "cold-start GPU-hours"}};
  const auto ms = [](const json& v) { return format_cell(v, Unit::kMilliseconds); };
  for (const auto& svc : s["inference"]["services"]) {
    const std::string targets =
        svc.value("ttft_target_s", json()).is_number()
            ? "TTFT " + ms(svc["ttft_target_s"]) + ", TPOT " + ms(svc["tpot_target_s"])
            : ms(svc.value("latency_target_s", json())) + " per unit";
    rows.push_back(
        {svc["id"], format_cell(svc["slo_attainment"], Unit::kAttainment),
         format_cell(svc["worst_hour_slo_attainment"], Unit::kAttainment),
         ms(svc.value("latency_p99_s", json())), ms(svc.value("ttft_p50_s", json())),
         ms(svc.value("ttft_p99_s", json())), ms(svc.value("tpot_p50_s", json())),
         ms(svc.value("tpot_p99_s", json())), targets,
         format_cell(svc.value("/replicas/starts"_json_pointer, json()), Unit::kCount),
         format_cell(svc.value("/replicas/lifetime_p10_s"_json_pointer, json()), Unit::kHours),
         format_cell(svc.value("/replicas/cold_start_gpu_hours"_json_pointer, json()),
                     Unit::kCount)});
  }
  return rows;
}

void summary_tables(HtmlPage& page, const RunData& run) {
  const json& s = run.summary;
  page.section("Summary", "Money is over the run (" + period_text(num(s, "/horizon_s")) + ").");
  std::vector<std::vector<std::string>> pools{{"pool", "GPU", "role", "GPUs", "allocation",
                                               "effective", "energy", "lease revenue", "cost",
                                               "cash margin"}};
  for (size_t p = 0; p < s["pools"].size(); ++p) {
    const json& pool = s["pools"][p];
    const json econ = s.contains("economics") ? s["economics"]["pools"][p] : json::object();
    pools.push_back({pool["name"], pool["gpu_model"], pool["role"],
                     grouped(pool["gpus"].get<double>(), 0),
                     format_cell(pool["allocation_utilization"], Unit::kPercent),
                     format_cell(pool["effective_utilization"], Unit::kPercent),
                     format_cell(pool["energy_kwh"].get<double>() / 1000, Unit::kMwh),
                     format_cell(econ.value("lease_revenue_usd", json()), Unit::kMillionUsd),
                     format_cell(econ.value("cost_usd", json()), Unit::kMillionUsd),
                     format_cell(econ.value("cash_margin_usd", json()), Unit::kMillionUsd)});
  }
  pools.push_back({"fleet", "", "", grouped(s["fleet"]["gpus"].get<double>(), 0),
                   cell(s, "/fleet/allocation_utilization", Unit::kPercent),
                   cell(s, "/fleet/effective_utilization", Unit::kPercent),
                   format_cell(num(s, "/fleet/energy_kwh") / 1000, Unit::kMwh),
                   cell(s, "/lease/revenue_usd", Unit::kMillionUsd),
                   cell(s, "/economics/fleet/cost_usd", Unit::kMillionUsd),
                   cell(s, "/economics/fleet/cash_margin_usd", Unit::kMillionUsd)});
  page.table(pools);
  page.table(
      {{"training", "jobs submitted", "started", "completed", "waiting at horizon", "capacity gap",
        "wait p50", "wait p95", "JCT p50", "JCT p95", "preemptions"},
       {"", cell(s, "/training/jobs_submitted", Unit::kCount),
        cell(s, "/training/jobs_started", Unit::kCount),
        cell(s, "/training/jobs_completed", Unit::kCount),
        cell(s, "/training/jobs_waiting_at_horizon", Unit::kCount),
        cell(s, "/training/capacity_gap", Unit::kPercent),
        cell(s, "/training/wait_s/p50", Unit::kHours),
        cell(s, "/training/wait_s/p95", Unit::kHours), cell(s, "/training/jct_s/p50", Unit::kHours),
        cell(s, "/training/jct_s/p95", Unit::kHours),
        cell(s, "/training/preemptions", Unit::kCount)}});
  if (!s["inference"]["services"].empty()) page.table(service_rows(s));
  page.table(
      {{"leases and money", "accepted", "rejected", "reclaimed", "revenue", "work value",
        "SLA penalty", "shortfall", "cost", "net value", "$/useful EFLOP"},
       {"", cell(s, "/lease/accepted", Unit::kCount), cell(s, "/lease/rejected", Unit::kCount),
        cell(s, "/lease/reclaimed", Unit::kCount), cell(s, "/lease/revenue_usd", Unit::kMillionUsd),
        cell(s, "/economics/fleet/work_value_usd", Unit::kMillionUsd),
        cell(s, "/economics/fleet/sla_penalty_usd", Unit::kMillionUsd),
        cell(s, "/economics/fleet/shortfall_cost_usd", Unit::kMillionUsd),
        cell(s, "/economics/fleet/cost_usd", Unit::kMillionUsd),
        cell(s, "/economics/fleet/net_value_usd", Unit::kMillionUsd),
        cell(s, "/economics/fleet/cost_per_useful_eflop_usd", Unit::kUsdPerEflop)}});
}

}  // namespace

std::string run_report_html(const RunData& run) {
  const json& s = run.summary;
  char subtitle[256];
  std::snprintf(subtitle, sizeof subtitle, "%d GPUs, %.1f days simulated, seed %lu. Outputs: %s",
                s["fleet"]["gpus"].get<int>(), num(s, "/horizon_s") / 86400, s.value("seed", 0ul),
                run.name.c_str());
  HtmlPage page("Fleet utilization under " + s["policy"].get<std::string>(), subtitle);
  page.kpis(
      {{"effective utilization", cell(s, "/fleet/effective_utilization", Unit::kPercent),
        "useful FLOPs / peak FLOPs"},
       {"allocation utilization", cell(s, "/fleet/allocation_utilization", Unit::kPercent),
        "GPU-time held / available"},
       {"training capacity gap", cell(s, "/training/capacity_gap", Unit::kPercent),
        "demanded GPU-hours not served"},
       {"inference SLO attainment", cell(s, "/inference/slo_attainment", Unit::kAttainment),
        "requests on time; worst hour " +
            cell(s, "/inference/worst_hour_slo_attainment", Unit::kAttainment)},
       {"lease revenue", cell(s, "/lease/revenue_usd", Unit::kMillionUsd),
        cell(s, "/lease/accepted", Unit::kCount) + " leases accepted"},
       {"net value", cell(s, "/economics/fleet/net_value_usd", Unit::kMillionUsd),
        "over " + period_text(num(s, "/horizon_s")) + "; worst service " +
            cell(s, "/inference/worst_service_slo_attainment", Unit::kAttainment) + " on time"}});
  usage_charts(page, run);
  training_charts(page, run);
  failure_charts(page, run);
  inference_and_money_charts(page, run);
  summary_tables(page, run);
  return page.finish();
}

}  // namespace gpufleet::report
