#include "study/study_tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "metrics/stats.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

using nlohmann::json;

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

// Whether `key` is `rest` or its first dotted part(s): "a.b" fits "a.b" and "a.b.c".
bool fits(const std::string& rest, size_t from, const std::string& key) {
  return !key.empty() && rest.compare(from, key.size(), key) == 0 &&
         (from + key.size() == rest.size() || rest[from + key.size()] == '.');
}

// How an element of an array is named in a key: its id, else its name, else its index.
std::string label_of(const json& element, size_t index) {
  for (const char* field : {"id", "name"})
    if (element.is_object() && element.contains(field) && element[field].is_string())
      return element[field].get<std::string>();
  return std::to_string(index);
}

// The child of `node` that the key names at `from`, the longest that fits; nullptr if none.
const json* child_at(const json& node, const std::string& key, size_t from, size_t& length) {
  const json* best = nullptr;
  length = 0;
  auto consider = [&](const std::string& name, const json& child) {
    if (fits(key, from, name) && name.size() > length) {
      best = &child;
      length = name.size();
    }
  };
  if (node.is_object())
    for (const auto& [name, child] : node.items()) consider(name, child);
  if (node.is_array())
    for (size_t i = 0; i < node.size(); ++i) {
      consider(label_of(node[i], i), node[i]);
      consider(std::to_string(i), node[i]);
    }
  return best;
}

// The deepest node a key reaches, and how much of the key it used.
const json* deepest(const json& summary, const std::string& key, size_t& used) {
  const json* at = &summary;
  used = 0;
  for (size_t from = 0;;) {
    size_t length = 0;
    const json* next = child_at(*at, key, from, length);
    if (next == nullptr) return at;
    at = next;
    used = from + length;
    if (used == key.size()) return at;
    from = used + 1;
  }
}

void collect_keys(const json& node, const std::string& prefix, std::vector<std::string>& out) {
  const auto path = [&](const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
  };
  if (node.is_object()) {
    for (const auto& [name, child] : node.items()) collect_keys(child, path(name), out);
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) collect_keys(node[i], path(label_of(node[i], i)), out);
  } else if (node.is_number() || node.is_boolean() || node.is_null()) {
    out.push_back(prefix);
  }
}

bool is_figure(const json* v) {
  return v != nullptr && (v->is_number() || v->is_boolean() || v->is_null());
}

std::string list_of(const std::vector<std::string>& names, size_t most) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < most; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > most) text += ", ... (" + std::to_string(names.size()) + " in all)";
  return text;
}

// Why a key does not resolve in `summary`, and its fix: what the key reached, and what is there.
std::pair<std::string, std::string> key_problem(const json& summary, const std::string& key) {
  size_t used = 0;
  const json* at = deepest(summary, key, used);
  const std::string reached = key.substr(0, used);
  std::vector<std::string> below;
  collect_keys(*at, reached, below);
  if (used == key.size())
    return {"'" + key + "' is " + (at->is_string() ? "a text" : "a group of figures") +
                ", not a number",
            below.empty() ? "name a number of summary.json (docs/metrics.md)"
                          : "name one of its figures: " + list_of(below, 12)};
  std::vector<std::string> names;
  if (at->is_object())
    for (const auto& [name, child] : at->items()) names.push_back(name);
  if (at->is_array())
    for (size_t i = 0; i < at->size(); ++i) names.push_back(label_of((*at)[i], i));
  const std::string where = reached.empty() ? "summary.json" : "'" + reached + "'";
  return {"unknown summary.json key '" + key + "'",
          names.empty() ? "see docs/metrics.md"
                        : where + " has " + list_of(names, 30) + " (docs/metrics.md)"};
}

// Figures of one run by GPU model: GPUs in its fleet, capex per GPU.
std::map<std::string, double> gpus_by_model(const json& summary) {
  std::map<std::string, double> gpus;
  if (summary.contains("pools"))
    for (const auto& p : summary["pools"]) gpus[p.value("gpu_model", "")] += p.value("gpus", 0.0);
  return gpus;
}

