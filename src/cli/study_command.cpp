#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
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
#include "policies/policies.hpp"
#include "report/figure_format.hpp"
#include "runtime/child_processes.hpp"
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
};

// A folder name for an arm or fleet: letters, digits and '-', one '-' for each run of others.
std::string slug(const std::string& name) {
  std::string s;
  for (char c : name) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_';
    if (keep)
      s += c;
    else if (!s.empty() && s.back() != '-')
      s += '-';
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s.empty() ? "arm" : s;
}

// One seed's draw made into each fleet: its pools and its workload, with the contracts of its
// changes and the generations it needs (study/fleet_variant.hpp).
struct FleetDraw {
  std::vector<PoolSpec> pools;
  Workload workload;
  bool own_workload = false;  // differs from the seed's: written as workload-FLEET.json
  std::vector<std::string> notes;
};

std::vector<FleetDraw> draw_fleets(const StudySpec& spec, const GeneratedScenario& generated) {
  std::vector<FleetDraw> draws;
  for (const auto& fleet : spec.fleets) {
    FleetDraw d;
    auto variant =
        apply_fleet_changes(generated.pools, fleet.changes, generated.workload.horizon_s, d.notes);
    d.pools = std::move(variant.pools);
    d.workload = generated.workload;
    for (auto& c : variant.contracts) d.workload.contracts.push_back(std::move(c));
    const long added =
        add_training_generations(d.workload, d.pools) + drop_absent_models(d.workload, d.pools);
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
  std::vector<nlohmann::json> summaries;
  for (size_t f = 0; f < draws.size(); ++f) {
    const std::string where = spec.file + ", fleet '" + spec.fleets[f].name + "', seed " +
                              std::to_string(spec.seeds.front()) + " (its workload)";
    auto skeleton = summary_skeleton(draws[f].pools, draws[f].workload, economics[f],
                                     spec.failures == "on", {}, where);
    for (const auto& params : policy_params) {
      skeleton["policy_params"] = params;
      summaries.push_back(skeleton);
    }
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

StudyInputs write_inputs(const StudySpec& spec, const std::string& out, bool quiet,
                         const std::vector<std::map<std::string, double>>& policy_params) {
  const EconomicsParams study_economics = load_study_economics(spec);
  const Scenario scenario = load_scenario(scenario_file(spec.scenario));
  StudyInputs inputs;
  std::vector<nlohmann::json> economics_docs;
  for (long seed : spec.seeds) {
    GenerateOptions options;
    options.scale = spec.scale;
    if (spec.days > 0) options.days = spec.days;
    options.seed = static_cast<unsigned long>(seed);
    options.training_growth = spec.training_growth;
    options.inference_growth = spec.inference_growth;
    const auto generated = generate_scenario(scenario, options);
    const auto draws = draw_fleets(spec, generated);
    if (seed == spec.seeds.front()) {
      std::vector<EconomicsParams> economics;
      fit_economics(spec, draws, economics_docs, economics, study_economics);
      check_first_seed(spec, draws, economics, policy_params);
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

// What a run depends on: its command (but where it writes), its inputs' bytes (workload,
// platform, economics) and the build.
std::string config_hash(const std::vector<std::string>& argv, const std::string& workload,
                        const std::string& platform, const std::string& economics) {
  std::string text = std::string(gpufleet_version()) + "\n" + gpufleet_commit() + "\n";
  for (size_t i = 1; i < argv.size(); ++i)
    if (argv[i] != "--out" && argv[i - 1] != "--out") text += argv[i] + "\n";
  text += sha256_of_file(workload) + "\n" + sha256_of_file(platform) + "\n";
  if (!economics.empty()) text += sha256_of_file(economics) + "\n";
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
                                  const std::string& out) {
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
      p.command.argv.insert(
          p.command.argv.end(),
          {"--forecast", policy.forecast.empty() ? spec.forecast : policy.forecast});
      p.command.argv.insert(p.command.argv.end(), {"--out", p.dir});
      p.command.stderr_file = p.dir + ".log";
      p.command.timeout_s = spec.timeout_s;
      p.command.ends_with_parent = true;
      p.hash = config_hash(p.command.argv, workload, platform, economics);
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
  const StudySpec spec = load_study(o.spec);
  std::vector<std::map<std::string, double>> policy_params;  // checked before any run
  for (const auto& p : spec.policies)
    policy_params.push_back(
        make_policy(p.name, p.params,
                    parse_forecast(p.forecast.empty() ? spec.forecast : p.forecast))
            ->params());
  if (o.jobs < 0) throw std::invalid_argument("--jobs must be >= 0 (0: as many as cores)");
  const auto inputs = write_inputs(spec, o.out, o.quiet, policy_params);
  auto plan = plan_runs(spec, inputs, o.out);
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
    if (!o.quiet)
      std::fprintf(stderr, "gpufleet: submitting %zu runs as one Slurm job array\n", todo.size());
    // The cluster decides how many run at once unless --jobs caps the array.
    const int tasks = o.jobs > 0 ? o.jobs : static_cast<int>(commands.size());
    const auto exits = run_slurm_array(commands, tasks, o.out + "/slurm");
    for (size_t k = 0; k < exits.size(); ++k) on_exit(k, exits[k]);
  } else {
    run_children(commands, parallel, on_exit);
  }
  std::vector<StudyRun> runs;
  for (auto& p : plan) {
    load_result(p);
    runs.push_back(p.run);
  }
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
  cmd->add_flag("-q,--quiet", o->quiet, "No progress lines");
  return [o] { return study(*o); };
}

}  // namespace gpufleet
