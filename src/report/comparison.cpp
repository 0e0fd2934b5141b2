#include "report/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gpufleet::report {

namespace {

using nlohmann::json;
using Format = Column::Format;

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

std::vector<Column> fixed_columns() {
  return {
      {"fleet_allocation_utilization", "alloc", Format::kPercent,
       at("/fleet/allocation_utilization")},
      {"fleet_effective_utilization", "effective", Format::kPercent,
       at("/fleet/effective_utilization")},
      {"training_capacity_gap", "train gap", Format::kPercent, at("/training/capacity_gap")},
      {"training_wait_p50_s", "wait p50", Format::kHours, at("/training/wait_s/p50")},
      {"training_wait_p95_s", "wait p95", Format::kHours, at("/training/wait_s/p95")},
      {"training_wait_p99_s", "wait p99", Format::kHours, at("/training/wait_s/p99")},
      {"training_jct_p50_s", "JCT p50", Format::kHours, at("/training/jct_s/p50")},
      {"training_jct_p95_s", "JCT p95", Format::kHours, at("/training/jct_s/p95")},
      {"training_jct_p99_s", "JCT p99", Format::kHours, at("/training/jct_s/p99")},
      {"training_jobs_completed", "jobs done", Format::kCount, at("/training/jobs_completed")},
      {"training_jobs_waiting_at_horizon", "jobs waiting", Format::kCount,
       at("/training/jobs_waiting_at_horizon")},
      {"training_preemptions", "train preempt", Format::kCount, at("/training/preemptions")},
      {"training_lost_gpu_hours", "lost GPU-h", Format::kCount, at("/training/lost_gpu_hours")},
      {"training_goodput", "goodput", Format::kPercent, at("/training/goodput")},
      {"failure_interruptions", "interruptions", Format::kCount, at("/failures/interruptions")},
      {"failure_lost_work_gpu_hours", "failure lost work GPU-h", Format::kCount,
       at("/failures/gpu_hours_lost/lost_work")},
      {"failure_restart_gpu_hours", "restart GPU-h", Format::kCount,
       at("/failures/gpu_hours_lost/restart")},
      {"failure_checkpoint_gpu_hours", "checkpoint GPU-h", Format::kCount,
       at("/failures/gpu_hours_lost/checkpoint")},
      {"failure_repair_downtime_gpu_hours", "repair down GPU-h", Format::kCount,
       at("/failures/gpu_hours_lost/repair_downtime")},
      {"training_bounded_slowdown_mean", "slowdown mean", Format::kRatio,
       at("/training/bounded_slowdown/mean")},
      {"training_bounded_slowdown_p95", "slowdown p95", Format::kRatio,
       at("/training/bounded_slowdown/p95")},
      {"training_fairness_rho_p95", "rho p95", Format::kRatio, at("/training/fairness_rho/p95")},
      {"training_fairness_rho_max", "rho max", Format::kRatio, at("/training/fairness_rho/max")},
      {"training_queue_length_mean", "queue mean", Format::kRatio,
       at("/training/queue_length_mean")},
      {"training_makespan_s", "makespan", Format::kHours, at("/training/makespan_s")},
      {"inference_slo_attainment", "SLO", Format::kPercent, at("/inference/slo_attainment")},
      {"inference_slo_worst_hour", "SLO worst h", Format::kPercent,
       at("/inference/worst_hour_slo_attainment")},
      {"leases_accepted", "leases ok", Format::kCount, at("/lease/accepted")},
      {"leases_rejected", "leases no", Format::kCount, at("/lease/rejected")},
      {"leases_reclaimed", "leases reclaimed", Format::kCount, at("/lease/reclaimed")},
      {"lease_revenue_usd", "lease revenue", Format::kUsd, at("/lease/revenue_usd")},
      {"energy_mwh", "energy", Format::kMwh,
       [](const json& s) {
         const json kwh = at("/fleet/energy_kwh")(s);
         return kwh.is_number() ? json(kwh.get<double>() / 1000) : json(nullptr);
       }},
      {"depreciation_usd", "depreciation", Format::kUsd, at("/economics/fleet/depreciation_usd")},
      {"power_cost_usd", "power", Format::kUsd, at("/economics/fleet/power_cost_usd")},
      {"cost_usd", "cost", Format::kUsd, at("/economics/fleet/cost_usd")},
      {"contract_revenue_usd", "contract revenue", Format::kUsd,
       at("/economics/fleet/contract_revenue_usd")},
      {"work_value_usd", "work value", Format::kUsd, at("/economics/fleet/work_value_usd")},
      {"sla_penalty_usd", "SLA penalty", Format::kUsd, at("/economics/fleet/sla_penalty_usd")},
      {"shortfall_cost_usd", "shortfall cost", Format::kUsd,
       at("/economics/fleet/shortfall_cost_usd")},
      {"net_value_usd", "net value", Format::kUsd, at("/economics/fleet/net_value_usd")},
      {"cash_margin_usd", "cash margin", Format::kUsd, at("/economics/fleet/cash_margin_usd")},
      {"cost_per_useful_eflop_usd", "$/useful EFLOP", Format::kUsdPerEflop,
       at("/economics/fleet/cost_per_useful_eflop_usd")},
  };
}

std::string printf_string(const char* format, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

std::string csv_value(const json& v) {
  if (v.is_null()) return "";
  if (v.is_number_integer()) return std::to_string(v.get<long>());
  if (v.is_number()) return printf_string("%.17g", v.get<double>());
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

std::string status_of(const PolicyOutcome& o) {
  return o.ok ? "ok" : "failed: " + o.error;
}

// A Markdown table whose columns are padded to their widest cell.
std::string markdown_table(const std::vector<std::vector<std::string>>& table) {
  const auto& header = table.front();
  const std::vector<std::vector<std::string>> rows(table.begin() + 1, table.end());
  std::vector<size_t> width(header.size(), 3);
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = std::max(width[c], header[c].size());
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  const auto line = [&](const std::vector<std::string>& cells, bool rule) {
    std::string out = "|";
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(width[c] - cells[c].size(), rule ? '-' : ' ');
      // Figures right-aligned, names left-aligned.
      out += " " + (c == 0 ? cells[c] + pad : pad + cells[c]) + " |";
    }
    return out + "\n";
  };
  std::string out = line(header, false);
  std::vector<std::string> rule(header.size());
  for (size_t c = 0; c < header.size(); ++c)
    rule[c] = c == 0 ? std::string(width[c], '-') : std::string(width[c] - 1, '-') + ":";
  out += line(rule, true);
  for (const auto& r : rows) out += line(r, false);
  return out;
}

std::vector<Column> pick(const std::vector<Column>& all, const std::vector<std::string>& keys) {
  std::vector<Column> picked;
  for (const auto& k : keys)
    for (const auto& c : all)
      if (c.key == k) picked.push_back(c);
  return picked;
}

}  // namespace

std::string format_cell(const json& v, Format format) {
  if (!v.is_number()) return "-";
  const double x = v.get<double>();
  switch (format) {
    case Format::kPercent:
      return printf_string("%.1f%%", 100 * x);
    case Format::kHours:
      return printf_string("%.1f h", x / 3600);
    case Format::kCount:
      return printf_string("%.0f", x);
    case Format::kRatio:
      return printf_string("%.2f", x);
    case Format::kMwh:
      return printf_string("%.0f MWh", x);
    case Format::kYears:
      return printf_string("%.1f y", x);
    case Format::kUsdPerEflop:
      return printf_string("$%.2f", x);
    case Format::kUsd: {
      const double a = std::abs(x);
      const std::string sign = x < 0 ? "-" : "";
      if (a >= 1e6) return sign + printf_string("$%.2fM", a / 1e6);
      if (a >= 1e3) return sign + printf_string("$%.1fk", a / 1e3);
      return sign + printf_string("$%.0f", a);
    }
  }
  return "-";
}

std::vector<Column> comparison_columns(const std::vector<PolicyOutcome>& outcomes) {
  auto columns = fixed_columns();
  const auto first = std::find_if(outcomes.begin(), outcomes.end(), [](auto& o) { return o.ok; });
  if (first == outcomes.end()) return columns;
  for (const auto& p : first->summary["pools"]) {
    const std::string name = p["name"];
    columns.push_back({"pool_" + name + "_allocation_utilization", name + " alloc",
                       Format::kPercent, pool_field(name, "allocation_utilization")});
    columns.push_back({"pool_" + name + "_effective_utilization", name + " effective",
                       Format::kPercent, pool_field(name, "effective_utilization")});
    columns.push_back({"pool_" + name + "_fragmentation_rate", name + " fragmented",
                       Format::kPercent, pool_field(name, "fragmentation_rate")});
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

json comparison_json(const std::vector<PolicyOutcome>& outcomes, const json& inputs) {
  const auto columns = comparison_columns(outcomes);
  json cols = json::array(), rows = json::array();
  for (const auto& c : columns) cols.push_back({{"key", c.key}, {"header", c.header}});
  for (const auto& o : outcomes) {
    json values = json::object();
    if (o.ok)
      for (const auto& c : columns) values[c.key] = c.value(o.summary);
    rows.push_back({{"policy", o.policy},
                    {"status", o.ok ? "ok" : "failed"},
                    {"error", o.ok ? json(nullptr) : json(o.error)},
                    {"out", o.out_dir},
                    {"values", values}});
  }
  return {{"inputs", inputs}, {"columns", cols}, {"runs", rows}};
}

std::vector<std::vector<std::string>> comparison_cells(const std::vector<PolicyOutcome>& outcomes,
                                                       TableGroup group) {
  const auto all = comparison_columns(outcomes);
  std::vector<Column> columns;
  if (group == TableGroup::kPools) {
    for (const auto& c : all)
      if (c.key.rfind("pool_", 0) == 0) columns.push_back(c);
  } else if (group == TableGroup::kHeadline) {
    columns =
        pick(all, {"fleet_allocation_utilization", "fleet_effective_utilization",
                   "training_capacity_gap", "training_wait_p50_s", "training_wait_p95_s",
                   "training_jct_p50_s", "training_jct_p95_s", "inference_slo_attainment",
                   "inference_slo_worst_hour", "leases_accepted", "leases_rejected",
                   "leases_reclaimed", "training_preemptions", "lease_revenue_usd", "energy_mwh"});
  } else {
    columns = pick(all, {"net_value_usd", "work_value_usd", "lease_revenue_usd",
                         "contract_revenue_usd", "sla_penalty_usd", "shortfall_cost_usd",
                         "cost_usd", "cash_margin_usd", "cost_per_useful_eflop_usd"});
  }
  const bool with_status = group == TableGroup::kHeadline;
  std::vector<std::vector<std::string>> rows(1, {"policy"});
  for (const auto& c : columns) rows[0].push_back(c.header);
  if (with_status) rows[0].push_back("status");
  for (const auto& o : outcomes) {
    std::vector<std::string> row{o.policy};
    for (const auto& c : columns)
      row.push_back(o.ok ? format_cell(c.value(o.summary), c.format) : "-");
    if (with_status) row.push_back(status_of(o));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string comparison_markdown(const std::vector<PolicyOutcome>& outcomes) {
  return "### Headline (allocation = GPU-time held / available; effective = useful FLOPs / "
         "peak)\n\n" +
         markdown_table(comparison_cells(outcomes, TableGroup::kHeadline)) +
         "\n### Utilization per pool\n\n" +
         markdown_table(comparison_cells(outcomes, TableGroup::kPools)) +
         "\n### Economics over the horizon\n\n" +
         markdown_table(comparison_cells(outcomes, TableGroup::kEconomics));
}

}  // namespace gpufleet::report
