#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "metrics/stats.hpp"
#include "study/study_spec.hpp"

namespace gpufleet {

// One run of a study: an arm on a seed, and what it gave.
struct StudyRun {
  int arm = 0;
  long seed = 0;
  std::string id;  // its folder under runs/
  bool ok = false;
  std::string error;       // why it failed
  nlohmann::json summary;  // its summary.json when ok
};

// The value at a dotted summary.json key, or nullptr: objects by key, arrays of objects by the
// `id` or `name` of an element ("inference.services.reason-405b.slo_attainment", "pools.h200.
// allocation_utilization"; ids may hold '.' and '-': the longest that fits), other arrays by
// index ("training.capacity_gap_window_s.1").
const nlohmann::json* find_summary_key(const nlohmann::json& summary, const std::string& key);

// A summary.json figure by its dotted key (find_summary_key); false if absent or not a number
// (a boolean counts as 0 or 1).
bool summary_value(const nlohmann::json& summary, const std::string& key, double& value);

// Every key of a summary that holds a number, a boolean or null, as find_summary_key reads them.
std::vector<std::string> summary_keys(const nlohmann::json& summary);

// Throws InputError naming the study file, the metric's field ("metrics[3]") and the nearest
// key, unless every metric resolves to a number or null in at least one of `summaries` (what
// the study's runs will write: study/summary_skeleton.hpp).
void check_study_keys(const StudySpec& spec, const std::vector<nlohmann::json>& summaries);

// An arm's figure over seeds: its mean with a 95% CI, and its paired difference against the
// baseline arm (seed by seed, seeds where both ran; n = 0 for the baseline itself).
struct ArmFigure {
  MeanInterval own, diff;
};
ArmFigure arm_figure(const StudySpec& spec, const std::vector<StudyRun>& runs, int arm,
                     const std::string& metric);

// Buying or lending as an investment against the baseline (docs/studies.md), from the runs
// paired by seed. D, the yearly cash flow change, is the paired difference of net value per
// year + depreciation per year (depreciation is not cash: the capex is paid up front instead);
// it is assumed to repeat every year of the assets' life (a contract's terms renewed).
struct Investment {
  long n = 0;              // seeds where both the arm and the baseline ran
  double capex_usd = 0;    // GPUs the arm's fleet adds over the baseline's, per model, at capex
  MeanInterval cash_flow;  // D, USD per year
  MeanInterval npv;        // -capex + sum over t = 1..life of D / (1 + r)^t
  // capex / mean(D), its 95% CI capex / D's CI bounds; none when mean(D) <= 0 or capex = 0 (a
  // bound: when that bound of D is <= 0, never paid back).
  std::optional<double> payback_years, payback_low, payback_high;
  double life_years = 0, discount_rate = 0;  // economics.parameters of the runs
};
Investment arm_investment(const StudySpec& spec, const std::vector<StudyRun>& runs, int arm);

// sum over t = 1..L of 1 / (1 + r)^t: (1 - (1 + r)^-L) / r, L when r = 0 (a fractional L counts
// its part year by the same formula).
double annuity_factor(double life_years, double discount_rate);

// The figures a study's verdict is read from: summary.json key, label, unit, factor to it.
struct StudyHeadline {
  std::string metric, label, unit;
  double factor;
};
const std::vector<StudyHeadline>& study_headlines();
// Those worth reading for these runs: the net value over the window repeats the net value per
// year when the window is a year, and is left out then.
std::vector<StudyHeadline> study_headlines(const std::vector<StudyRun>& runs);

// A field of a CSV file: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

// study.csv: one row per run (arm, policy, fleet, seed, status, error, then each metric).
std::string study_csv(const StudySpec& spec, const std::vector<StudyRun>& runs);

// study_summary.csv: per arm and metric, the mean over seeds with its 95% CI, and the paired
// difference against the baseline arm (seed by seed, seeds where both ran) with its 95% CI;
// then, for each arm but the baseline, its investment figures (investment.capex_usd,
// yearly_cash_flow_usd, npv_usd, payback_years) in the difference columns.
std::string study_summary_csv(const StudySpec& spec, const std::vector<StudyRun>& runs);

}  // namespace gpufleet
