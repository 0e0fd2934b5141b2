#pragma once

#include <string>
#include <string_view>

namespace gpufleet::report {

// How a figure of summary.json reads: the unit it is shown in, derived from its key, and how
// many decimals it deserves. One table for compare, the run report and the study report.
enum class Unit {
  kPercent,      // a fraction shown in % with one decimal (utilization, gap, goodput)
  kAttainment,   // a fraction close to 1 shown in % with two decimals (SLO attainment)
  kHours,        // seconds shown in hours
  kMillionUsd,   // USD shown in $M over the run's period
  kUsdPerEflop,  // USD per useful EFLOP
  kCount,        // a whole number (jobs, leases, GPU-hours) with thousands separators
  kKwh,          // energy in kWh (summary.json), shown in MWh
  kMwh,          // energy in MWh
  kYears,
  kRatio,         // a dimensionless ratio with two decimals (slowdown, fairness, queue length)
  kMilliseconds,  // seconds shown in ms (request latency: TTFT, TPOT)
};

// The unit of a summary.json figure by its dotted key ("training.wait_s.p50" -> hours).
Unit unit_of_key(std::string_view key);

// Whether the figure cannot be below zero (nor, for fractions, above one): a CI past those
// bounds is clipped. Money that nets costs against revenue (margin, net value) can be negative.
bool bounded_figure(std::string_view key);

// summary.json's unit -> displayed unit (fractions x100, seconds / 3600, USD / 1e6, kWh / 1e3).
double display_factor(Unit unit);
int display_decimals(Unit unit);
// The smallest displayed step: a difference below half of it reads as 0.
double display_resolution(Unit unit);

// "30 days", "2.5 days", "12 hours": the window of a run of `horizon_s` seconds.
std::string period_text(double horizon_s);

// The unit as a column header or axis label says it: "%", "hours", "$M per 30 days", "MWh".
// `period` is period_text() of the run (money only).
std::string unit_text(Unit unit, const std::string& period = "");
// A difference's unit: "points" for percentages, otherwise unit_text().
std::string difference_unit_text(Unit unit, const std::string& period = "");

// A displayed number without its unit: `raw` (summary.json's unit) scaled, rounded to the
// unit's decimals, with thousands separators; `sign` adds "+" to positive values.
std::string display_number(double raw, Unit unit, bool sign = false);
// The same with its unit marker where it is short: "17.9%", "99.93%", "3.4 h", "$9.27M",
// "1,234 MWh", "12,345".
std::string display_value(double raw, Unit unit);

// A number with thousands separators and `decimals` decimals ("12,345.6").
std::string grouped(double value, int decimals, bool sign = false);

}  // namespace gpufleet::report