double capex_per_gpu(const json& summary, const std::string& model) {
  const auto* pools = find_summary_key(summary, "economics.pools");
  if (pools && pools->is_array())
    for (const auto& p : *pools)
      if (p.value("gpu_model", "") == model) return p.value("capex_per_gpu_usd", 0.0);
  return 0;
}

// Capex of the GPUs `arm` has beyond `base`, model by model.
double added_capex(const json& arm, const json& base) {
  const auto mine = gpus_by_model(arm), theirs = gpus_by_model(base);
  double capex = 0;
  for (const auto& [model, gpus] : mine) {
    const auto it = theirs.find(model);
    const double added = gpus - (it == theirs.end() ? 0.0 : it->second);
    if (added > 0) capex += added * capex_per_gpu(arm, model);
  }
  return capex;
}

// Net value + depreciation per year: the yearly cash the fleet brings (depreciation is not cash).
bool yearly_cash(const json& summary, double& cash) {
  double net = 0, depreciation = 0;
  if (!summary_value(summary, "economics.fleet_per_year.net_value_usd", net) ||
      !summary_value(summary, "economics.fleet_per_year.depreciation_usd", depreciation))
    return false;
  cash = net + depreciation;
  return true;
}

std::string optional_field(const std::optional<double>& x) {
  return x ? number(*x) : std::string();
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
      {"economics.fleet_per_year.net_value_usd", "net value per year", "M USD", 1e-6},
      {"economics.fleet.net_value_usd", "net value over the window", "M USD", 1e-6},
      {"fleet.effective_utilization", "effective utilization", "points", 100},
      {"inference.slo_attainment", "inference SLO attainment", "points", 100},
      {"inference.worst_hour_slo_attainment", "inference SLO, worst hour", "points", 100},
      {"inference.worst_service_slo_attainment", "worst service's SLO attainment", "points", 100},
      {"inference.worst_service_hour_slo_attainment", "worst hour of any one service", "points",
       100}};
  return h;
}

std::vector<StudyHeadline> study_headlines(const std::vector<StudyRun>& runs) {
  const auto ran = std::find_if(runs.begin(), runs.end(), [](const StudyRun& r) { return r.ok; });
  const bool a_year = ran != runs.end() && ran->summary.value("horizon_s", 0.0) == 365 * 86400.0;
  std::vector<StudyHeadline> out;
  for (const auto& h : study_headlines())
    if (!(a_year && h.metric == "economics.fleet.net_value_usd")) out.push_back(h);
  return out;
}

const json* find_summary_key(const json& summary, const std::string& key) {
  if (key.empty()) return nullptr;
  size_t used = 0;
  const json* at = deepest(summary, key, used);
  return used == key.size() ? at : nullptr;
}

bool summary_value(const json& summary, const std::string& key, double& value) {
  const json* v = find_summary_key(summary, key);
  if (v == nullptr) return false;
  if (v->is_boolean()) {
    value = v->get<bool>();
    return true;
  }
  if (!v->is_number()) return false;
  value = v->get<double>();
  return true;
}

std::vector<std::string> summary_keys(const json& summary) {
  std::vector<std::string> keys;
  collect_keys(summary, "", keys);
  return keys;
}

void check_study_keys(const StudySpec& spec, const std::vector<json>& summaries) {
  std::vector<std::string> known;  // for "did you mean", built once and only when needed
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    const std::string& key = spec.metrics[i];
    bool found = false;
    for (const auto& s : summaries) found = found || is_figure(find_summary_key(s, key));
    if (found || summaries.empty()) continue;
    if (known.empty()) {
      std::set<std::string> all;
      for (const auto& s : summaries)
        for (auto& k : summary_keys(s)) all.insert(std::move(k));
      known.assign(all.begin(), all.end());
    }
    auto [problem, fix] = key_problem(summaries.front(), key);
    const std::string field = i < spec.metric_fields.size() ? spec.metric_fields[i] : "metrics";
    throw InputError(spec.file, field, problem + did_you_mean(key, known), fix);
  }
}

