#include "report/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace gpufleet::report {

namespace {

using nlohmann::json;

std::function<json(const json&)> at(const std::string& pointer) {
  const json::json_pointer p(pointer);
  return [p](const json& s) { return s.contains(p) ? s.at(p) : json(nullptr); };
}

std::function<json(const json&)> pool_field(const std::string& pool, const std::string& field) {
  return [pool, field](const json& s) {
    for (const auto& p : s.value("pools", json::array()))
      if (p.value("name", "") == pool && p.contains(field)) return p[field];
    return json(nullptr);
  };
}

// Money figures, the rows of the economics table in order: one table, so that a change of the
// economics keys is a change here. `headline` marks the one the verdict reads.
struct MoneyFigure {
  const char* key;
  const char* label;
  const char* pointer;
  Unit unit;
  bool headline;
};
const std::vector<MoneyFigure>& money_figures() {
  static const std::vector<MoneyFigure> figures = {
      {"net_value_usd", "net value", "/economics/fleet/net_value_usd", Unit::kMillionUsd, true},
      {"work_value_usd", "value of work served", "/economics/fleet/work_value_usd",
       Unit::kMillionUsd, false},
      {"lease_revenue_usd", "lease revenue", "/lease/revenue_usd", Unit::kMillionUsd, false},
      {"contract_revenue_usd", "contract revenue", "/economics/fleet/contract_revenue_usd",
       Unit::kMillionUsd, false},
      {"sla_penalty_usd", "SLA penalty", "/economics/fleet/sla_penalty_usd", Unit::kMillionUsd,
       false},
      {"shortfall_cost_usd", "training shortfall", "/economics/fleet/shortfall_cost_usd",
       Unit::kMillionUsd, false},
      {"depreciation_usd", "depreciation", "/economics/fleet/depreciation_usd", Unit::kMillionUsd,
       false},
      {"power_cost_usd", "power", "/economics/fleet/power_cost_usd", Unit::kMillionUsd, false},
      {"cost_usd", "cost", "/economics/fleet/cost_usd", Unit::kMillionUsd, false},
      {"cash_margin_usd", "cash margin", "/economics/fleet/cash_margin_usd", Unit::kMillionUsd,
       false},
      {"cost_per_useful_eflop_usd", "cost per useful EFLOP",
       "/economics/fleet/cost_per_useful_eflop_usd", Unit::kUsdPerEflop, false},
  };
  return figures;
}

std::vector<Column> fixed_columns() {
  std::vector<Column> columns = {
      {"fleet_allocation_utilization", "allocation utilization", Unit::kPercent,
       at("/fleet/allocation_utilization")},
      {"fleet_effective_utilization", "effective utilization", Unit::kPercent,
       at("/fleet/effective_utilization")},
      {"training_capacity_gap", "training capacity gap", Unit::kPercent,
       at("/training/capacity_gap")},
      {"training_wait_p50_s", "training wait p50", Unit::kHours, at("/training/wait_s/p50")},
      {"training_wait_p95_s", "training wait p95", Unit::kHours, at("/training/wait_s/p95")},
      {"training_wait_p99_s", "training wait p99", Unit::kHours, at("/training/wait_s/p99")},
      {"training_jct_p50_s", "training JCT p50", Unit::kHours, at("/training/jct_s/p50")},
      {"training_jct_p95_s", "training JCT p95", Unit::kHours, at("/training/jct_s/p95")},
      {"training_jct_p99_s", "training JCT p99", Unit::kHours, at("/training/jct_s/p99")},
      {"training_jobs_completed", "jobs completed", Unit::kCount, at("/training/jobs_completed")},
      {"training_jobs_waiting_at_horizon", "jobs waiting at the end", Unit::kCount,
       at("/training/jobs_waiting_at_horizon")},
      {"training_preemptions", "training preemptions", Unit::kCount, at("/training/preemptions")},
      {"training_lost_gpu_hours", "GPU-hours lost to preemption", Unit::kCount,
       at("/training/lost_gpu_hours")},
      {"training_goodput", "training goodput", Unit::kPercent, at("/training/goodput")},
      {"failure_interruptions", "failure interruptions", Unit::kCount,
       at("/failures/interruptions")},
      {"failure_lost_work_gpu_hours", "failures: lost work GPU-h", Unit::kCount,
       at("/failures/gpu_hours_lost/lost_work")},
      {"failure_restart_gpu_hours", "failures: restart GPU-h", Unit::kCount,
       at("/failures/gpu_hours_lost/restart")},
      {"failure_checkpoint_gpu_hours", "failures: checkpoint GPU-h", Unit::kCount,
       at("/failures/gpu_hours_lost/checkpoint")},
      {"failure_repair_downtime_gpu_hours", "failures: repair down GPU-h", Unit::kCount,
       at("/failures/gpu_hours_lost/repair_downtime")},
      {"training_bounded_slowdown_mean", "bounded slowdown mean", Unit::kRatio,
       at("/training/bounded_slowdown/mean")},
      {"training_bounded_slowdown_p95", "bounded slowdown p95", Unit::kRatio,
       at("/training/bounded_slowdown/p95")},
      {"training_fairness_rho_p95", "fairness rho p95", Unit::kRatio,
       at("/training/fairness_rho/p95")},
      {"training_fairness_rho_max", "fairness rho max", Unit::kRatio,
       at("/training/fairness_rho/max")},
      {"training_queue_length_mean", "training queue, mean jobs", Unit::kRatio,
       at("/training/queue_length_mean")},
      {"training_makespan_s", "training makespan", Unit::kHours, at("/training/makespan_s")},
      {"inference_slo_attainment", "inference SLO attainment", Unit::kAttainment,
       at("/inference/slo_attainment")},
      {"inference_slo_worst_hour", "SLO attainment, worst hour", Unit::kAttainment,
       at("/inference/worst_hour_slo_attainment")},
      {"inference_worst_service_slo_attainment", "worst service's SLO attainment",
       Unit::kAttainment, at("/inference/worst_service_slo_attainment")},
      {"inference_worst_ttft_p99_s", "TTFT p99, worst service", Unit::kMilliseconds,
       at("/inference/worst_ttft_p99_s")},
      {"inference_worst_tpot_p99_s", "TPOT p99, worst service", Unit::kMilliseconds,
       at("/inference/worst_tpot_p99_s")},
      {"leases_accepted", "leases accepted", Unit::kCount, at("/lease/accepted")},
      {"leases_rejected", "leases rejected", Unit::kCount, at("/lease/rejected")},
      {"leases_reclaimed", "leases reclaimed", Unit::kCount, at("/lease/reclaimed")},
      {"energy_mwh", "energy (IT, before PUE)", Unit::kMwh,
       [](const json& s) {
         const json kwh = at("/fleet/energy_kwh")(s);
         return kwh.is_number() ? json(kwh.get<double>() / 1000) : json(nullptr);
       }},
  };
  for (const auto& m : money_figures()) columns.push_back({m.key, m.label, m.unit, at(m.pointer)});
  return columns;
}

std::string csv_value(const json& v) {
  if (v.is_null()) return "";
  if (v.is_number_integer()) return std::to_string(v.get<long>());
  if (v.is_number()) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", v.get<double>());
    return buffer;
  }
  return v.dump();
}

