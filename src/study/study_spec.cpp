#include "study/study_spec.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>

#include "formats/json_fields.hpp"
#include "formats/temporary_file.hpp"
#include "model/failure_model.hpp"

namespace gpufleet {

namespace {

std::string at(const std::string& list, size_t i) {
  return list + "[" + std::to_string(i) + "]";
}

bool is_identifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// The "{NAME}" placeholders of a text, in order.
std::vector<std::string> placeholders(const std::string& text) {
  std::vector<std::string> names;
  for (auto open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const auto close = text.find('}', open);
    if (close == std::string::npos) break;
    const std::string name = text.substr(open + 1, close - open - 1);
    if (is_identifier(name)) names.push_back(name);
  }
  return names;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// A sweep value as it goes into a name or a parameter: 0.1 as "0.1", 576 as "576".
std::string sweep_text(const nlohmann::json& v, const JsonFields& sweep, const std::string& field) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number_float() && std::isfinite(v.get<double>())) return v.dump();
  sweep.fail(field, "expected a number or a string, got " + v.dump());
}

// The texts of an entry that placeholders may stand in: `keys`, each a string or a list of them.
template <typename Visit>
void for_each_text(const nlohmann::json& entry, const std::vector<std::string>& keys, Visit visit) {
  for (const auto& key : keys) {
    if (!entry.contains(key)) continue;
    const auto& value = entry.at(key);
    if (value.is_string()) visit(key, value.get<std::string>());
    if (value.is_array())
      for (size_t k = 0; k < value.size(); ++k)
        if (value[k].is_string()) visit(at(key, k), value[k].get<std::string>());
  }
}

// Refuses a placeholder other than `allowed` (none when empty) in the entry's texts.
void check_placeholders(const nlohmann::json& entry, const JsonFields& f,
                        const std::vector<std::string>& keys, const std::string& allowed) {
  for_each_text(entry, keys, [&](const std::string& field, const std::string& text) {
    for (const auto& name : placeholders(text))
      if (name != allowed)
        f.fail(field, "unknown placeholder {" + name + "}",
               allowed.empty() ? "add \"sweep\": {\"" + name + "\": [VALUE, ...]} to the entry"
                               : "the entry sweeps {" + allowed + "} only");
  });
}

// The entries one entry of "policies" or "fleets" stands for: itself, or with "sweep":
// {"NAME": [v1, v2, ...]}, one copy per value with each {NAME} of its `keys` replaced by the
// value. A fleet whose name lacks the placeholder gets " (NAME=v)" appended.
// At most `room` entries: a sweep that would pass a bound is refused before it is expanded.
std::vector<nlohmann::json> expand_sweep(const nlohmann::json& entry, const JsonFields& f,
                                         const std::vector<std::string>& keys, bool named,
                                         size_t room, const std::string& what) {
  if (!f.has("sweep")) {
    check_placeholders(entry, f, keys, "");
    return {entry};
  }
  const JsonFields sweep = f.child("sweep");
  const auto& variables = entry.at("sweep");
  if (variables.size() != 1)
    f.fail("sweep", "sweeps " + std::to_string(variables.size()) + " variables",
           "sweep one variable per entry, e.g. {\"h\": [0, 0.1, 0.2]}; list another entry for "
           "another variable");
  const std::string name = variables.begin().key();
  if (!is_identifier(name))
    f.fail("sweep", "'" + name + "' is not a variable name",
           "use letters, digits and '_', e.g. \"headroom\"");
  const auto& values = sweep.array(name);
  if (values.empty()) sweep.fail(name, "empty", "list the values, e.g. [0, 0.1, 0.2]");
  if (values.size() > room)
    sweep.fail(name,
               std::to_string(values.size()) + " values: the study would have more than " +
                   std::to_string(room) + " " + what + " left of its bound",
               "sweep fewer values (docs/studies.md, \"Bounds\")");
  check_placeholders(entry, f, keys, name);
  const std::string placeholder = "{" + name + "}";
  bool used = false;
  for_each_text(entry, keys, [&](const std::string&, const std::string& text) {
    used = used || text.find(placeholder) != std::string::npos;
  });
  if (!used)
    f.fail("sweep", placeholder + " appears nowhere in the entry",
           "write " + placeholder + " where the value goes, e.g. \"lease_headroom=" + placeholder +
               "\"");
  std::vector<nlohmann::json> out;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string value = sweep_text(values[i], sweep, at(name, i));
    nlohmann::json copy = entry;
    copy.erase("sweep");
    for (const auto& key : keys) {
      if (!copy.contains(key)) continue;
      auto& v = copy[key];
      if (v.is_string()) v = replace_all(v.get<std::string>(), placeholder, value);
      if (v.is_array())
        for (auto& item : v)
          if (item.is_string()) item = replace_all(item.get<std::string>(), placeholder, value);
    }
    if (named && copy.contains("name") && copy["name"].is_string() &&
        entry["name"].get<std::string>().find(placeholder) == std::string::npos)
      copy["name"] = copy["name"].get<std::string>() + " (" + name + "=" + value + ")";
    out.push_back(std::move(copy));
  }
  return out;
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
  if (seeds.size() > kMaxStudySeeds)
    f.fail("seeds", std::to_string(seeds.size()) + " seeds, more than 1,000", "use fewer seeds");
  auto sorted = seeds;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    f.fail("seeds", "a seed is listed twice", "list each seed once");
  return seeds;
}

