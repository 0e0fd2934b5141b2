#pragma once

#include <nlohmann/json.hpp>
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

// A summary.json figure by its dotted key ("training.capacity_gap"); false if absent.
bool summary_value(const nlohmann::json& summary, const std::string& key, double& value);

// An arm's figure over seeds: its mean with a 95% CI, and its paired difference against the
// baseline arm (seed by seed, seeds where both ran; n = 0 for the baseline itself).
struct ArmFigure {
  MeanInterval own, diff;
};
ArmFigure arm_figure(const StudySpec& spec, const std::vector<StudyRun>& runs, int arm,
                     const std::string& metric);

// The figures a study's verdict is read from: summary.json key, label, unit, factor to it.
struct StudyHeadline {
  std::string metric, label, unit;
  double factor;
};
const std::vector<StudyHeadline>& study_headlines();

// A field of a CSV file: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

// study.csv: one row per run (arm, policy, fleet, seed, status, error, then each metric).
std::string study_csv(const StudySpec& spec, const std::vector<StudyRun>& runs);

// study_summary.csv: per arm and metric, the mean over seeds with its 95% CI, and the paired
// difference against the baseline arm (seed by seed, seeds where both ran) with its 95% CI.
std::string study_summary_csv(const StudySpec& spec, const std::vector<StudyRun>& runs);

}  // namespace gpufleet