double annuity_factor(double life_years, double rate) {
  if (rate == 0) return life_years;
  return (1 - std::pow(1 + rate, -life_years)) / rate;
}

Investment arm_investment(const StudySpec& spec, const std::vector<StudyRun>& runs, int arm) {
  Investment inv;
  if (arm == spec.baseline) return inv;
  std::map<long, const StudyRun*> base;
  for (const auto& r : runs)
    if (r.arm == spec.baseline && r.ok) base[r.seed] = &r;
  std::vector<double> flows;
  for (const auto& r : runs) {
    double mine = 0, theirs = 0;
    if (r.arm != arm || !r.ok || !base.count(r.seed)) continue;
    const json& b = base.at(r.seed)->summary;
    if (!yearly_cash(r.summary, mine) || !yearly_cash(b, theirs)) continue;
    if (flows.empty()) {  // the fleets and the economics are those of every seed
      inv.capex_usd = added_capex(r.summary, b);
      summary_value(r.summary, "economics.parameters.life_years", inv.life_years);
      summary_value(r.summary, "economics.parameters.discount_rate", inv.discount_rate);
    }
    flows.push_back(mine - theirs);
  }
  inv.n = static_cast<long>(flows.size());
  if (flows.empty()) return inv;
  inv.cash_flow = mean_ci95(flows);
  // NPV is linear in D: its interval is D's, through the same line.
  const double a = annuity_factor(inv.life_years, inv.discount_rate);
  inv.npv = {inv.n, -inv.capex_usd + a * inv.cash_flow.mean, -inv.capex_usd + a * inv.cash_flow.low,
             -inv.capex_usd + a * inv.cash_flow.high};
  if (inv.capex_usd > 0 && inv.cash_flow.mean > 0) {
    inv.payback_years = inv.capex_usd / inv.cash_flow.mean;
    inv.payback_low = inv.capex_usd / inv.cash_flow.high;  // > 0: high >= mean
    if (inv.cash_flow.low > 0) inv.payback_high = inv.capex_usd / inv.cash_flow.low;
  }
  return inv;
}

std::string study_csv(const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  // No wall times: the same study gives the same file, however and wherever it ran.
  std::string out = "run,arm,policy,fleet,seed,status,error";
  for (const auto& m : spec.metrics) out += "," + csv_field(m);
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
  const std::string baseline = csv_field(arms[spec.baseline].name);
  for (size_t a = 0; a < arms.size(); ++a) {
    const bool is_baseline = static_cast<int>(a) == spec.baseline;
    const std::string arm = csv_field(arms[a].name);
    for (const auto& m : spec.metrics) {
      const ArmFigure f = arm_figure(spec, runs, static_cast<int>(a), m);
      out += arm + "," + csv_field(m) + "," + interval_fields(f.own) + "," + baseline +
             (is_baseline ? std::string(",,,,") : "," + interval_fields(f.diff)) + "\n";
    }
    if (is_baseline) continue;
    // Against the baseline by nature: in the difference columns.
    const Investment inv = arm_investment(spec, runs, static_cast<int>(a));
    auto row = [&](const char* metric, const std::string& fields) {
      out += arm + ",investment." + metric + ",,,,," + baseline + "," + fields + "\n";
    };
    const std::string n = std::to_string(inv.n);
    if (inv.n == 0) {
      for (const char* m : {"capex_usd", "yearly_cash_flow_usd", "npv_usd", "payback_years"})
        row(m, "0,,,");
      continue;
    }
    const std::string capex = number(inv.capex_usd);
    row("capex_usd", n + "," + capex + "," + capex + "," + capex);
    row("yearly_cash_flow_usd", interval_fields(inv.cash_flow));
    row("npv_usd", interval_fields(inv.npv));
    row("payback_years", n + "," + optional_field(inv.payback_years) + "," +
                             optional_field(inv.payback_low) + "," +
                             optional_field(inv.payback_high));
  }
  return out;
}

}  // namespace gpufleet
