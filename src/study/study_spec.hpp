#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "outputs/economics.hpp"

namespace gpufleet {

// One policy of a study, with its --param settings.
struct StudyPolicy {
  std::string name;
  std::vector<std::string> params;
  std::string forecast;    // --forecast; empty: the study's
  std::string field = {};  // where the study file lists it, for errors: "policies[2]"
};

// One fleet of a study: the scenario's fleet with these changes (study/fleet_variant.hpp).
struct StudyFleet {
  std::string name;
  std::vector<std::string> changes;
  std::string field = {};  // where the study file lists it, for errors: "fleets[1]"
};

// One arm: a policy on a fleet. Every arm runs on every seed.
struct StudyArm {
  std::string name;  // "policy @ fleet"
  int policy = 0;
  int fleet = 0;
};

// A study file (docs/studies.md): a scenario, seeds, and the policies x fleets to compare
// against a baseline arm, each seed's workload the same for every arm.
struct StudySpec {
  std::string file;
  std::string scenario = "seed";
  double scale = 1;
  double days = 0;  // 0: the scenario's
  // Demand growth per month of the drawn workloads (docs/seed-scenario.md); unset: the scenario's.
  std::optional<double> training_growth, inference_growth;
  std::vector<long> seeds;
  std::vector<StudyPolicy> policies;
  std::vector<StudyFleet> fleets;
  int baseline = 0;  // index into arms()
  std::string failures = "off";
  std::string walltime = "kill";    // --walltime of every run
  std::string restart_delay;        // --restart-delay of every run; empty: run's default
  std::string forecast = "weekly";  // --forecast of policies that set none
  double timeout_s = 3600;
  std::vector<std::string> metrics;  // summary.json keys, dotted ("training.capacity_gap")
  // Where each metric was named, for errors: "metrics[3]", "tradeoff.x[0]", "metrics (default)".
  std::vector<std::string> metric_fields;
  // Economics overrides: the object of an --economics file (docs/reports.md), given in the
  // study file or read from the file it names; null: the defaults. `economics_file` is where
  // errors point: that file, or empty when the object is in the study file.
  nlohmann::json economics;
  std::string economics_file;
  // A trade-off chart: y against each x, one line per forecast (docs/studies.md); empty: none.
  std::vector<std::string> tradeoff_x;
  std::string tradeoff_y;

  std::vector<StudyArm> arms() const;
};

// Bounds of a study (docs/studies.md, "Bounds"): a small file must not ask for unbounded work.
constexpr size_t kMaxStudyRuns = 10'000;     // policies x fleets x seeds
constexpr size_t kMaxStudyPolicies = 1'000;  // after sweeps
constexpr size_t kMaxStudyFleets = 100;      // after sweeps: each holds its workloads in memory
constexpr size_t kMaxStudySeeds = 1'000;
constexpr double kMaxStudyScale = 100;            // the seed scenario at 100: a million GPUs
constexpr double kMinTimeoutMin = 1.0 / 60;       // a second: Slurm's timeout(1) counts seconds
constexpr double kMaxTimeoutMin = 7 * 24 * 60.0;  // a week

// The folder name of an arm or a fleet: letters, digits, '.', '_' and '-', one '-' for each run
// of other characters ("easy-backfill+spillover @ +504 GB300":
// "easy-backfill-spillover-504-GB300").
std::string folder_name(const std::string& name);

// Reads and checks a study file; errors name the file and field.
StudySpec load_study(const std::string& file);

// The study's economics: the defaults, then its overrides. Throws InputError naming the study
// file (at "economics.KEY") or the economics file it names.
EconomicsParams load_study_economics(const StudySpec& spec);

// The metrics a study reports when its file names none.
const std::vector<std::string>& default_study_metrics();

}  // namespace gpufleet
