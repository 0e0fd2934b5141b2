#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "cli/commands.hpp"
#include "cli/scenario_source.hpp"
#include "formats/atomic_files.hpp"
#include "formats/file_hash.hpp"
#include "formats/json_fields.hpp"
#include "formats/workload_io.hpp"
#include "metrics/stats.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"
#include "outputs/scheduling_metrics.hpp"
#include "policies/policies.hpp"
#include "report/figure_format.hpp"
#include "runtime/child_processes.hpp"
#include "runtime/folder_lock.hpp"
#include "runtime/slurm_array.hpp"
#include "runtime/text_file.hpp"
#include "runtime/version.hpp"
#include "scenario/scenario_generator.hpp"
#include "study/fleet_variant.hpp"
#include "study/study_report.hpp"
#include "study/study_spec.hpp"
#include "study/study_tables.hpp"
#include "study/summary_skeleton.hpp"

namespace gpufleet {

namespace {

namespace fs = std::filesystem;

struct StudyOptions {
  std::string spec;
  std::string out = "gpufleet-study";
  int jobs = 0;
  std::string backend = "local";
  bool quiet = false;
  std::string catalog;        // --catalog, passed on to every run
  bool compress = false;      // --compress, passed on to every run
  bool decision_log = false;  // --decision-log, passed on to every run
};

// A folder name for an arm or fleet (unique in a study: load_study checks it).
std::string slug(const std::string& name) {
  return folder_name(name);
}

// An --out the study can own: not empty, not the filesystem root, no control character (a
// line break would split a Slurm task's command line). '%' is escaped where Slurm reads
// patterns (runtime/slurm_array.cpp).
void check_out(const std::string& out) {
  const std::string fix = "give the study's own folder, e.g. --out out/study";
  if (out.empty()) throw std::invalid_argument("--out \"\": empty; " + fix);
  if (std::any_of(out.begin(), out.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    throw std::invalid_argument("--out " + printable(out, 200) +
                                ": holds a control character (a line break, a tab); " + fix);
  std::error_code ec;
  const fs::path full = fs::weakly_canonical(fs::absolute(out), ec);
  if (!ec && full == full.root_path())
    throw std::invalid_argument("--out " + out +
                                ": the filesystem root; a study writes inputs/ and runs/ into its "
                                "folder: " +
                                fix);
}

// Each policy as a run would make it, its errors at the study file's field; two entries that
// make the same policy (name, parameters and forecast) would be one arm run twice.
std::vector<std::map<std::string, double>> check_policies(const StudySpec& spec) {
  std::vector<std::map<std::string, double>> params;
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < spec.policies.size(); ++i) {
    const auto& p = spec.policies[i];
    const std::string field = p.field.empty() ? "policies" : p.field;
    ForecastSpec forecast;
    try {
      forecast = parse_forecast(p.forecast.empty() ? spec.forecast : p.forecast);
    } catch (const std::invalid_argument& e) {
      throw InputError(spec.file, p.forecast.empty() ? "forecast" : field + ".forecast", e.what(),
                       "see docs/policies.md");
    }
    std::unique_ptr<Policy> policy;
    try {
      policy = make_policy(p.name, {}, forecast);
    } catch (const std::invalid_argument& e) {
      const auto parts = policy_parts(p.name);
      const bool python = std::any_of(parts.begin(), parts.end(), is_external_part);
      throw InputError(spec.file, field, e.what(),
                       python ? "see docs/python.md, \"Studies\"" : "see gpufleet policies");
    }
    for (size_t k = 0; k < p.params.size(); ++k) try {
        make_policy(p.name, {p.params[k]}, forecast);
      } catch (const std::invalid_argument& e) {
        std::string why = e.what();
        const std::string flag = "--param " + p.params[k] + ": ";
        if (why.rfind(flag, 0) == 0) why = why.substr(flag.size());
        throw InputError(spec.file, field + ".params[" + std::to_string(k) + "]",
                         "'" + p.params[k] + "': " + why);
      }
    try {
      params.push_back(make_policy(p.name, p.params, forecast)->params());
    } catch (const std::invalid_argument& e) {
      throw InputError(spec.file, field + ".params", e.what());
    }
    std::string identity = p.name + "\n" + forecast_name(forecast);
    for (const auto& [key, value] : params.back()) {
      char text[40];
      std::snprintf(text, sizeof text, "%.17g", value);
      identity += "\n" + key + "=" + text;
    }
    const auto [it, fresh] = seen.emplace(identity, i);
    if (!fresh)
      throw InputError(spec.file, field,
                       "the same policy as " + spec.policies[it->second].field + " ('" +
                           spec.policies[it->second].name + "'): its runs would be the same",
                       "list each policy once, or give it other params or another forecast");
  }
  return params;
}

// One seed's draw made into each fleet: its pools and its workload, with the contracts of its
// changes and the generations it needs (study/fleet_variant.hpp).
struct FleetDraw {
  std::vector<PoolSpec> pools;
  Workload workload;
  bool own_workload = false;  // differs from the seed's: written as workload-FLEET.json
  std::vector<std::string> notes;
};

// A fleet's changes, their errors at the study file's field ("fleets[1].changes[0]").
FleetVariant fleet_variant(const StudySpec& spec, const StudyFleet& fleet,
                           const GeneratedScenario& generated, std::vector<std::string>& notes) {
  const std::string field = fleet.field.empty() ? "fleets" : fleet.field;
  try {
    return apply_fleet_changes(generated.pools, fleet.changes, generated.workload.horizon_s, notes);
  } catch (const FleetChangeError& e) {
    throw InputError(spec.file, field + ".changes[" + std::to_string(e.index) + "]", e.what());
  }
}

std::vector<FleetDraw> draw_fleets(const StudySpec& spec, const GeneratedScenario& generated) {
  std::vector<FleetDraw> draws;
  for (const auto& fleet : spec.fleets) {
    FleetDraw d;
    auto variant = fleet_variant(spec, fleet, generated, d.notes);
    d.pools = std::move(variant.pools);
    d.workload = generated.workload;
    for (auto& c : variant.contracts) d.workload.contracts.push_back(std::move(c));
    long added = 0;
    try {
      added =
          add_training_generations(d.workload, d.pools) + drop_absent_models(d.workload, d.pools);
    } catch (const std::invalid_argument& e) {
      throw InputError(spec.file, (fleet.field.empty() ? "fleets" : fleet.field) + ".changes",
                       e.what());
    }
    if (added > 0)
      d.notes.push_back(std::to_string(added) +
                        " generations or leases of the workload added or taken out to match the "
                        "fleet's models (relative speeds from the GPU catalog)");
    d.own_workload = added > 0 || !variant.contracts.empty();
    draws.push_back(std::move(d));
  }
  return draws;
}

constexpr const char* kByModel[] = {"capex_per_gpu", "internal_price_per_gpu_hour",
                                    "shortfall_price_per_gpu_hour"};

std::map<std::string, double>& by_model(EconomicsParams& p, const std::string& key) {
  if (key == "capex_per_gpu") return p.capex_per_gpu;
  if (key == "internal_price_per_gpu_hour") return p.internal_price_per_gpu_hour;
  return p.shortfall_price_per_gpu_hour;
}

bool has_model(const std::vector<PoolSpec>& pools, const std::string& model) {
  return std::any_of(pools.begin(), pools.end(), [&](const auto& p) { return p.model == model; });
}

// A run refuses an override of a GPU model its platform lacks; a study's override of GB300 is
// meant for the fleets that have some. Each model must be in some fleet; each fleet gets the
// overrides of its own models (`doc` and `params` alike).
void fit_economics(const StudySpec& spec, const std::vector<FleetDraw>& draws,
                   std::vector<nlohmann::json>& docs, std::vector<EconomicsParams>& params,
                   const EconomicsParams& study) {
  std::vector<std::string> models, services;
  for (const auto& d : draws)
    for (const auto& p : d.pools) models.push_back(p.model);
  for (const auto& service : draws.front().workload.inference) services.push_back(service.id);
  const std::string file = spec.economics_file.empty() ? spec.file : spec.economics_file;
  const std::string prefix = spec.economics_file.empty() ? "economics." : "";
  auto check = [&](const std::map<std::string, double>& overrides, const std::string& key,
                   const std::vector<std::string>& known, const std::string& what) {
    for (const auto& [name, value] : overrides)
      if (std::find(known.begin(), known.end(), name) == known.end())
        throw InputError(file, prefix + key + "." + name,
                         "the study has no " + what + " '" + name + "'" + did_you_mean(name, known),
                         "use a " + what + " of the study or remove the entry");
  };
  EconomicsParams all = study;
  for (const char* key : kByModel) check(by_model(all, key), key, models, "GPU model");
  check(all.usd_per_million_units, "usd_per_million_units", services, "service");
  for (const auto& d : draws) {
    nlohmann::json doc = spec.economics;
    EconomicsParams p = study;
    for (const char* key : kByModel) {
      std::erase_if(by_model(p, key), [&](const auto& e) { return !has_model(d.pools, e.first); });
      if (doc.is_object() && doc.contains(key))
        for (const auto& [model, value] : by_model(all, key))
          if (!has_model(d.pools, model)) doc[key].erase(model);
    }
    docs.push_back(std::move(doc));
    params.push_back(std::move(p));
  }
}

// Before anything is written: the first seed's fleets and workloads bind, the economics fit
// them, and every metric names a figure that the study's runs will write (the summary a run of
// each arm would write, built by the run's own code on an empty result).
void check_first_seed(const StudySpec& spec, const std::vector<FleetDraw>& draws,
                      const std::vector<EconomicsParams>& economics,
                      const std::vector<std::map<std::string, double>>& policy_params) {
  // A key resolves if it does in any arm's summary: one summary per fleet, its policy_params
  // those of every policy, holds the same keys as one per arm, without fleets x policies of
  // them in memory.
  std::map<std::string, double> every_param;
  for (const auto& params : policy_params) every_param.insert(params.begin(), params.end());
  std::vector<nlohmann::json> summaries;
  for (size_t f = 0; f < draws.size(); ++f) {
    const std::string where = spec.file + ", fleet '" + spec.fleets[f].name + "', seed " +
                              std::to_string(spec.seeds.front()) + " (its workload)";
    summaries.push_back(summary_skeleton(draws[f].pools, draws[f].workload, economics[f],
                                         spec.failures == "on", every_param, where));
  }
  check_study_keys(spec, summaries);
}

// Each seed's workload, drawn once and run by every arm (common random numbers), and each
// fleet's platform: DIR/inputs/seed-S/{workload.json, FLEET.xml}. A fleet whose changes alter
// the workload (contracts, generations of new models) gets its own workload-FLEET.json; the
// economics go to DIR/inputs/economics.json (economics-FLEET.json for a fleet that lacks some
// model the overrides name).
struct SeedInputs {
  std::vector<std::string> workloads;  // per fleet
  std::vector<std::string> platforms;  // per fleet
};

struct StudyInputs {
  std::vector<SeedInputs> seeds;
  std::vector<std::string> economics;  // per fleet: the --economics file, or none
};

// One seed's draw of the study's scenario; errors of the draw's options are the study file's.
GeneratedScenario draw_seed(const StudySpec& spec, const Scenario& scenario, long seed) {
  GenerateOptions options;
  options.scale = spec.scale;
  if (spec.days > 0) options.days = spec.days;
  options.seed = static_cast<unsigned long>(seed);
  options.training_growth = spec.training_growth;
  options.inference_growth = spec.inference_growth;
  try {
    return generate_scenario(scenario, options);
  } catch (const std::invalid_argument& e) {
    throw InputError(spec.file, "scenario", e.what(), "check scale, days and growth");
  }
}

// The study's scenario; a name that is none is the study file's error. (A scenario file's own
// errors name that file.)
Scenario study_scenario(const StudySpec& spec) {
  try {
    return load_scenario(scenario_file(spec.scenario));
  } catch (const std::invalid_argument& e) {
    throw InputError(spec.file, "scenario", e.what());
  }
}

// `lock` is called once the first seed is checked, before anything is written.
StudyInputs write_inputs(const StudySpec& spec, const std::string& out, bool quiet,
                         const std::vector<std::map<std::string, double>>& policy_params,
                         const std::function<void()>& lock) {
  const EconomicsParams study_economics = load_study_economics(spec);
  const Scenario scenario = study_scenario(spec);
  StudyInputs inputs;
  std::vector<nlohmann::json> economics_docs;
  for (long seed : spec.seeds) {
    const auto generated = draw_seed(spec, scenario, seed);
    const auto draws = draw_fleets(spec, generated);
    if (seed == spec.seeds.front()) {
      std::vector<EconomicsParams> economics;
      fit_economics(spec, draws, economics_docs, economics, study_economics);
      check_first_seed(spec, draws, economics, policy_params);
      lock();
      if (!spec.economics.is_null()) {
        AtomicFiles files(out + "/inputs");
        files.add("economics.json", spec.economics.dump(1) + "\n");
        for (size_t f = 0; f < draws.size(); ++f) {
          std::string name = "economics.json";
          if (economics_docs[f] != spec.economics) {
            name = "economics-" + slug(spec.fleets[f].name) + ".json";
            files.add(name, economics_docs[f].dump(1) + "\n");
          }
          inputs.economics.push_back(out + "/inputs/" + name);
        }
        files.commit();
      }
      inputs.economics.resize(draws.size());
    }
    const std::string dir = out + "/inputs/seed-" + std::to_string(seed);
    AtomicFiles files(dir);
    SeedInputs in;
    files.add("workload.json", workload_to_json(generated.workload).dump(1) + "\n");
    for (size_t f = 0; f < draws.size(); ++f) {
      const auto& d = draws[f];
      const std::string fleet = slug(spec.fleets[f].name);
      const std::string name = d.own_workload ? "workload-" + fleet + ".json" : "workload.json";
      if (d.own_workload) files.add(name, workload_to_json(d.workload).dump(1) + "\n");
      in.workloads.push_back(dir + "/" + name);
      if (!quiet && seed == spec.seeds.front())
        for (const auto& note : d.notes)
          std::fprintf(stderr, "gpufleet: fleet '%s': %s\n", spec.fleets[f].name.c_str(),
                       note.c_str());
      files.add(fleet + ".xml", platform_xml(d.pools));
      in.platforms.push_back(dir + "/" + fleet + ".xml");
    }
    files.commit();
    inputs.seeds.push_back(std::move(in));
  }
  return inputs;
}

// What a run depends on: its command but its paths (where it writes, where its inputs are:
// `--out out/s`, `./out/s/` and `/abs/out/s` are one study), its inputs' bytes (workload,
// platform, economics, GPU catalog) and the build.
// A policy written in Python adds its module's source (an edited policy runs again).
std::string config_hash(const std::vector<std::string>& argv, const std::string& workload,
                        const std::string& platform, const std::string& economics,
                        const std::string& catalog, const std::string& policy) {
  std::string text = std::string(gpufleet_version()) + "\n" + gpufleet_commit() + "\n";
  const auto is_path = [](const std::string& option) {
    return option == "--out" || option == "--workload" || option == "--platform" ||
           option == "--economics" || option == "--catalog";
  };
  // --compress changes how the outputs are stored, not what they say: a run done without it
  // is not run again for it.
  for (size_t i = 1; i < argv.size(); ++i)
    if (!is_path(argv[i]) && !is_path(argv[i - 1]) && argv[i] != "--compress")
      text += argv[i] + "\n";
  text += sha256_of_file(workload) + "\n" + sha256_of_file(platform) + "\n";
  if (!economics.empty()) text += sha256_of_file(economics) + "\n";
  // A changed catalog changes the figures of the runs' pools: their results are not reusable.
  if (!catalog.empty()) text += "catalog " + sha256_of_file(catalog) + "\n";
  for (const auto& part : policy_parts(policy))
    if (is_external_part(part)) text += part + " " + external_source_sha256(part) + "\n";
  return sha256_of_text(text);
}

struct PlannedRun {
  StudyRun run;
  ChildCommand command;
  std::string dir;
  std::string hash;
  bool done = false;  // a matching earlier result was found
};

std::vector<PlannedRun> plan_runs(const StudySpec& spec, const StudyInputs& inputs,
                                  const std::string& out, const std::string& catalog, bool compress,
                                  bool decision_log) {
  const std::string self = own_executable();
  const auto arms = spec.arms();
  std::vector<PlannedRun> plan;
  for (size_t a = 0; a < arms.size(); ++a)
    for (size_t s = 0; s < spec.seeds.size(); ++s) {
      PlannedRun p;
      const auto& arm = arms[a];
      const auto& policy = spec.policies[arm.policy];
      p.run.arm = static_cast<int>(a);
      p.run.seed = spec.seeds[s];
      p.run.id = slug(arm.name) + "/seed-" + std::to_string(spec.seeds[s]);
      p.dir = out + "/runs/" + p.run.id;
      const std::string platform = inputs.seeds[s].platforms[arm.fleet];
      const std::string workload = inputs.seeds[s].workloads[arm.fleet];
      const std::string economics = inputs.economics[arm.fleet];
      const std::string seed = std::to_string(spec.seeds[s]);
      p.command.argv = {self, "run", "-q", "--workload", workload, "--platform", platform};
      p.command.argv.insert(p.command.argv.end(),
                            {"--policy", policy.name, "--seed", seed, "--failures", spec.failures,
                             "--walltime", spec.walltime, "--threads", "1"});
      if (!spec.restart_delay.empty())
        p.command.argv.insert(p.command.argv.end(), {"--restart-delay", spec.restart_delay});
      for (const auto& param : policy.params)
        p.command.argv.insert(p.command.argv.end(), {"--param", param});
      if (!economics.empty())
        p.command.argv.insert(p.command.argv.end(), {"--economics", economics});
      if (!catalog.empty()) p.command.argv.insert(p.command.argv.end(), {"--catalog", catalog});
      p.command.argv.insert(
          p.command.argv.end(),
          {"--forecast", policy.forecast.empty() ? spec.forecast : policy.forecast});
      if (compress) p.command.argv.push_back("--compress");
      // In the run's hash: a run done without the log is run again to write it.
      if (decision_log) p.command.argv.push_back("--decision-log");
      p.command.argv.insert(p.command.argv.end(), {"--out", p.dir});
      p.command.stderr_file = p.dir + ".log";
      p.command.timeout_s = spec.timeout_s;
      p.command.ends_with_parent = true;
      p.hash = config_hash(p.command.argv, workload, platform, economics, catalog, policy.name);
      std::error_code ec;
      p.done = fs::exists(p.dir + "/summary.json", ec) &&
               read_text_or_empty(p.dir + "/config.sha256") == p.hash + "\n";
      plan.push_back(std::move(p));
    }
  return plan;
}

void finish_run(PlannedRun& p, const ChildExit& e) {
  if (e.exit_code == 0) {
    write_file_atomically(p.dir + "/config.sha256", p.hash + "\n");
    p.done = true;
  } else {
    p.run.error = !e.problem.empty() ? e.problem : last_line_of(p.command.stderr_file);
  }
}

void load_result(PlannedRun& p) {
  if (!p.done) return;
  try {
    p.run.summary = read_json_file(p.dir + "/summary.json");
    p.run.ok = true;
  } catch (const std::exception& e) {
    p.run.error = e.what();
  }
}

// Each run's own warning went to its log; once here, with a count, as a replay that missed its
// trace changes what the study's figures mean.
void warn_about_late_replays(const std::vector<StudyRun>& runs) {
  long late = 0;
  std::string first;
  for (const auto& r : runs) {
    const std::string warning = r.ok ? replay_warning(r.summary) : "";
    if (warning.empty()) continue;
    if (late++ == 0) first = r.id + ": " + warning;
  }
  if (late > 0)
    std::fprintf(stderr,
                 "gpufleet: warning: %ld of %zu runs replayed late (each run's log says "
                 "how), e.g. %s\n",
                 late, runs.size(), first.c_str());
}

std::string manifest_csv(const std::vector<PlannedRun>& plan, const StudySpec& spec) {
  const auto arms = spec.arms();
  std::string out = "run,arm,seed,config_sha256,command\n";
  for (const auto& p : plan) {
    std::string command;
    for (size_t i = 0; i < p.command.argv.size(); ++i)
      command += (i ? " " : "") + p.command.argv[i];
    out += csv_field(p.run.id) + "," + csv_field(arms[p.run.arm].name) + "," +
           std::to_string(p.run.seed) + "," + p.hash + "," + csv_field(command) + "\n";
  }
  return out;
}

std::string years(const std::optional<double>& y) {
  char text[32];
  if (!y) return "never";
  std::snprintf(text, sizeof text, "%.2f", *y);
  return text;
}

// The arm as an investment: its capex over the baseline's fleet, the yearly cash flow change D,
// the NPV over the assets' life and the payback (docs/studies.md).
// One line of the verdict: label, the paired difference and its interval in the figure's unit.
void print_difference(const std::string& label, const MeanInterval& d, report::Unit unit,
                      const std::string& unit_text) {
  std::printf("    %-32s %10s %-16s [%s, %s]  n=%ld\n", label.c_str(),
              report::display_number(d.mean, unit, true).c_str(), unit_text.c_str(),
              report::display_number(d.low, unit, true).c_str(),
              report::display_number(d.high, unit, true).c_str(), d.n);
}

void print_investment(const Investment& inv) {
  const auto money = report::Unit::kMillionUsd;
  std::printf("    %-32s %10s $M\n", "capex of the GPUs it adds",
              report::display_number(inv.capex_usd, money).c_str());
  print_difference("yearly cash flow", inv.cash_flow, money, "$M a year");
  print_difference("NPV over the GPUs' life", inv.npv, money, "$M");
  if (inv.payback_years)
    std::printf("    %-32s %10.2f %-16s [%s, %s]\n", "payback", *inv.payback_years, "years",
                years(inv.payback_low).c_str(), years(inv.payback_high).c_str());
  else
    std::printf("    %-32s %10s (%s)\n", "payback", "-",
                inv.capex_usd > 0 ? "the yearly cash flow does not grow" : "no capex");
}

// The window of the runs, for money over the window: "$M per 30 days".
std::string window_of(const std::vector<StudyRun>& runs) {
  for (const auto& run : runs)
    if (run.ok) return report::period_text(run.summary.value("horizon_s", 0.0));
  return "";
}

// For each arm, its paired differences against the baseline in the headline figures, then the
// arm as an investment: the verdict first.
void print_verdicts(const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  const std::string window = window_of(runs);
  std::printf("\n%zu arms x %zu seeds; paired differences against '%s' (95%% CI):\n", arms.size(),
              spec.seeds.size(), arms[spec.baseline].name.c_str());
  for (size_t a = 0; a < arms.size(); ++a) {
    if (static_cast<int>(a) == spec.baseline) continue;
    std::printf("  %s\n", arms[a].name.c_str());
    for (const auto& h : study_headlines(runs)) {
      const auto unit = report::unit_of_key(h.metric);
      const bool yearly = h.metric.find("fleet_per_year") != std::string::npos;
      print_difference(h.label, arm_figure(spec, runs, static_cast<int>(a), h.metric).diff, unit,
                       report::difference_unit_text(unit, yearly ? "year" : window));
    }
    const Investment inv = arm_investment(spec, runs, static_cast<int>(a));
    if (inv.n > 0) print_investment(inv);
  }
}

int study(const StudyOptions& o) {
  check_out(o.out);
  if (o.jobs < 0) throw std::invalid_argument("--jobs must be >= 0 (0: as many as cores)");
  const StudySpec spec = load_study(o.spec);
  const auto policy_params = check_policies(spec);  // checked before any run
  long max_array = 0;
  if (o.backend == "slurm") {
    if (const std::string problem = slurm_problem(); !problem.empty())
      throw std::invalid_argument("--backend slurm: " + problem);
    max_array = slurm_max_array_size();
  }
  std::unique_ptr<FolderLock> lock;  // one study per folder, from its first write to its end
  const auto take_lock = [&] {
    lock = std::make_unique<FolderLock>(o.out);
    const long stale = remove_stale_temporaries(o.out);
    if (stale > 0 && !o.quiet)
      std::fprintf(stderr, "gpufleet: removed %ld temporaries left by a study that was killed\n",
                   stale);
  };
  const auto inputs = write_inputs(spec, o.out, o.quiet, policy_params, take_lock);
  auto plan = plan_runs(spec, inputs, o.out, o.catalog.empty() ? "" : shipped_file(o.catalog),
                        o.compress, o.decision_log);
  std::vector<size_t> todo;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (plan[i].done) continue;
    fs::create_directories(fs::path(plan[i].dir).parent_path());
    todo.push_back(i);
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int parallel = o.jobs > 0 ? o.jobs : cores;
  if (!o.quiet)
    std::fprintf(stderr,
                 "gpufleet: study %s: %zu runs, %zu done before, %zu to run, %d at a time\n",
                 spec.file.c_str(), plan.size(), plan.size() - todo.size(), todo.size(), parallel);
  std::vector<ChildCommand> commands;
  for (size_t i : todo) commands.push_back(plan[i].command);
  size_t finished = 0;
  auto on_exit = [&](size_t k, const ChildExit& e) {
    PlannedRun& p = plan[todo[k]];
    finish_run(p, e);
    ++finished;
    if (!o.quiet)
      std::fprintf(stderr, "gpufleet: [%zu/%zu] %s %s after %.1f s\n", finished, todo.size(),
                   p.run.id.c_str(), p.done ? "done" : "FAILED", e.wall_s);
  };
  if (o.backend == "slurm") {
    // The cluster decides how many run at once unless --jobs caps the array.
    const int tasks = o.jobs > 0 ? o.jobs : static_cast<int>(commands.size());
    const bool capped = o.jobs > 0;  // slices one after another, so that --jobs holds
    const size_t arrays = (commands.size() + max_array - 1) / static_cast<size_t>(max_array);
    if (!o.quiet && arrays <= 1)
      std::fprintf(stderr, "gpufleet: submitting %zu runs as one Slurm job array\n", todo.size());
    else if (!o.quiet)
      std::fprintf(stderr,
                   "gpufleet: submitting %zu runs as %zu Slurm job arrays (the cluster's "
                   "MaxArraySize is %ld)\n",
                   todo.size(), arrays, max_array);
    const auto exits = run_slurm_array(commands, tasks, o.out + "/slurm", max_array, capped);
    for (size_t k = 0; k < exits.size(); ++k) on_exit(k, exits[k]);
  } else {
    run_children(commands, parallel, on_exit);
  }
  std::vector<StudyRun> runs;
  for (auto& p : plan) {
    load_result(p);
    runs.push_back(p.run);
  }
  warn_about_late_replays(runs);
  AtomicFiles files(o.out);
  files.add("manifest.csv", manifest_csv(plan, spec));
  files.add("study.csv", study_csv(spec, runs));
  files.add("study_summary.csv", study_summary_csv(spec, runs));
  files.add("report.html", study_report_html(spec, runs));
  files.commit();
  print_verdicts(spec, runs);
  const long failed = std::count_if(runs.begin(), runs.end(), [](auto& r) { return !r.ok; });
  std::printf(
      "\nwrote %s/manifest.csv, study.csv, study_summary.csv, report.html (%ld of %zu runs "
      "failed)\n",
      o.out.c_str(), failed, runs.size());
  return failed == 0 ? 0 : 1;
}

}  // namespace

CommandRunner add_study_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "study",
      "Run policies x fleets x seeds; report means with 95% CIs and paired differences against "
      "a baseline arm (docs/studies.md)");
  auto o = std::make_shared<StudyOptions>();
  cmd->add_option("spec", o->spec, "Study file (JSON, docs/studies.md)")->required();
  cmd->add_option("--out", o->out, "Output directory")->capture_default_str();
  cmd->add_option("--jobs", o->jobs,
                  "Runs at once (0: as many as cores; with slurm, the array's task limit)")
      ->capture_default_str();
  cmd->add_option("--backend", o->backend,
                  "'local' (child processes here) or 'slurm' (one sbatch job array; Slurm's "
                  "configuration from SLURM_CONF or its default)")
      ->check(CLI::IsMember({"local", "slurm"}))
      ->capture_default_str();
  add_catalog_option(*cmd, o->catalog);
  cmd->add_flag("-q,--quiet", o->quiet, "No progress lines");
  cmd->add_flag("--compress", o->compress,
                "Every run writes its CSV files gzip-compressed, as FILE.csv.gz (run --compress)");
  cmd->add_flag("--decision-log", o->decision_log,
                "Every run also writes decisions.csv in its folder (run --decision-log)");
  return [o] {
    use_catalog_file(o->catalog);
    return study(*o);
  };
}

}  // namespace gpufleet
