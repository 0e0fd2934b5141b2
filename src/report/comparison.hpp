#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpufleet::report {

// What one policy's run in a comparison gave: its summary.json, or the error it failed with.
struct PolicyOutcome {
  std::string policy;
  std::string out_dir;
  bool ok = false;
  std::string error;
  nlohmann::json summary;
};

// One column of the comparison: a figure taken from a run's summary.json.
struct Column {
  enum class Format { kPercent, kHours, kCount, kRatio, kUsd, kMwh, kYears, kUsdPerEflop };
  std::string key;     // comparison.csv / .json name
  std::string header;  // comparison.md / terminal header
  Format format;
  std::function<nlohmann::json(const nlohmann::json& summary)> value;  // null when absent
};

// The fixed columns, then per pool (pools of the first successful run) allocation and
// effective utilization. docs/reports.md lists them.
std::vector<Column> comparison_columns(const std::vector<PolicyOutcome>& outcomes);

std::string comparison_csv(const std::vector<PolicyOutcome>& outcomes);
// `inputs` says what was compared (workload, platform, seed, horizon).
nlohmann::json comparison_json(const std::vector<PolicyOutcome>& outcomes,
                               const nlohmann::json& inputs);
// Three Markdown tables (headline, per-pool utilization, economics), padded so that they read
// as well on a terminal.
std::string comparison_markdown(const std::vector<PolicyOutcome>& outcomes);

// A table of the comparison as text cells, header row first.
enum class TableGroup { kHeadline, kPools, kEconomics };
std::vector<std::vector<std::string>> comparison_cells(const std::vector<PolicyOutcome>& outcomes,
                                                       TableGroup group);

// A column's value as a person reads it ("62.1%", "3.4 h", "$1.25M", "-" when absent).
std::string format_cell(const nlohmann::json& value, Column::Format format);

}  // namespace gpufleet::report
