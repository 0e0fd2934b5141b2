// The comparison as people read it: the verdict against the baseline, then tables with one
// row per figure and one column per policy, each table fitting a 100-column terminal.
#include <algorithm>
#include <sstream>

#include "report/comparison.hpp"

namespace gpufleet::report {

namespace {

using nlohmann::json;

const PolicyOutcome* first_ok(const std::vector<PolicyOutcome>& outcomes) {
  for (const auto& o : outcomes)
    if (o.ok) return &o;
  return nullptr;
}

std::string period_of(const PolicyOutcome* run) {
  return run ? period_text(run->summary.value("horizon_s", 0.0)) : "the run";
}

// Money carries its period in the row label ("cost, $M per 30 days") and is a bare number in
// the cells; the other units are short enough to stay in the cells ("17.9%", "3.4 h").
std::string row_label(const Column& c, const std::string& period) {
  return c.unit == Unit::kMillionUsd ? c.label + ", " + unit_text(c.unit, period) : c.label;
}

std::string value_cell(const Column& c, const PolicyOutcome& o) {
  if (!o.ok) return "-";
  const json v = c.value(o.summary);
  if (!v.is_number()) return "-";
  return c.unit == Unit::kMillionUsd ? display_number(v.get<double>(), c.unit)
                                     : display_value(v.get<double>(), c.unit);
}

std::vector<Column> group_columns(const std::vector<PolicyOutcome>& outcomes, TableGroup group) {
  const auto all = comparison_columns(outcomes);
  std::vector<std::string> keys;
  if (group == TableGroup::kHeadline)
    keys = {"fleet_allocation_utilization",
            "fleet_effective_utilization",
            "training_capacity_gap",
            "training_wait_p50_s",
            "training_wait_p95_s",
            "training_jct_p50_s",
            "training_jct_p95_s",
            "inference_slo_attainment",
            "inference_slo_worst_hour",
            "inference_worst_service_slo_attainment",
            "inference_worst_ttft_p99_s",
            "inference_worst_tpot_p99_s",
            "leases_accepted",
            "leases_rejected",
            "leases_reclaimed",
            "training_preemptions",
            "lease_revenue_usd",
            "energy_mwh"};
  else if (group == TableGroup::kEconomics)
    keys = economics_keys();
  std::vector<Column> columns;
  for (const auto& c : all)
    if (group == TableGroup::kPools ? c.key.rfind("pool_", 0) == 0
                                    : std::find(keys.begin(), keys.end(), c.key) != keys.end())
      columns.push_back(c);
  // In the order of the keys, not of the columns.
  if (group != TableGroup::kPools)
    std::sort(columns.begin(), columns.end(), [&](const Column& a, const Column& b) {
      return std::find(keys.begin(), keys.end(), a.key) <
             std::find(keys.begin(), keys.end(), b.key);
    });
  return columns;
}

// "a", "a and b", "a, b and c".
std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

// Better, worse or the same, as the difference is shown: a difference that rounds to 0 at the
// figure's decimals is no difference to the reader, and the reading says what the table shows.
int direction(double difference, const VerdictFigure& f) {
  const std::string shown = display_number(difference, f.column.unit, true);
  if (shown[0] != '+' && shown[0] != '-') return 0;
  return (shown[0] == '+') == f.higher_is_better ? 1 : -1;
}

std::string reading_of(const std::vector<std::optional<double>>& differences) {
  const auto figures = verdict_figures();
  std::vector<std::string> better, worse, same;
  for (size_t f = 0; f < figures.size(); ++f) {
    if (!differences[f]) continue;
    const int d = direction(*differences[f], figures[f]);
    (d > 0 ? better : d < 0 ? worse : same).push_back(figures[f].name);
  }
  if (better.empty() && worse.empty()) return "no difference at the shown decimals";
  const std::string rest = same.empty() ? "" : "; the same on " + joined(same);
  if (worse.empty()) return same.empty() ? "better on all" : "better on " + joined(better) + rest;
  if (better.empty()) return same.empty() ? "worse on all" : "worse on " + joined(worse) + rest;
  return "trades " + joined(worse) + " for " + joined(better) + rest;
}

}  // namespace

std::vector<std::string> policy_headers(const std::vector<PolicyOutcome>& outcomes, size_t width) {
  // Row labels take up to 40 characters; a column the wider of its name and its values (10).
  size_t needed = 1 + 40 + 3;
  for (const auto& o : outcomes) needed += std::max<size_t>(o.policy.size(), 10) + 3;
  std::vector<std::string> headers;
  for (size_t i = 0; i < outcomes.size(); ++i)
    headers.push_back(width == 0 || needed <= width ? outcomes[i].policy
                                                    : "#" + std::to_string(i + 1));
  return headers;
}

std::vector<std::string> policy_legend(const std::vector<PolicyOutcome>& outcomes,
                                       size_t baseline) {
  const auto headers = policy_headers(outcomes);
  if (outcomes.empty() || headers.front() == outcomes.front().policy) return {};
  std::vector<std::string> legend;
  for (size_t i = 0; i < outcomes.size(); ++i)
    legend.push_back(headers[i] + " " + outcomes[i].policy + (i == baseline ? " (baseline)" : ""));
  return legend;
}

Verdict comparison_verdict(const std::vector<PolicyOutcome>& outcomes, size_t baseline) {
  Verdict v;
  if (baseline >= outcomes.size()) return v;
  const PolicyOutcome& base = outcomes[baseline];
  v.baseline = base.policy;
  v.baseline_ok = base.ok;
  const PolicyOutcome* reference = base.ok ? &base : first_ok(outcomes);
  v.period = period_of(reference);
  v.draw = reference
               ? "seed " + std::to_string(reference->summary.value("seed", 0ul)) + ", " + v.period
               : v.period;
  const auto figures = verdict_figures();
  const auto headers = policy_headers(outcomes);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (i == baseline) continue;
    const PolicyOutcome& o = outcomes[i];
    PolicyVerdict p{o.policy, headers[i], o.ok, o.error, {}, {}};
    for (const auto& f : figures) {
      std::optional<double> d;
      if (o.ok && base.ok) {
        const json a = f.column.value(o.summary), b = f.column.value(base.summary);
        if (a.is_number() && b.is_number()) d = a.get<double>() - b.get<double>();
      }
      p.differences.push_back(d);
    }
    p.reading = !o.ok      ? "failed: " + o.error
                : !base.ok ? "no verdict: the baseline failed"
                           : reading_of(p.differences);
    v.policies.push_back(std::move(p));
  }
  return v;
}

