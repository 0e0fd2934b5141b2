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
#include "policies/policies.hpp"
#include "runtime/child_processes.hpp"
#include "runtime/slurm_array.hpp"
#include "runtime/text_file.hpp"
#include "runtime/version.hpp"
#include "scenario/scenario_generator.hpp"
#include "study/fleet_variant.hpp"
#include "study/study_report.hpp"
#include "study/study_spec.hpp"
#include "study/study_tables.hpp"

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

// Each seed's workload, drawn once and run by every arm (common random numbers), and each
// fleet's platform: DIR/inputs/seed-S/{workload.json, FLEET.xml}. A fleet with a training model
// the jobs do not list gets the same jobs allowed on it too: workload-FLEET.json.
struct SeedInputs {
  std::vector<std::string> workloads;  // per fleet
  std::vector<std::string> platforms;  // per fleet
};

std::vector<SeedInputs> write_inputs(const StudySpec& spec, const std::string& out, bool quiet,
                                     std::vector<std::vector<FleetContract>>& contracts) {
  contracts.assign(spec.fleets.size(), {});
  const Scenario scenario = load_scenario(scenario_file(spec.scenario));
  std::vector<SeedInputs> inputs;
  for (long seed : spec.seeds) {
    GenerateOptions options;
    options.scale = spec.scale;
    if (spec.days > 0) options.days = spec.days;
    options.seed = static_cast<unsigned long>(seed);
    const auto generated = generate_scenario(scenario, options);
    const std::string dir = out + "/inputs/seed-" + std::to_string(seed);
    AtomicFiles files(dir);
    SeedInputs in;
    files.add("workload.json", workload_to_json(generated.workload).dump(1) + "\n");
    for (const auto& fleet : spec.fleets) {
      std::vector<std::string> notes;
      const size_t f = &fleet - spec.fleets.data();
      contracts[f].clear();
      const auto pools = apply_fleet_changes(generated.pools, fleet.changes, notes, &contracts[f]);
      Workload workload = generated.workload;
      const long added =
          add_training_generations(workload, pools) + drop_absent_models(workload, pools);
      const std::string name =
          added > 0 ? "workload-" + slug(fleet.name) + ".json" : "workload.json";
      if (added > 0) {
        notes.push_back(std::to_string(added) +
                        " generations or leases of the workload added or taken out to match the "
                        "fleet's models (relative speeds from the GPU catalog)");
        files.add(name, workload_to_json(workload).dump(1) + "\n");
      }
      in.workloads.push_back(dir + "/" + name);
      if (!quiet && seed == spec.seeds.front())
        for (const auto& note : notes)
          std::fprintf(stderr, "gpufleet: fleet '%s': %s\n", fleet.name.c_str(), note.c_str());
      files.add(slug(fleet.name) + ".xml", platform_xml(pools));
      in.platforms.push_back(dir + "/" + slug(fleet.name) + ".xml");
    }
    files.commit();
    inputs.push_back(std::move(in));
  }
  return inputs;
}

// What a run depends on: its command (but where it writes), its inputs' bytes and the build.
std::string config_hash(const std::vector<std::string>& argv, const std::string& workload,
                        const std::string& platform) {
  std::string text = std::string(gpufleet_version()) + "\n" + gpufleet_commit() + "\n";
  for (size_t i = 1; i < argv.size(); ++i)
    if (argv[i] != "--out" && argv[i - 1] != "--out") text += argv[i] + "\n";
  text += sha256_of_file(workload) + "\n" + sha256_of_file(platform) + "\n";
  return sha256_of_text(text);
}

struct PlannedRun {
  StudyRun run;
  ChildCommand command;
  std::string dir;
  std::string hash;
  bool done = false;  // a matching earlier result was found
};

std::vector<PlannedRun> plan_runs(const StudySpec& spec, const std::vector<SeedInputs>& inputs,
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
      const std::string platform = inputs[s].platforms[arm.fleet];
      const std::string workload = inputs[s].workloads[arm.fleet];
      const std::string seed = std::to_string(spec.seeds[s]);
      p.command.argv = {self, "run", "-q", "--workload", workload, "--platform", platform};
      p.command.argv.insert(p.command.argv.end(), {"--policy", policy.name, "--seed", seed,
                                                   "--failures", spec.failures, "--threads", "1"});
      for (const auto& param : policy.params)
        p.command.argv.insert(p.command.argv.end(), {"--param", param});
      p.command.argv.insert(
          p.command.argv.end(),
          {"--forecast", policy.forecast.empty() ? spec.forecast : policy.forecast});
      p.command.argv.insert(p.command.argv.end(), {"--out", p.dir});
      p.command.stderr_file = p.dir + ".log";
      p.command.timeout_s = spec.timeout_s;
      p.command.ends_with_parent = true;
      p.hash = config_hash(p.command.argv, workload, platform);
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

// The run's summary, with the fleet's contracts booked beside the run's own economics.
void load_result(PlannedRun& p, const std::vector<FleetContract>& contracts) {
  if (!p.done) return;
  try {
    p.run.summary = read_json_file(p.dir + "/summary.json");
    auto& s = p.run.summary;
    s["contract"] = contracts_json(contracts, s.value("horizon_s", 0.0));
    const double margin = s.value("/economics/fleet/net_value_usd"_json_pointer, 0.0);
    s["economics"]["fleet"]["margin_with_contracts_usd"] =
        margin + s["contract"]["margin_usd"].get<double>();
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

// "arm vs baseline: metric +d [lo, hi]" for the headline metrics: the verdict first.
void print_verdicts(const StudySpec& spec, const std::vector<StudyRun>& runs) {
  const auto arms = spec.arms();
  std::printf("\n%zu arms x %zu seeds; paired differences against '%s' (95%% CI):\n", arms.size(),
              spec.seeds.size(), arms[spec.baseline].name.c_str());
  for (size_t a = 0; a < arms.size(); ++a) {
    if (static_cast<int>(a) == spec.baseline) continue;
    std::printf("  %s\n", arms[a].name.c_str());
    for (const auto& h : study_headlines()) {
      const MeanInterval d = arm_figure(spec, runs, static_cast<int>(a), h.metric).diff;
      std::printf("    %-42s %+9.2f %-6s [%+.2f, %+.2f], n=%ld\n", h.metric.c_str(),
                  d.mean * h.factor, h.unit.c_str(), d.low * h.factor, d.high * h.factor, d.n);
    }
  }
}

int study(const StudyOptions& o) {
  const StudySpec spec = load_study(o.spec);
  for (const auto& p : spec.policies) {  // checked before any run
    make_policy(p.name, p.params);
    parse_forecast(p.forecast.empty() ? spec.forecast : p.forecast);
  }
  if (o.jobs < 0) throw std::invalid_argument("--jobs must be >= 0 (0: as many as cores)");
  std::vector<std::vector<FleetContract>> contracts;
  const auto inputs = write_inputs(spec, o.out, o.quiet, contracts);
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
  const auto arms = spec.arms();
  for (auto& p : plan) {
    load_result(p, contracts[arms[p.run.arm].fleet]);
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
