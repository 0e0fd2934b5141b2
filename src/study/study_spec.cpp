#include "study/study_spec.hpp"

#include <algorithm>

#include "formats/json_fields.hpp"

namespace gpufleet {

namespace {

std::string at(const std::string& list, size_t i) {
  return list + "[" + std::to_string(i) + "]";
}

std::vector<long> read_seeds(const JsonFields& f) {
  std::vector<long> seeds;
  const auto& list = f.array_or_empty("seeds");
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_number_integer() || list[i].get<long>() < 0)
      f.fail(at("seeds", i), "expected a whole number >= 0");
    seeds.push_back(list[i].get<long>());
  }
  if (seeds.empty()) f.fail("seeds", "missing or empty", "list the seeds, e.g. [1, 2, 3, 4, 5]");
  if (seeds.size() > 1000) f.fail("seeds", "more than 1,000 seeds", "use fewer seeds");
  auto sorted = seeds;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    f.fail("seeds", "a seed is listed twice", "list each seed once");
  return seeds;
}

std::vector<StudyPolicy> read_policies(const JsonFields& f) {
  std::vector<StudyPolicy> policies;
  const auto& list = f.array("policies");
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_string()) {
      policies.push_back({list[i].get<std::string>(), {}, {}});
      continue;
    }
    const JsonFields p(list[i], f.file(), f.field(at("policies", i)));
    p.reject_unknown({"policy", "params", "forecast"});
    StudyPolicy policy{p.text("policy"), {}, p.text_or("forecast", "")};
    const auto& params = p.array_or_empty("params");
    for (size_t k = 0; k < params.size(); ++k) {
      if (!params[k].is_string()) p.fail(at("params", k), "expected \"NAME=VALUE\"");
      policy.params.push_back(params[k].get<std::string>());
    }
    policies.push_back(std::move(policy));
  }
  if (policies.empty()) f.fail("policies", "empty", "list at least one policy");
  return policies;
}

std::vector<StudyFleet> read_fleets(const JsonFields& f) {
  std::vector<StudyFleet> fleets;
  const auto& list = f.array_or_empty("fleets");
  for (size_t i = 0; i < list.size(); ++i) {
    const JsonFields p(list[i], f.file(), f.field(at("fleets", i)));
    p.reject_unknown({"name", "changes"});
    StudyFleet fleet{p.text("name"), {}};
    const auto& changes = p.array_or_empty("changes");
    for (size_t k = 0; k < changes.size(); ++k) {
      if (!changes[k].is_string()) p.fail(at("changes", k), "expected e.g. \"H100:-50%\"");
      fleet.changes.push_back(changes[k].get<std::string>());
    }
    for (const auto& other : fleets)
      if (other.name == fleet.name) p.fail("name", "two fleets are named '" + fleet.name + "'");
    fleets.push_back(std::move(fleet));
  }
  if (fleets.empty()) fleets.push_back({"base", {}});
  return fleets;
}

void read_tradeoff(const JsonFields& t, StudySpec& s) {
  t.reject_unknown({"x", "y"});
  const auto& xs = t.array("x");
  if (xs.empty()) t.fail("x", "empty", "list the metrics to plot the y metric against");
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!xs[i].is_string())
      t.fail(at("x", i), "expected a summary.json key, e.g. \"inference.slo_attainment\"");
    s.tradeoff_x.push_back(xs[i].get<std::string>());
  }
  s.tradeoff_y = t.text("y");
}

}  // namespace

std::vector<StudyArm> StudySpec::arms() const {
  std::vector<StudyArm> arms;
  for (size_t f = 0; f < fleets.size(); ++f)
    for (size_t p = 0; p < policies.size(); ++p) {
      std::string name = policies[p].name;
      for (size_t k = 0; k < policies[p].params.size(); ++k)
        name += (k == 0 ? " [" : ", ") + policies[p].params[k];
      if (!policies[p].params.empty()) name += "]";
      if (!policies[p].forecast.empty()) name += " {" + policies[p].forecast + "}";
      arms.push_back({name + " @ " + fleets[f].name, static_cast<int>(p), static_cast<int>(f)});
    }
  return arms;
}

