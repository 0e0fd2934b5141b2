#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/economics_options.hpp"
#include "cli/scenario_source.hpp"
#include "formats/atomic_files.hpp"
#include "formats/file_hash.hpp"
#include "formats/gzip_text.hpp"
#include "formats/platform_writer.hpp"
#include "formats/temporary_file.hpp"
#include "formats/workload_io.hpp"
#include "model/duration.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"
#include "outputs/economics.hpp"
#include "outputs/replica_outputs.hpp"
#include "outputs/run_outputs.hpp"
#include "outputs/scheduling_metrics.hpp"
#include "outputs/series_outputs.hpp"
#include "outputs/summary.hpp"
#include "policies/policies.hpp"
#include "report/reports.hpp"
#include "runtime/command_line.hpp"
#include "runtime/progress_bar.hpp"
#include "runtime/version.hpp"
#include "sim/engine_config.hpp"
#include "sim/simulation.hpp"

namespace gpufleet {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct RunOptions {
  std::string catalog;  // --catalog: GPU models over the built-in ones
  std::string scenario = "seed";
  double scale = 1;
  std::string platform;  // default: the scenario's fleet, or platforms/seed.xml for --workload
  std::string workload;  // default: drawn from the scenario
  std::string policy = "static-partition";
  std::vector<std::string> params;
  std::string horizon;
  std::optional<std::string> interval;  // default: an hour, or the horizon if shorter
  std::string out = "gpufleet-out";
  std::optional<long> seed;  // default: the scenario's (0 with --workload)
  std::optional<double> training_growth, inference_growth;  // default: the scenario's
  int threads = 0;
  std::string placement = "topology";
  std::string failures = "off";
  std::optional<double> failure_rate;  // per GPU-day; default: the model's (Llama 3)
  double repair_scale = 1;
  std::optional<std::string> restart_delay;  // default: the model's, 300 s
  std::string checkpoint = "young-daly";
  std::string forecast = "weekly";
  std::string walltime = "kill";
  std::string plan_with = "walltime";
  bool quiet = false;
  bool report = false;
  bool compress = false;      // --compress: every CSV file as FILE.csv.gz
  bool decision_log = false;  // --decision-log: decisions.csv, every decision and why
  EconomicsOptions economics;
};

double horizon_of(const RunOptions& o, const Workload& w) {
  // No event is finer than a second; a shorter horizon is a unit mistake.
  if (!o.horizon.empty()) {
    const double horizon = parse_duration_s(o.horizon);
    if (horizon < 1)
      throw std::invalid_argument("--horizon " + printable(o.horizon) + ": must be at least 1s");
    return horizon;
  }
  if (w.horizon_s >= 1) return w.horizon_s;
  if (w.horizon_s > 0)
    throw InputError(o.workload, "horizon_s", "is below one second",
                     "give the horizon in seconds, at least 1");
  throw InputError(o.workload, "horizon_s", "the workload sets no horizon",
                   "pass --horizon (e.g. --horizon 30d) or add \"horizon_s\" to the file");
}

// Most time-series bins a run keeps: every series holds one double per bin and pool (or
// service), and 100,000 bins are ten years of hourly bins or a day of one-second bins.
constexpr double kMaxBins = 100'000;

// The time-series bin: at least a second (no event is finer), at most the horizon, and few
// enough bins that the series fit in memory.
double interval_of(const RunOptions& o, double horizon_s) {
  // The default bin, an hour, shrinks to a shorter horizon; a bin the user gives does not,
  // even when it is the default's "1h".
  if (!o.interval) return std::min(3600.0, horizon_s);
  const double interval = parse_duration_s(*o.interval);
  const std::string given = "--interval " + printable(*o.interval);
  if (interval < 1)
    throw std::invalid_argument(given + ": the time-series bin must be at least 1s");
  if (interval > horizon_s)
    throw std::invalid_argument(given + ": the time-series bin must be at most the horizon (" +
                                std::to_string(std::lround(horizon_s)) + "s)");
  if (horizon_s / interval > kMaxBins)
    throw std::invalid_argument(given + " makes more than 100000 bins over the horizon of " +
                                std::to_string(std::lround(horizon_s)) + "s: use at least " +
                                std::to_string(static_cast<long>(std::ceil(horizon_s / kMaxBins))) +
                                "s");
  return interval;
}

// The run's inputs: files given by the user, or a scenario drawn in memory (its platform goes
// to a temporary file, since SimGrid loads platforms from files).
struct Inputs {
  Workload workload;
  std::string workload_file;  // for error messages
  std::string platform_file;
  std::unique_ptr<TemporaryFile> generated_platform;
  unsigned long seed = 0;
  nlohmann::json files = nlohmann::json::array();  // what each input file was, by content
};

void record_input(Inputs& in, const std::string& role, const std::string& shown_as,
                  const std::string& file) {
  in.files.push_back({{"role", role}, {"file", shown_as}, {"sha256", sha256_of_file(file)}});
}

Inputs read_inputs(const RunOptions& o) {
  Inputs in;
  if (o.seed && *o.seed < 0) throw std::invalid_argument("--seed must be >= 0");
  if (!o.workload.empty()) {
    if (o.scale != 1)
      throw std::invalid_argument("--scale applies to scenarios, not to --workload");
    if (o.training_growth || o.inference_growth)
      throw std::invalid_argument(
          "--training-growth and --inference-growth apply to scenarios, not to --workload");
    in.workload_file = shipped_file(o.workload);
    in.workload = load_workload(in.workload_file);
    in.platform_file = shipped_file(o.platform.empty() ? "platforms/seed.xml" : o.platform);
    in.seed = static_cast<unsigned long>(o.seed.value_or(0));
    record_input(in, "workload", in.workload_file, in.workload_file);
    record_input(in, "platform", in.platform_file, in.platform_file);
    return in;
  }
  const Scenario scenario = load_scenario(scenario_file(o.scenario));
  GenerateOptions options;
  options.scale = o.scale;
  if (!o.horizon.empty()) options.days = parse_duration_s(o.horizon) / 86400;
  if (o.seed) options.seed = static_cast<unsigned long>(*o.seed);
  options.training_growth = o.training_growth;
  options.inference_growth = o.inference_growth;
  auto generated = generate_scenario(scenario, options);
  if (!o.quiet) std::fputs(("gpufleet: " + describe(scenario, generated, o.scale)).c_str(), stderr);
  in.workload = std::move(generated.workload);
  in.workload_file = scenario.file;
  in.seed = generated.seed;
  record_input(in, "scenario", scenario.file, scenario.file);
  if (!scenario.inference.shape_file.empty())
    record_input(in, "demand_shape", scenario.inference.shape_file, scenario.inference.shape_file);
  if (!o.platform.empty()) {
    in.platform_file = shipped_file(o.platform);
    record_input(in, "platform", in.platform_file, in.platform_file);
  } else {
    in.generated_platform = std::make_unique<TemporaryFile>(platform_xml(generated.pools), ".xml");
    in.platform_file = in.generated_platform->path();
    record_input(in, "platform", "(drawn from the scenario)", in.platform_file);
  }
  return in;
}

FailureModel failure_model(const RunOptions& o) {
  FailureModel model = default_failure_model();
  model.enabled = o.failures == "on";
  if (o.failure_rate) {
    if (!std::isfinite(*o.failure_rate) || *o.failure_rate < 0 || *o.failure_rate > 100)
      throw std::invalid_argument(
          "--failure-rate must be a number of failures per GPU-day from 0 "
          "to 100 (Llama 3: 0.000474)");
    model.failures_per_gpu_day = *o.failure_rate;
  }
  if (!std::isfinite(o.repair_scale) || o.repair_scale < 0 || o.repair_scale > 1000)
    throw std::invalid_argument(
        "--repair-scale must be from 0 (hot spares: no GPU stays down) "
        "to 1000");
  for (auto& cause : model.causes) cause.repair_h *= o.repair_scale;
  if (o.restart_delay) model.restart_s = restart_delay_option(*o.restart_delay);
  return model;
}

// With --checkpoint workload, a job writes a checkpoint every checkpoint_interval_s of compute:
// a write longer than that interval leaves the job writing more than computing, a size or
// interval given in the wrong unit.
void check_checkpoint_writes(const Workload& workload, const FailureModel& failures,
                             const std::string& file) {
  for (size_t i = 0; i < workload.training.size(); ++i) {
    const TrainingJob& job = workload.training[i];
    const double write_s = failures.checkpoint_write_s(job);
    if (write_s <= job.checkpoint_interval_s) continue;
    throw InputError(
        file, "training[" + std::to_string(i) + "].checkpoint_interval_s",
        "job '" + job.id + "' checkpoints every " + std::to_string(job.checkpoint_interval_s) +
            " s of compute but writing one takes " + std::to_string(write_s) +
            " s (--checkpoint workload, docs/failures.md)",
        "raise checkpoint_interval_s above the write time, lower checkpoint_bytes, or use "
        "--checkpoint young-daly");
  }
}

// Not an error: a fleet may hold a pool on purpose (a what-if), but a user should know why it
// reports 0%.
void warn_about_unusable_pools(const Workload& workload, const Fleet& fleet,
                               const std::string& workload_file) {
  for (int p : unusable_pools(workload, fleet)) {
    const Pool& pool = fleet.pools[p];
    std::fprintf(stderr,
                 "gpufleet: warning: pool '%s' (%d %s GPUs) is named by no training job, service "
                 "or lease of %s: it will sit idle (add %s to some job's generations to use it)\n",
                 pool.name.c_str(), pool.gpus(), pool.gpu_model.c_str(), workload_file.c_str(),
                 pool.gpu_model.c_str());
  }
}

// The CSV files of a run, compressed with --compress (FILE.csv.gz: gzip, which pandas, zcat and
// `gpufleet report` read as they are); in parallel, each file on its own, so the bytes do not
// depend on the threads. The other form of each, left by an earlier run into the same folder, is
// removed at commit, so that a reader never finds two versions of one output.
void add_csv_files(AtomicFiles& files, std::vector<std::pair<std::string, std::string>> csvs,
                   bool compress) {
  if (compress)
    tbb::parallel_for(size_t{0}, csvs.size(),
                      [&](size_t i) { csvs[i].second = gzip_text(csvs[i].second); });
  for (const auto& [name, content] : csvs) {
    files.add(compress ? name + ".gz" : name, content);
    files.remove_at_commit(compress ? name : name + ".gz");
  }
}

int run(const RunOptions& o) {
  // Everything is read and checked before anything runs or is written.
  const ForecastSpec forecast = parse_forecast(o.forecast);
  auto policy = make_policy(o.policy, o.params, forecast);
  const EconomicsParams economics = economics_params(o.economics);
  const auto t_inputs = std::chrono::steady_clock::now();
  Inputs in = read_inputs(o);
  // The GPU models the run read, when they are not only the built-in ones (provenance).
  if (!o.catalog.empty()) record_input(in, "gpu_catalog", o.catalog, o.catalog);
  // Hashed when read, not after the run: the file may change meanwhile.
  if (!o.economics.file.empty()) record_input(in, "economics", o.economics.file, o.economics.file);
  Workload& workload = in.workload;
  SimulationOptions sim;
  sim.horizon_s = horizon_of(o, workload);
  sim.interval_s = interval_of(o, sim.horizon_s);
  sim.seed = in.seed;
  sim.policy_name = o.policy;
  sim.forecast_name = forecast_name(forecast);
  sim.placement = *placement_rule_named(o.placement);
  check_demand_steps(workload, sim.horizon_s, in.workload_file, o.workload.empty());
  sim.failures = failure_model(o);
  sim.young_daly_checkpoints = o.checkpoint == "young-daly";
  if (sim.failures.enabled && !sim.young_daly_checkpoints)
    check_checkpoint_writes(workload, sim.failures, in.workload_file);
  sim.kill_at_walltime = o.walltime == "kill";
  sim.planning = *runtime_planning_named(o.plan_with);
  if (o.threads < 0) throw std::invalid_argument("--threads must be >= 0 (0: all cores)");
  const auto threads =
      tbb::global_control(tbb::global_control::max_allowed_parallelism,
                          o.threads > 0 ? o.threads : tbb::info::default_concurrency());
  const double inputs_s = seconds_since(t_inputs);
  const auto t_platform = std::chrono::steady_clock::now();
  Simulation simulation(in.platform_file);
  in.generated_platform.reset();  // loaded: the file is no longer needed
  bind_workload(workload, simulation.fleet(), in.workload_file);
  warn_about_unusable_pools(workload, simulation.fleet(), in.workload_file);
  check_economics(economics, simulation.fleet(), workload);

  const double platform_s = seconds_since(t_platform);
  ProgressBar bar("simulating", sim.horizon_s);
  if (!o.quiet) sim.on_progress = [&bar](double now) { bar.update(now); };
  DecisionLog decisions;
  if (o.decision_log) sim.decisions = &decisions;
  const auto t_simulation = std::chrono::steady_clock::now();
  const RunResult result = simulation.run(workload, *policy, sim);
  const double simulation_s = seconds_since(t_simulation);
  bar.finish();
  const auto t_outputs = std::chrono::steady_clock::now();

  auto summary = summarize(simulation.fleet(), workload, result);
  summary["economics"] = economics_json(simulation.fleet(), workload, result, economics);
  summary["gpufleet_version"] = gpufleet_version();
  // Everything else in the outputs is byte-identical for the same inputs and seed; this block
  // names the build, the command and the inputs, so it changes with them.
  summary["provenance"] = {{"gpufleet_commit", gpufleet_commit()},
                           {"simgrid_version", simgrid_version()},
                           {"command_line", command_line()},
                           {"inputs", in.files}};
  check_finite_figures(summary, "summary.json");
  // About what the results mean, not progress: printed even under -q.
  if (const std::string late = replay_warning(summary); !late.empty())
    std::fprintf(stderr, "gpufleet: warning: %s\n", late.c_str());
  const std::string jobs = jobs_csv(simulation.fleet(), workload, result);
  const std::string series = timeseries_csv(simulation.fleet(), result);
  const std::string services = services_timeseries_csv(workload, result);
  AtomicFiles files(o.out);
  files.add("summary.json", summary.dump(2) + "\n");
  add_csv_files(files,
                {{"jobs.csv", jobs},
                 {"replicas.csv", replicas_csv(simulation.fleet(), workload, result)},
                 {"timeseries.csv", series},
                 {"queue_timeseries.csv", queue_timeseries_csv(result)},
                 {"pools_timeseries.csv", pools_timeseries_csv(simulation.fleet(), result)},
                 {"services_timeseries.csv", services}},
                o.compress);
  if (o.decision_log) {
    add_csv_files(files,
                  {{"decisions.csv", decisions_csv(simulation.fleet(), workload, decisions)}},
                  o.compress);
  } else {  // an earlier run's log would not be this run's
    files.remove_at_commit("decisions.csv");
    files.remove_at_commit("decisions.csv.gz");
  }
  if (o.report)
    files.add("report.html", report::run_report_html(
                                 report::parse_run(o.out, summary.dump(), jobs, series, services)));
  files.commit();
  if (!o.quiet) {
    // Wall times go to stderr only: the output files stay byte-identical between runs.
    std::fprintf(stderr,
                 "gpufleet: wall time: inputs %.2f s, platform %.2f s, simulation %.2f s "
                 "(%ld events, %.0f/s), outputs %.2f s\n",
                 inputs_s, platform_s, simulation_s, result.events,
                 result.events / std::max(simulation_s, 1e-9), seconds_since(t_outputs));
    std::fputs(summary_table(summary).c_str(), stdout);
  }
  const char* gz = o.compress ? ".gz" : "";
  std::printf(
      "\nwrote %s/summary.json, jobs.csv%s, replicas.csv%s, timeseries.csv%s, queue_, pools_, "
      "services_timeseries.csv%s%s%s%s\n",
      o.out.c_str(), gz, gz, gz, gz, o.decision_log ? ", decisions.csv" : "",
      o.decision_log ? gz : "", o.report ? ", report.html" : "");
  return 0;
}

}  // namespace