std::vector<StudyPolicy> read_policies(const JsonFields& f) {
  std::vector<StudyPolicy> policies;
  const auto& list = f.array("policies");
  const auto too_many = [&](size_t i) {
    f.fail(at("policies", i), "more than 1,000 policies, sweeps included",
           "split the study (docs/studies.md, \"Bounds\")");
  };
  for (size_t i = 0; i < list.size(); ++i) {
    if (policies.size() >= kMaxStudyPolicies) too_many(i);
    if (list[i].is_string()) {
      policies.push_back({list[i].get<std::string>(), {}, {}, f.field(at("policies", i))});
      continue;
    }
    const JsonFields entry(list[i], f.file(), f.field(at("policies", i)));
    entry.reject_unknown({"policy", "params", "forecast", "sweep"});
    for (const auto& expanded :
         expand_sweep(list[i], entry, {"policy", "params", "forecast"}, false,
                      kMaxStudyPolicies - policies.size(), "policies")) {
      const JsonFields p(expanded, f.file(), f.field(at("policies", i)));
      StudyPolicy policy{
          p.text("policy"), {}, p.text_or("forecast", ""), f.field(at("policies", i))};
      if (policy.name.empty()) p.fail("policy", "empty", "name a policy (gpufleet policies)");
      const auto& params = p.array_or_empty("params");
      for (size_t k = 0; k < params.size(); ++k) {
        if (!params[k].is_string()) p.fail(at("params", k), "expected \"NAME=VALUE\"");
        policy.params.push_back(params[k].get<std::string>());
      }
      policies.push_back(std::move(policy));
    }
  }
  if (policies.empty()) f.fail("policies", "empty", "list at least one policy");
  return policies;
}

std::vector<StudyFleet> read_fleets(const JsonFields& f) {
  std::vector<StudyFleet> fleets;
  const auto& list = f.array_or_empty("fleets");
  for (size_t i = 0; i < list.size(); ++i) {
    if (fleets.size() >= kMaxStudyFleets)
      f.fail(at("fleets", i), "more than 100 fleets, sweeps included",
             "split the study (docs/studies.md, \"Bounds\")");
    const JsonFields entry(list[i], f.file(), f.field(at("fleets", i)));
    entry.reject_unknown({"name", "changes", "sweep"});
    entry.text("name");  // required, a text, before the sweep uses it
    for (const auto& expanded : expand_sweep(list[i], entry, {"name", "changes"}, true,
                                             kMaxStudyFleets - fleets.size(), "fleets")) {
      const JsonFields p(expanded, f.file(), f.field(at("fleets", i)));
      StudyFleet fleet{p.text("name"), {}, f.field(at("fleets", i))};
      if (folder_name(fleet.name).empty())
        p.fail("name", "'" + fleet.name + "' has no letter or digit",
               "name the fleet with letters or digits: it names its files and folders");
      const auto& changes = p.array_or_empty("changes");
      for (size_t k = 0; k < changes.size(); ++k) {
        if (!changes[k].is_string()) p.fail(at("changes", k), "expected e.g. \"H100:-50%\"");
        fleet.changes.push_back(changes[k].get<std::string>());
      }
      for (const auto& other : fleets)
        if (other.name == fleet.name) p.fail("name", "two fleets are named '" + fleet.name + "'");
      fleets.push_back(std::move(fleet));
    }
  }
  if (fleets.empty()) fleets.push_back({"base", {}, "fleets (default)"});
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

// The file's metrics, or the defaults; then the trade-off chart's, summarized like any other.
// Each remembers where it was named, for the check of its key (study_keys.hpp).
void read_metrics(const JsonFields& f, StudySpec& s) {
  const auto& metrics = f.array_or_empty("metrics");
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (!metrics[i].is_string()) f.fail(at("metrics", i), "expected a summary.json key");
    s.metrics.push_back(metrics[i].get<std::string>());
    s.metric_fields.push_back(f.field(at("metrics", i)));
  }
  if (s.metrics.empty()) {
    s.metrics = default_study_metrics();
    s.metric_fields.assign(s.metrics.size(), "metrics (default)");
  }
  auto add = [&](const std::string& key, const std::string& field) {
    if (std::find(s.metrics.begin(), s.metrics.end(), key) != s.metrics.end()) return;
    s.metrics.push_back(key);
    s.metric_fields.push_back(field);
  };
  for (size_t i = 0; i < s.tradeoff_x.size(); ++i) add(s.tradeoff_x[i], at("tradeoff.x", i));
  if (!s.tradeoff_y.empty()) add(s.tradeoff_y, "tradeoff.y");
}

