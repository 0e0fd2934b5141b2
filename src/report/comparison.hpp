#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "report/figure_format.hpp"

namespace gpufleet::report {

// What one policy's run in a comparison gave: its summary.json, or the error it failed with.
struct PolicyOutcome {
  std::string policy;
  std::string out_dir;
  bool ok = false;
  std::string error;
  nlohmann::json summary;
};

// One figure of the comparison, taken from a run's summary.json: a column of comparison.csv,
// a row of the printed tables.
struct Column {
  std::string key;    // comparison.csv / .json name, raw units
  std::string label;  // row label in the printed tables
  Unit unit;
  std::function<nlohmann::json(const nlohmann::json& summary)> value;  // null when absent
};

// The fixed columns, then per pool (pools of the first successful run) allocation and
// effective utilization and fragmentation. docs/reports.md lists them.
std::vector<Column> comparison_columns(const std::vector<PolicyOutcome>& outcomes);

std::string comparison_csv(const std::vector<PolicyOutcome>& outcomes);
// `inputs` says what was compared (workload, platform, seed, horizon); `baseline` indexes
// outcomes.
nlohmann::json comparison_json(const std::vector<PolicyOutcome>& outcomes,
                               const nlohmann::json& inputs, size_t baseline);

// The verdict: each other policy's difference against the baseline in the headline figures,
// and a one-line reading of them.
struct VerdictFigure {
  Column column;
  std::string name;  // short, for the reading ("training gap")
  bool higher_is_better;
};
std::vector<VerdictFigure> verdict_figures();
// The rows of the economics table, by column key (net value first).
std::vector<std::string> economics_keys();

struct PolicyVerdict {
  std::string policy;
  std::string header;  // its column header: policy_headers()
  bool ok = false;
  std::string error;
  std::vector<std::optional<double>> differences;  // raw units, per verdict_figures()
  std::string reading;  // "better on all", "trades SLO for training gap and net value"
};
struct Verdict {
  std::string baseline;
  bool baseline_ok = false;
  std::string period;  // "30 days": the run's horizon, the period of every money figure
  std::string draw;    // "seed 1, 30 days"
  std::vector<PolicyVerdict> policies;  // every policy but the baseline, in order
};
Verdict comparison_verdict(const std::vector<PolicyOutcome>& outcomes, size_t baseline);

// Column headers of the policies: their names when every policy fits beside the others in one
// table of 100 columns, otherwise "#1".."#N" in the order of --policies (policy_legend() says
// which is which), so that tables keep several policies side by side. Width 0: the names.
std::vector<std::string> policy_headers(const std::vector<PolicyOutcome>& outcomes,
                                        size_t width = 100);
// {"#1 static-partition (baseline)", "#2 ..."} when the headers are numbers, else empty.
std::vector<std::string> policy_legend(const std::vector<PolicyOutcome>& outcomes, size_t baseline);

// A table of text cells, header row first.
using TextTable = std::vector<std::vector<std::string>>;

// The printed tables: one row per figure, one column per policy, split into several tables of
// at most `width` characters as Markdown when there are many policies. Width 0: one table,
// headed by the policies' names (for HTML, where headers wrap).
enum class TableGroup { kHeadline, kPools, kEconomics };
std::vector<TextTable> comparison_tables(const std::vector<PolicyOutcome>& outcomes,
                                         TableGroup group, size_t width = 100);
// The verdict's differences: one row per figure, one column per other policy (width as above).
std::vector<TextTable> verdict_tables(const Verdict& verdict, size_t width = 100);
// The verdict's readings and the caveat of one draw, as lines of at most `width` characters.
std::vector<std::string> verdict_lines(const Verdict& verdict, size_t width = 100);
// "POLICY failed: ERROR" for each failed policy.
std::vector<std::string> failure_lines(const std::vector<PolicyOutcome>& outcomes);

// A table padded so that it reads as well on a terminal; its width is that of its lines.
std::string markdown_table(const TextTable& table);
// `table` split by columns (the first, the row labels, repeated) into tables whose Markdown
// lines fit `width` characters; a column wider than that alone gets a table of its own.
std::vector<TextTable> split_to_width(const TextTable& table, size_t width);
// `table` split by columns into tables of at most `columns` columns besides the row labels
// (HTML, where headers wrap and the page, not characters, sets the width).
std::vector<TextTable> split_to_columns(const TextTable& table, size_t columns);
// `text` broken at spaces into lines of at most `width` characters; `indent` starts the
// continuation lines.
std::vector<std::string> wrap_text(const std::string& text, size_t width,
                                   const std::string& indent = "");

// The verdict, then three tables (headline, per-pool utilization, economics), as Markdown.
std::string comparison_markdown(const std::vector<PolicyOutcome>& outcomes, size_t baseline);

// A value as a person reads it ("62.1%", "3.4 h", "$1.25M", "-" when absent).
std::string format_cell(const nlohmann::json& value, Unit unit);

}  // namespace gpufleet::report