// Errors may hold commas and quotes: quoted as RFC 4180 says.
std::string csv_text(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string q = "\"";
  for (const char c : text)
    q += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
  return q + "\"";
}

const Column& fixed_column(const std::string& key) {
  static const std::vector<Column> columns = fixed_columns();
  for (const auto& c : columns)
    if (c.key == key) return c;
  throw std::logic_error("no comparison column '" + key + "'");
}

}  // namespace

std::vector<VerdictFigure> verdict_figures() {
  std::vector<VerdictFigure> figures = {
      {fixed_column("training_capacity_gap"), "training gap", false},
      {fixed_column("fleet_effective_utilization"), "effective utilization", true},
      {fixed_column("inference_slo_attainment"), "SLO", true},
      {fixed_column("inference_slo_worst_hour"), "SLO worst hour", true},
      {fixed_column("inference_worst_service_slo_attainment"), "worst service", true},
  };
  for (const auto& m : money_figures())
    if (m.headline) figures.push_back({fixed_column(m.key), m.label, true});
  return figures;
}

std::vector<std::string> economics_keys() {
  std::vector<std::string> keys;
  for (const auto& m : money_figures()) keys.push_back(m.key);
  return keys;
}

std::string format_cell(const json& v, Unit unit) {
  return v.is_number() ? display_value(v.get<double>(), unit) : "-";
}

