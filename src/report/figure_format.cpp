#include "report/figure_format.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

namespace gpufleet::report {

namespace {

bool ends_with(std::string_view text, std::string_view end) {
  return text.size() >= end.size() && text.substr(text.size() - end.size()) == end;
}

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// The last part of a dotted key, and the one before when the last is a statistic
// ("training.wait_s.p50" -> "wait_s").
std::string_view figure_name(std::string_view key) {
  const size_t dot = key.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? key : key.substr(dot + 1);
  const bool statistic = last == "mean" || last == "max" || last == "min" || last == "count" ||
                         (last.size() >= 2 && last[0] == 'p' && std::isdigit(last[1]));
  if (!statistic || dot == std::string_view::npos) return last;
  const std::string_view before = key.substr(0, dot);
  const size_t dot2 = before.rfind('.');
  return dot2 == std::string_view::npos ? before : before.substr(dot2 + 1);
}

}  // namespace

Unit unit_of_key(std::string_view key) {
  const std::string_view name = figure_name(key);
  if (ends_with(name, "_per_useful_eflop_usd")) return Unit::kUsdPerEflop;
  if (ends_with(name, "_usd")) return Unit::kMillionUsd;
  if (ends_with(name, "_years")) return Unit::kYears;
  if (ends_with(name, "_kwh")) return Unit::kKwh;
  for (const char* latency : {"ttft", "tpot", "latency"})
    if (has(name, latency) && ends_with(name, "_s")) return Unit::kMilliseconds;
  if (ends_with(name, "_s")) return Unit::kHours;
  if (has(name, "attainment")) return Unit::kAttainment;
  for (const char* fraction :
       {"utilization", "gap", "fraction", "goodput", "_rate", "share", "_discount"})
    if (has(name, fraction)) return Unit::kPercent;
  for (const char* ratio : {"slowdown", "rho", "queue_length", "ratio"})
    if (has(key, ratio)) return Unit::kRatio;
  return Unit::kCount;
}

bool bounded_figure(std::string_view key) {
  const Unit unit = unit_of_key(key);
  if (unit != Unit::kMillionUsd) return true;
  const std::string_view name = figure_name(key);
  return !has(name, "margin") && !has(name, "net_value");
}

double display_factor(Unit unit) {
  switch (unit) {
    case Unit::kPercent:
    case Unit::kAttainment:
      return 100;
    case Unit::kHours:
      return 1.0 / 3600;
    case Unit::kMillionUsd:
      return 1e-6;
    case Unit::kKwh:
      return 1e-3;
    case Unit::kMilliseconds:
      return 1e3;
    default:
      return 1;
  }
}

int display_decimals(Unit unit) {
  switch (unit) {
    case Unit::kAttainment:
    case Unit::kMillionUsd:
    case Unit::kUsdPerEflop:
    case Unit::kRatio:
      return 2;
    case Unit::kCount:
    case Unit::kKwh:
    case Unit::kMwh:
      return 0;
    default:
      return 1;
  }
}

double display_resolution(Unit unit) {
  return std::pow(10.0, -display_decimals(unit));
}

std::string period_text(double horizon_s) {
  char text[48];
  const double days = horizon_s / 86400;
  if (days >= 1) {
    const bool whole = std::abs(days - std::round(days)) < 0.05;
    std::snprintf(text, sizeof text, whole ? "%.0f day%s" : "%.1f day%s", days,
                  whole && std::round(days) == 1 ? "" : "s");
  } else {
    const double hours = horizon_s / 3600;
    std::snprintf(text, sizeof text, "%.3g hour%s", hours, hours == 1 ? "" : "s");
  }
  return text;
}

std::string unit_text(Unit unit, const std::string& period) {
  switch (unit) {
    case Unit::kPercent:
    case Unit::kAttainment:
      return "%";
    case Unit::kHours:
      return "hours";
    case Unit::kMillionUsd:
      return period.empty() ? "$M" : "$M per " + period;
    case Unit::kUsdPerEflop:
      return "$ per useful EFLOP";
    case Unit::kKwh:
    case Unit::kMwh:
      return "MWh";
    case Unit::kYears:
      return "years";
    case Unit::kMilliseconds:
      return "ms";
    default:
      return "";
  }
}

std::string difference_unit_text(Unit unit, const std::string& period) {
  return unit == Unit::kPercent || unit == Unit::kAttainment ? "points" : unit_text(unit, period);
}

std::string grouped(double value, int decimals, bool sign) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, std::abs(value));
  std::string digits = text;
  const size_t point = digits.find('.');
  std::string whole = digits.substr(0, point);
  const std::string fraction = point == std::string::npos ? "" : digits.substr(point);
  for (int at = static_cast<int>(whole.size()) - 3; at > 0; at -= 3) whole.insert(at, ",");
  // A value that rounds to zero has no sign: "-0.0" would claim a direction.
  const bool zero = std::stod(digits) == 0;
  const std::string prefix = zero ? "" : value < 0 ? "-" : sign ? "+" : "";
  return prefix + whole + fraction;
}

std::string display_number(double raw, Unit unit, bool sign) {
  return grouped(raw * display_factor(unit), display_decimals(unit), sign);
}

std::string display_value(double raw, Unit unit) {
  const std::string number = display_number(raw, unit);
  switch (unit) {
    case Unit::kPercent:
    case Unit::kAttainment:
      return number + "%";
    case Unit::kHours:
      return number + " h";
    case Unit::kMillionUsd:
      return number[0] == '-' ? "-$" + number.substr(1) + "M" : "$" + number + "M";
    case Unit::kUsdPerEflop:
      return number[0] == '-' ? "-$" + number.substr(1) : "$" + number;
    case Unit::kKwh:
    case Unit::kMwh:
      return number + " MWh";
    case Unit::kYears:
      return number + " y";
    case Unit::kMilliseconds:
      return number + " ms";
    default:
      return number;
  }
}

}  // namespace gpufleet::report