// "economics": the keys of an --economics file, or the path of one (from the current folder,
// else from the study file's folder). Its values are checked by load_study_economics.
void read_economics(const nlohmann::json& doc, const JsonFields& f, StudySpec& s) {
  if (!f.has("economics")) return;
  const std::string fix =
      "give an object of --economics keys (docs/reports.md, \"Economics\"), e.g. "
      "{\"discount_rate\": 0.1}, or the path of such a file";
  const nlohmann::json& value = doc.at("economics");
  if (value.is_object()) {
    s.economics = value;
    return;
  }
  if (!value.is_string() || value.get<std::string>().empty())
    f.fail("economics", "expected an object or a file path", fix);
  namespace fs = std::filesystem;
  fs::path path = value.get<std::string>();
  std::error_code ec;
  if (!fs::exists(path, ec) && path.is_relative() &&
      fs::exists(fs::path(s.file).parent_path() / path, ec))
    path = fs::path(s.file).parent_path() / path;
  if (!fs::exists(path, ec)) f.fail("economics", "no file '" + path.string() + "'", fix);
  s.economics_file = path.string();
  s.economics = read_json_file(s.economics_file);
  if (!s.economics.is_object())
    throw InputError(s.economics_file, "", "expected a JSON object", fix);
}

// Overrides of the scenario's demand growth (docs/seed-scenario.md, "Demand growth").
void read_growth(const JsonFields& g, StudySpec& s) {
  g.reject_unknown({"training_per_month", "inference_per_month"});
  const auto rate = [&](const char* key) {
    const double v = g.number(key);
    if (!(v >= -0.5 && v <= 1))
      g.fail(key, "must be between -0.5 and 1",
             "a fraction per month of 30 days: 0.05 is +5% a month");
    return v;
  };
  if (g.has("training_per_month")) s.training_growth = rate("training_per_month");
  if (g.has("inference_per_month")) s.inference_growth = rate("inference_per_month");
}

// Two arms or fleets whose names differ but whose folders or files would be one ("+72 GB300"
// and "-72 GB300" are both "72-GB300"): their runs would overwrite each other.
template <typename Named>
void check_folder_names(const std::vector<Named>& items, const JsonFields& f,
                        const std::string& field, const std::string& what) {
  std::map<std::string, std::string> seen;
  for (const auto& item : items) {
    const std::string folder = folder_name(item.name);
    const auto [it, fresh] = seen.emplace(folder, item.name);
    if (!fresh)
      f.fail(field,
             what + " '" + it->second + "' and '" + item.name + "' would share the folder name '" +
                 folder + "'",
             "rename one: names differing only in characters other than letters, digits, '.', '_' "
             "and '-' make the same folder");
  }
}

// The timeout in whole seconds, as both backends apply it (Slurm's through timeout(1)).
double read_timeout_s(const JsonFields& f) {
  if (!f.has("timeout_min")) return 3600;
  const double minutes = f.number("timeout_min");
  // 1e-9 s of slack: 1/60 written in decimal is a second, not a hair more or less.
  if (!(minutes * 60 >= 1 - 1e-9 && minutes <= kMaxTimeoutMin))
    f.fail("timeout_min", "must be from 1/60 (a second) to 10080 (a week)",
           "give the minutes a run may take, e.g. 30");
  return std::ceil(minutes * 60 - 1e-9);
}

// Refuses a study of more runs than kMaxStudyRuns, before anything is drawn.
void check_run_count(const JsonFields& f, const StudySpec& s) {
  const size_t runs = s.policies.size() * s.fleets.size() * s.seeds.size();
  if (runs > kMaxStudyRuns)
    f.fail("policies",
           "the study asks for " + std::to_string(runs) + " runs (" +
               std::to_string(s.policies.size()) + " policies x " +
               std::to_string(s.fleets.size()) + " fleets x " + std::to_string(s.seeds.size()) +
               " seeds), more than 10,000",
           "split it into several studies (docs/studies.md, \"Bounds\")");
}

}  // namespace