std::vector<Column> comparison_columns(const std::vector<PolicyOutcome>& outcomes) {
  auto columns = fixed_columns();
  const auto first = std::find_if(outcomes.begin(), outcomes.end(), [](auto& o) { return o.ok; });
  if (first == outcomes.end()) return columns;
  for (const auto& p : first->summary["pools"]) {
    const std::string name = p["name"];
    columns.push_back({"pool_" + name + "_allocation_utilization", name + " allocation",
                       Unit::kPercent, pool_field(name, "allocation_utilization")});
    columns.push_back({"pool_" + name + "_effective_utilization", name + " effective",
                       Unit::kPercent, pool_field(name, "effective_utilization")});
    columns.push_back({"pool_" + name + "_fragmentation_rate", name + " fragmented", Unit::kPercent,
                       pool_field(name, "fragmentation_rate")});
  }
  return columns;
}

std::string comparison_csv(const std::vector<PolicyOutcome>& outcomes) {
  const auto columns = comparison_columns(outcomes);
  std::string out = "policy,status,error";
  for (const auto& c : columns) out += "," + c.key;
  out += "\n";
  for (const auto& o : outcomes) {
    out += csv_text(o.policy) + "," + (o.ok ? "ok" : "failed") + "," + csv_text(o.error);
    for (const auto& c : columns) out += "," + (o.ok ? csv_value(c.value(o.summary)) : "");
    out += "\n";
  }
  return out;
}

json comparison_json(const std::vector<PolicyOutcome>& outcomes, const json& inputs,
                     size_t baseline) {
  const auto columns = comparison_columns(outcomes);
  const Verdict verdict = comparison_verdict(outcomes, baseline);
  const auto figures = verdict_figures();
  json cols = json::array(), rows = json::array();
  for (const auto& c : columns) cols.push_back({{"key", c.key}, {"header", c.label}});
  for (const auto& o : outcomes) {
    json values = json::object();
    if (o.ok)
      for (const auto& c : columns) values[c.key] = c.value(o.summary);
    json row = {{"policy", o.policy},
                {"status", o.ok ? "ok" : "failed"},
                {"error", o.ok ? json(nullptr) : json(o.error)},
                {"out", o.out_dir},
                {"values", values}};
    // The verdict in raw units: this policy minus the baseline.
    for (const auto& v : verdict.policies) {
      if (v.policy != o.policy) continue;
      json differences = json::object();
      for (size_t f = 0; f < figures.size(); ++f)
        differences[figures[f].column.key] =
            v.differences[f] ? json(*v.differences[f]) : json(nullptr);
      row["difference_from_baseline"] = differences;
      row["reading"] = v.reading;
    }
    rows.push_back(std::move(row));
  }
  return {{"inputs", inputs},
          {"baseline", outcomes.empty() ? json(nullptr) : json(outcomes[baseline].policy)},
          {"columns", cols},
          {"runs", rows}};
}

}  // namespace gpufleet::report
