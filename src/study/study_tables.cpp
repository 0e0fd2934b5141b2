#include "study/study_tables.hpp"

#include <cstdio>
#include <map>

#include "metrics/stats.hpp"

namespace gpufleet {

namespace {

std::string number(double x) {
  char text[40];
  std::snprintf(text, sizeof text, "%.10g", x);
  return text;
}

// Per seed, the value of `metric` in the arm's run (absent: the run failed or lacks it).
std::map<long, double> values_by_seed(const std::vector<StudyRun>& runs, int arm,
                                      const std::string& metric) {
  std::map<long, double> values;
  for (const auto& run : runs) {
    double v = 0;
    if (run.arm == arm && run.ok && summary_value(run.summary, metric, v)) values[run.seed] = v;
  }
  return values;
}

std::string interval_fields(const MeanInterval& m) {
  return std::to_string(m.n) + "," + number(m.mean) + "," + number(m.low) + "," + number(m.high);
}

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

const std::vector<StudyHeadline>& study_headlines() {
  static const std::vector<StudyHeadline> h = {
      {"training.capacity_gap", "training capacity gap", "points", 100},
      {"economics.fleet.margin_with_contracts_usd", "margin with contracts", "M USD", 1e-6},
      {"fleet.effective_utilization", "effective utilization", "points", 100},
      {"inference.slo_attainment", "inference SLO attainment", "points", 100},
      {"inference.worst_hour_slo_attainment", "inference SLO, worst hour", "points", 100}};
  return h;
}

bool summary_value(const nlohmann::json& summary, const std::string& key, double& value) {
  std::string pointer = "/" + key;
  for (auto& c : pointer)
    if (c == '.') c = '/';
  const nlohmann::json::json_pointer p(pointer);
  if (!summary.contains(p)) return false;
  const auto& v = summary.at(p);
  if (v.is_boolean()) {
    value = v.get<bool>();
    return true;
  }
  if (!v.is_number()) return false;
  value = v.get<double>();
  return true;
}

std::string study_csv(const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  // No wall times: the same study gives the same file, however and wherever it ran.
  std::string out = "run,arm,policy,fleet,seed,status,error";
  for (const auto& m : spec.metrics) out += "," + m;
  out += "\n";
  for (const auto& run : runs) {
    const auto& arm = arms[run.arm];
    out += csv_field(run.id) + "," + csv_field(arm.name) + "," +
           csv_field(spec.policies[arm.policy].name) + "," +
           csv_field(spec.fleets[arm.fleet].name) + "," + std::to_string(run.seed) + "," +
           (run.ok ? "ok" : "failed") + "," + csv_field(run.error);
    for (const auto& m : spec.metrics) {
      double v = 0;
      out += "," + (run.ok && summary_value(run.summary, m, v) ? number(v) : std::string());
    }
    out += "\n";
  }
  return out;
}

ArmFigure arm_figure(const StudySpec& spec, const std::vector<StudyRun>& runs, int arm,
                     const std::string& metric) {
  const auto mine = values_by_seed(runs, arm, metric);
  std::vector<double> values;
  for (const auto& [seed, v] : mine) values.push_back(v);
  ArmFigure figure{mean_ci95(values), {}};
  if (arm == spec.baseline) return figure;
  // Common random numbers: each seed's workload is the same in both arms, so the difference
  // is taken seed by seed.
  const auto base = values_by_seed(runs, spec.baseline, metric);
  std::vector<double> diffs;
  for (const auto& [seed, v] : mine)
    if (base.count(seed)) diffs.push_back(v - base.at(seed));
  figure.diff = mean_ci95(diffs);
  return figure;
}

std::string study_summary_csv(const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  std::string out =
      "arm,metric,n,mean,ci95_low,ci95_high,baseline,diff_n,diff_mean,diff_ci95_low,"
      "diff_ci95_high\n";
  for (size_t a = 0; a < arms.size(); ++a)
    for (const auto& m : spec.metrics) {
      const bool baseline = static_cast<int>(a) == spec.baseline;
      const ArmFigure f = arm_figure(spec, runs, static_cast<int>(a), m);
      out += csv_field(arms[a].name) + "," + csv_field(m) + "," + interval_fields(f.own) + "," +
             csv_field(arms[spec.baseline].name) +
             (baseline ? std::string(",,,,") : "," + interval_fields(f.diff)) + "\n";
    }
  return out;
}

}  // namespace gpufleet
