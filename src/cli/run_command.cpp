#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/progress_bar.hpp"
#include "core/atomic_files.hpp"
#include "core/duration.hpp"
#include "core/input_error.hpp"
#include "core/run_outputs.hpp"
#include "core/summary.hpp"
#include "core/workload_io.hpp"
#include "sim/simulation.hpp"

namespace gpufleet {

namespace {

struct RunOptions {
  std::string platform = "platforms/seed-fleet.xml";
  std::string workload = "workloads/default.json";
  std::string policy = "static-partition";
  std::string horizon;
  std::string interval = "1h";
  std::string out = "gpufleet-out";
  unsigned long seed = 1;
  int threads = 0;
  bool quiet = false;
};

double horizon_of(const RunOptions& o, const Workload& w) {
  if (!o.horizon.empty()) return parse_duration_s(o.horizon);
  if (w.horizon_s > 0) return w.horizon_s;
  throw InputError(o.workload, "horizon_s", "the workload sets no horizon",
                   "pass --horizon (e.g. --horizon 30d) or add \"horizon_s\" to the file");
}

int run(const RunOptions& o) {
  // Everything is read and checked before anything runs or is written.
  const std::string platform_file = shipped_file(o.platform);
  const std::string workload_file = shipped_file(o.workload);
  auto policy = make_policy(o.policy);
  Workload workload = load_workload(workload_file);
  SimulationOptions sim;
  sim.horizon_s = horizon_of(o, workload);
  sim.interval_s = parse_duration_s(o.interval);
  sim.seed = o.seed;
  sim.policy_name = o.policy;
  if (o.threads < 0) throw std::invalid_argument("--threads must be >= 0 (0: all cores)");
  const auto threads =
      tbb::global_control(tbb::global_control::max_allowed_parallelism,
                          o.threads > 0 ? o.threads : tbb::info::default_concurrency());
  Simulation simulation(platform_file);
  bind_workload(workload, simulation.fleet(), workload_file);

  ProgressBar bar("simulating", sim.horizon_s);
  if (!o.quiet) sim.on_progress = [&bar](double now) { bar.update(now); };
  const RunResult result = simulation.run(workload, *policy, sim);
  bar.finish();

  const auto summary = summarize(simulation.fleet(), workload, result);
  AtomicFiles files(o.out);
  files.add("summary.json", summary.dump(2) + "\n");
  files.add("jobs.csv", jobs_csv(simulation.fleet(), workload, result));
  files.add("timeseries.csv", timeseries_csv(simulation.fleet(), result));
  files.commit();
  if (!o.quiet) std::fputs(summary_table(summary).c_str(), stdout);
  std::printf("\nwrote %s/summary.json, jobs.csv, timeseries.csv\n", o.out.c_str());
  return 0;
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "run", "Simulate a workload on a platform under a policy (default: the built-in scenario)");
  auto o = std::make_shared<RunOptions>();
  cmd->add_option("--platform", o->platform, "SimGrid platform XML")->capture_default_str();
  cmd->add_option("--workload", o->workload, "Workload JSON (docs/workload-format.md)")
      ->capture_default_str();
  cmd->add_option("--policy", o->policy, "Scheduling policy (see 'gpufleet policies')")
      ->capture_default_str();
  cmd->add_option("--horizon", o->horizon,
                  "Simulated time, e.g. 30d or 12h (default: the workload's horizon_s)");
  cmd->add_option("--interval", o->interval, "Time-series bin")->capture_default_str();
  cmd->add_option("--out", o->out, "Output directory")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed of randomized policies")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Worker threads (0: all cores)")->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar or summary table");
  return [o] { return run(*o); };
}

}  // namespace gpufleet