const std::vector<std::string>& default_study_metrics() {
  static const std::vector<std::string> metrics = {"fleet.effective_utilization",
                                                   "fleet.allocation_utilization",
                                                   "training.capacity_gap",
                                                   "training.goodput",
                                                   "training.wait_s.p50",
                                                   "training.jct_s.p50",
                                                   "training.jobs_completed",
                                                   "inference.slo_attainment",
                                                   "inference.worst_hour_slo_attainment",
                                                   "lease.revenue_usd",
                                                   "economics.fleet.net_value_usd",
                                                   "economics.fleet.cash_margin_usd",
                                                   "contract.revenue_usd",
                                                   "economics.fleet.margin_with_contracts_usd",
                                                   "fleet.energy_kwh",
                                                   "failures.interruptions"};
  return metrics;
}

StudySpec load_study(const std::string& file) {
  const nlohmann::json doc = read_json_file(file);
  if (!doc.is_object()) throw InputError(file, "", "expected a JSON object", "see docs/studies.md");
  const JsonFields f(doc, file, "");
  f.reject_unknown({"format", "version", "description", "scenario", "scale", "days", "seeds",
                    "policies", "fleets", "baseline", "failures", "timeout_min", "metrics",
                    "forecast", "tradeoff"});
  if (f.text("format") != "gpufleet-study") f.fail("format", "must be \"gpufleet-study\"");
  if (f.number("version") != 1) f.fail("version", "must be 1");
  StudySpec s;
  s.file = file;
  s.scenario = f.text_or("scenario", "seed");
  s.scale = f.has("scale") ? f.positive("scale") : 1;
  if (s.scale > 1000) f.fail("scale", "above 1,000", "use a smaller scale");
  s.days = f.non_negative_or("days", 0);
  if (s.days > 3660) f.fail("days", "above ten years", "simulate fewer days");
  s.seeds = read_seeds(f);
  s.policies = read_policies(f);
  s.forecast = f.text_or("forecast", s.forecast);
  if (f.has("tradeoff")) read_tradeoff(f.child("tradeoff"), s);
  s.fleets = read_fleets(f);
  s.failures = f.text_or("failures", "off");
  if (s.failures != "on" && s.failures != "off") f.fail("failures", "must be \"on\" or \"off\"");
  s.timeout_s = f.has("timeout_min") ? f.positive("timeout_min") * 60 : 3600;
  const auto& metrics = f.array_or_empty("metrics");
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (!metrics[i].is_string()) f.fail(at("metrics", i), "expected a summary.json key");
    s.metrics.push_back(metrics[i].get<std::string>());
  }
  if (s.metrics.empty()) s.metrics = default_study_metrics();
  // The trade-off chart's metrics are summarized like any other.
  for (const auto& key : s.tradeoff_x)
    if (std::find(s.metrics.begin(), s.metrics.end(), key) == s.metrics.end())
      s.metrics.push_back(key);
  if (!s.tradeoff_y.empty() &&
      std::find(s.metrics.begin(), s.metrics.end(), s.tradeoff_y) == s.metrics.end())
    s.metrics.push_back(s.tradeoff_y);
  const std::string baseline = f.text_or("baseline", "");
  const auto arms = s.arms();
  if (!baseline.empty()) {
    const auto it = std::find_if(arms.begin(), arms.end(),
                                 [&](const StudyArm& a) { return a.name == baseline; });
    if (it == arms.end()) {
      std::string names;
      for (const auto& a : arms)
        names += (names.empty() ? "" : ", ") + std::string("'") + a.name + "'";
      f.fail("baseline", "no arm is named '" + baseline + "'", "use one of " + names);
    }
    s.baseline = static_cast<int>(it - arms.begin());
  }
  return s;
}

}  // namespace gpufleet