std::string folder_name(const std::string& name) {
  std::string s;
  for (char c : name) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_';
    if (keep)
      s += c;
    else if (!s.empty() && s.back() != '-')
      s += '-';
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  // "." and ".." are folders already; a name of dots alone gets a letter.
  if (!s.empty() && s.find_first_not_of('.') == std::string::npos) s = "dots-" + s;
  return s;
}

EconomicsParams load_study_economics(const StudySpec& s) {
  if (s.economics.is_null()) return {};
  if (!s.economics_file.empty()) return load_economics(s.economics_file, {});
  // load_economics reads files: the object goes through one, and its errors are the study
  // file's, at "economics.KEY".
  const TemporaryFile file(s.economics.dump(1) + "\n", ".json");
  try {
    EconomicsParams params = load_economics(file.path(), {});
    params.file = s.file;
    return params;
  } catch (const InputError& e) {
    std::string message = e.what();
    const std::string prefix = e.file() + ": " + (e.where().empty() ? "" : e.where() + ": ");
    if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
    throw InputError(s.file, e.where().empty() ? "economics" : "economics." + e.where(), message);
  }
}

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
                                                   "inference.worst_service_slo_attainment",
                                                   "inference.worst_service_hour_slo_attainment",
                                                   "inference.worst_ttft_p99_s",
                                                   "inference.worst_tpot_p99_s",
                                                   "lease.revenue_usd",
                                                   "economics.fleet.contract_revenue_usd",
                                                   "economics.fleet.net_value_usd",
                                                   "economics.fleet_per_year.net_value_usd",
                                                   "economics.fleet.cash_margin_usd",
                                                   "fleet.energy_kwh",
                                                   "failures.interruptions"};
  return metrics;
}

StudySpec load_study(const std::string& file) {
  const nlohmann::json doc = read_json_file(file);
  if (!doc.is_object()) throw InputError(file, "", "expected a JSON object", "see docs/studies.md");
  const JsonFields f(doc, file, "");
  f.reject_unknown({"format", "version", "description", "scenario", "scale", "days", "seeds",
                    "policies", "fleets", "baseline", "failures", "restart_delay", "timeout_min",
                    "metrics", "forecast", "tradeoff", "economics", "growth", "walltime"});
  if (f.text("format") != "gpufleet-study") f.fail("format", "must be \"gpufleet-study\"");
  if (f.number("version") != 1) f.fail("version", "must be 1");
  StudySpec s;
  s.file = file;
  s.scenario = f.text_or("scenario", "seed");
  s.scale = f.has("scale") ? f.positive("scale") : 1;
  if (s.scale > kMaxStudyScale)
    f.fail("scale", "above 100 (the seed scenario at 100 is a million GPUs)",
           "use a smaller scale (docs/studies.md, \"Bounds\")");
  if (f.has("days")) {
    s.days = f.number("days");
    if (!(s.days * 86400 >= 1 && s.days <= 3660))
      f.fail("days", "must be from 1/86400 (a second) to 3660 (ten years)",
             "give the simulated days, e.g. 30, or leave it out for the scenario's");
  }
  s.seeds = read_seeds(f);
  s.policies = read_policies(f);
  s.forecast = f.text_or("forecast", s.forecast);
  if (f.has("tradeoff")) read_tradeoff(f.child("tradeoff"), s);
  s.fleets = read_fleets(f);
  s.failures = f.text_or("failures", "off");
  if (s.failures != "on" && s.failures != "off") f.fail("failures", "must be \"on\" or \"off\"");
  s.walltime = f.text_or("walltime", "kill");
  if (s.walltime != "kill" && s.walltime != "ignore")
    f.fail("walltime", "must be \"kill\" or \"ignore\"");
  s.restart_delay = f.text_or("restart_delay", "");
  if (f.has("restart_delay")) try {
      parse_restart_delay_s(s.restart_delay);
    } catch (const std::invalid_argument& e) {
      f.fail("restart_delay", e.what(), "write e.g. \"300s\", or leave it out for run's default");
    }
  check_run_count(f, s);
  s.timeout_s = read_timeout_s(f);
  read_metrics(f, s);
  read_economics(doc, f, s);
  if (f.has("growth")) read_growth(f.child("growth"), s);
  const std::string baseline = f.text_or("baseline", "");
  const auto arms = s.arms();
  std::map<std::string, size_t> arm_names;
  for (size_t a = 0; a < arms.size(); ++a)
    if (!arm_names.emplace(arms[a].name, a).second)
      f.fail("policies", "two arms are named '" + arms[a].name + "'",
             "list each policy (with its params and forecast) once");
  check_folder_names(s.fleets, f, "fleets", "fleets");
  check_folder_names(arms, f, "policies", "arms");
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