double restart_delay_option(const std::string& text) {
  try {
    return parse_restart_delay_s(text);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("--restart-delay " + printable(text) + ": " + e.what());
  }
}

CommandRunner add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "run", "Simulate a workload on a platform under a policy (default: the built-in scenario)");
  auto o = std::make_shared<RunOptions>();
  cmd->add_option("--scenario", o->scenario,
                  "Scenario to draw the workload and fleet from (name or file), unless --workload")
      ->capture_default_str();
  cmd->add_option("--scale", o->scale, "Scenario size (1: 10,000 GPUs for seed)")
      ->capture_default_str();
  cmd->add_option("--workload", o->workload, "Workload JSON (docs/workload-format.md)");
  cmd->add_option("--platform", o->platform,
                  "SimGrid platform XML (default: the scenario's fleet; platforms/seed.xml with "
                  "--workload)");
  cmd->add_option("--param", o->params,
                  "A policy parameter as NAME=VALUE (repeatable; see 'gpufleet policies')");
  cmd->add_option("--policy", o->policy,
                  "Scheduling policy, parts joined with '+' (see 'gpufleet policies')")
      ->capture_default_str();
  cmd->add_option("--horizon", o->horizon,
                  "Simulated time, e.g. 30d or 12h (default: the workload's horizon_s)");
  cmd->add_option("--interval", o->interval,
                  "Time-series bin, 1s to the horizon (default: 1h, or the horizon if shorter)");
  cmd->add_option("--out", o->out, "Output directory")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed of the scenario (default: the scenario's)");
  add_growth_options(cmd, o->training_growth, o->inference_growth);
  cmd->add_option("--threads", o->threads, "Worker threads (0: all cores)")->capture_default_str();
  cmd->add_option("--placement", o->placement,
                  "Where training jobs larger than an NVLink domain go: 'topology' (fewest "
                  "domains, fewest leaf switches), 'fewest-domains' (ignores switches) or "
                  "'consolidate' (whole free domains only, as Helios, Philly and Slurm's "
                  "exclusive nodes)")
      ->check(CLI::IsMember({"topology", "fewest-domains", "consolidate"}))
      ->capture_default_str();
  cmd->add_option("--failures", o->failures,
                  "GPU and server failures, checkpoint costs and restarts (docs/failures.md): "
                  "'on' or 'off'")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd->add_option("--failure-rate", o->failure_rate,
                  "Failures per GPU-day (default: Llama 3 405B's, 419 / (16,384 x 54) = 0.000474)");
  cmd->add_option("--repair-scale", o->repair_scale,
                  "Multiplies every cause's repair time (0: failed GPUs are swapped at once, as "
                  "with hot spares)")
      ->capture_default_str();
  cmd->add_option("--restart-delay", o->restart_delay,
                  "With failures on, how long an interrupted training job holds its GPUs to "
                  "reload before it computes again, e.g. 300s or 10m (default: 300s, an estimate; "
                  "docs/failures.md)");
  cmd->add_option("--checkpoint", o->checkpoint,
                  "With failures on, checkpoint every 'young-daly' interval (sqrt(2 C M)) or every "
                  "job's checkpoint_interval_s ('workload')")
      ->check(CLI::IsMember({"young-daly", "workload"}))
      ->capture_default_str();
  cmd->add_option("--forecast", o->forecast,
                  "What inference scaling knows of demand ahead: last, window[:HOURS], weekly, "
                  "or oracle (the future demand itself; a reference, docs/policies.md)")
      ->capture_default_str();
  add_walltime_options(cmd, o->walltime, &o->plan_with);
  add_catalog_option(*cmd, o->catalog);
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar or summary table");
  cmd->add_flag("--report", o->report, "Also write report.html (docs/reports.md)");
  cmd->add_flag("--decision-log", o->decision_log,
                "Also write decisions.csv: every decision, the policy part that took it and why "
                "(docs/policies.md)");
  cmd->add_flag("--compress", o->compress,
                "Write every CSV file gzip-compressed, as FILE.csv.gz (pandas reads it as is; "
                "docs/metrics.md)");
  add_economics_options(cmd, o->economics);
  return [o] {
    use_catalog_file(o->catalog);
    return run(*o);
  };
}

}  // namespace gpufleet