std::string markdown_table(const TextTable& table) {
  const auto& header = table.front();
  std::vector<size_t> width(header.size(), 3);
  for (const auto& r : table)
    for (size_t c = 0; c < r.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], r[c].size());
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
  for (size_t r = 1; r < table.size(); ++r) out += line(table[r], false);
  return out;
}

std::vector<TextTable> split_to_width(const TextTable& table, size_t width) {
  if (width == 0 || table.empty() || table.front().size() < 2) return {table};
  std::vector<size_t> widths(table.front().size(), 3);
  for (const auto& r : table)
    for (size_t c = 0; c < r.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], r[c].size());
  // A Markdown line is "|" then " cell |" per column: each column takes its width + 3.
  std::vector<std::vector<size_t>> groups;
  size_t used = 0;
  for (size_t c = 1; c < widths.size(); ++c) {
    if (groups.empty() || used + widths[c] + 3 > width) {
      groups.push_back({});
      used = 1 + widths[0] + 3;
    }
    groups.back().push_back(c);
    used += widths[c] + 3;
  }
  std::vector<TextTable> tables;
  for (const auto& g : groups) {
    TextTable part;
    for (const auto& r : table) {
      std::vector<std::string> row{r[0]};
      for (size_t c : g) row.push_back(c < r.size() ? r[c] : "");
      part.push_back(std::move(row));
    }
    tables.push_back(std::move(part));
  }
  return tables;
}

std::vector<TextTable> split_to_columns(const TextTable& table, size_t columns) {
  if (table.empty() || table.front().size() <= columns + 1 || columns == 0) return {table};
  std::vector<TextTable> tables;
  for (size_t first = 1; first < table.front().size(); first += columns) {
    TextTable part;
    for (const auto& r : table) {
      std::vector<std::string> row{r[0]};
      for (size_t c = first; c < first + columns && c < r.size(); ++c) row.push_back(r[c]);
      part.push_back(std::move(row));
    }
    tables.push_back(std::move(part));
  }
  return tables;
}

std::vector<std::string> wrap_text(const std::string& text, size_t width,
                                   const std::string& indent) {
  std::vector<std::string> lines;
  std::istringstream words(text);
  std::string word, line;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line = indent;
    }
    line += (line.empty() || line == indent ? "" : " ") + word;
  }
  if (!line.empty() && line != indent) lines.push_back(line);
  return lines;
}

std::vector<TextTable> comparison_tables(const std::vector<PolicyOutcome>& outcomes,
                                         TableGroup group, size_t width) {
  const std::string period = period_of(first_ok(outcomes));
  TextTable table{{"figure"}};
  for (const auto& h : policy_headers(outcomes, width)) table[0].push_back(h);
  for (const auto& c : group_columns(outcomes, group)) {
    std::vector<std::string> row{row_label(c, period)};
    for (const auto& o : outcomes) row.push_back(value_cell(c, o));
    table.push_back(std::move(row));
  }
  return split_to_width(table, width);
}

std::vector<TextTable> verdict_tables(const Verdict& verdict, size_t width) {
  if (verdict.policies.empty()) return {};
  TextTable table{{"minus the baseline"}};
  for (const auto& p : verdict.policies) table[0].push_back(width == 0 ? p.policy : p.header);
  const auto figures = verdict_figures();
  for (size_t f = 0; f < figures.size(); ++f) {
    const Unit unit = figures[f].column.unit;
    std::vector<std::string> row{figures[f].column.label + ", " +
                                 difference_unit_text(unit, verdict.period)};
    for (const auto& p : verdict.policies)
      row.push_back(p.differences[f] ? display_number(*p.differences[f], unit, true) : "-");
    table.push_back(std::move(row));
  }
  return split_to_width(table, width);
}

std::vector<std::string> verdict_lines(const Verdict& verdict, size_t width) {
  std::vector<std::string> lines;
  if (verdict.policies.empty())
    return wrap_text("One policy: nothing to compare " + verdict.baseline + " with.", width);
  for (const auto& p : verdict.policies) {
    const std::string name = p.header == p.policy ? p.policy : p.header + " " + p.policy;
    const auto wrapped = wrap_text("- " + name + ": " + p.reading, width, "  ");
    lines.insert(lines.end(), wrapped.begin(), wrapped.end());
  }
  return lines;
}

std::vector<std::string> failure_lines(const std::vector<PolicyOutcome>& outcomes) {
  std::vector<std::string> lines;
  for (const auto& o : outcomes)
    if (!o.ok) lines.push_back(o.policy + " failed: " + o.error);
  return lines;
}

std::string comparison_markdown(const std::vector<PolicyOutcome>& outcomes, size_t baseline) {
  const Verdict verdict = comparison_verdict(outcomes, baseline);
  const auto lines = [](const std::vector<std::string>& text) {
    std::string out;
    for (const auto& l : text) out += l + "\n";
    return out;
  };
  const auto tables = [](const std::vector<TextTable>& parts) {
    std::string out;
    for (const auto& t : parts) out += markdown_table(t) + "\n";
    return out;
  };
  std::string out = "## Verdict: each policy against " + verdict.baseline + "\n\n";
  const auto legend = policy_legend(outcomes, baseline);
  if (!legend.empty()) {
    out += "Policies:\n";
    for (const auto& entry : legend) out += lines(wrap_text("- " + entry, 100, "  "));
    out += "\n";
  }
  out += lines(wrap_text("Differences of one draw (" + verdict.draw +
                             "), without confidence intervals: `gpufleet study` runs several "
                             "seeds and gives them.",
                         100)) +
         "\n";
  out += tables(verdict_tables(verdict)) + lines(verdict_lines(verdict)) + "\n";
  out +=
      "## Headline (allocation = GPU-time held / available; effective = useful FLOPs / peak)\n\n";
  out += tables(comparison_tables(outcomes, TableGroup::kHeadline));
  const auto failed = failure_lines(outcomes);
  for (const auto& f : failed) out += lines(wrap_text("- " + f, 100, "  "));
  if (!failed.empty()) out += "\n";
  out += "## Utilization per pool\n\n" + tables(comparison_tables(outcomes, TableGroup::kPools));
  out += "## Economics over the run (" + verdict.period + ")\n\n" +
         tables(comparison_tables(outcomes, TableGroup::kEconomics));
  return out;
}

}  // namespace gpufleet::report
