#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/economics_options.hpp"
#include "cli/scenario_source.hpp"
#include "formats/atomic_files.hpp"
#include "formats/platform_writer.hpp"
#include "formats/workload_io.hpp"
#include "model/duration.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"
#include "outputs/scheduling_metrics.hpp"
#include "policies/policies.hpp"
#include "report/comparison.hpp"
#include "report/reports.hpp"
#include "runtime/child_processes.hpp"
#include "runtime/text_file.hpp"
#include "scheduler/policy.hpp"

namespace gpufleet {

namespace {

namespace fs = std::filesystem;

struct CompareOptions {
  std::string catalog;  // --catalog: GPU models over the built-in ones
  std::string policies;
  std::string baseline;  // default: the first policy
  std::string scenario = "seed";
  double scale = 1;
  std::string platform;
  std::string workload;
  std::string horizon;
  std::optional<std::string> interval;  // default: run's
  std::string out = "gpufleet-compare";
  std::optional<long> seed;
  int jobs = 0;
  int threads = 0;
  std::vector<std::string> params;
  std::string failures = "off";
  std::optional<std::string> restart_delay;  // default: run's
  std::string forecast = "weekly";
  std::string walltime = "kill";
  std::string plan_with = "walltime";
  EconomicsOptions economics;
  bool quiet = false;
  bool compress = false;      // --compress, passed on to every run
  bool decision_log = false;  // --decision-log, passed on to every run
};

std::vector<std::string> split_policies(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ','))
    if (!name.empty()) names.push_back(name);
  if (names.empty())
    throw std::invalid_argument(
        "--policies: give at least one policy, e.g. "
        "--policies static-partition,easy-backfill");
  for (size_t i = 0; i < names.size(); ++i)
    if (std::find(names.begin(), names.begin() + i, names[i]) != names.begin() + i)
      throw std::invalid_argument("--policies: '" + names[i] + "' is listed twice");
  return names;
}

// The index of --baseline among the policies (the first when not given).
size_t baseline_index(const std::vector<std::string>& policies, const std::string& baseline) {
  if (baseline.empty()) return 0;
  for (size_t i = 0; i < policies.size(); ++i)
    if (policies[i] == baseline) return i;
  std::string listed;
  for (const auto& p : policies) listed += (listed.empty() ? "" : ", ") + p;
  throw std::invalid_argument("--baseline: '" + printable(baseline) + "' is not one of --policies" +
                              did_you_mean(baseline, policies) + " (fix: give one of: " + listed +
                              ")");
}

// Each --param goes to the policies that have it; one no policy has is an error.
std::vector<std::vector<std::string>> params_per_policy(const std::vector<std::string>& policies,
                                                        const std::vector<std::string>& params) {
  std::vector<std::vector<std::string>> routed(policies.size());
  for (size_t i = 0; i < policies.size(); ++i) make_policy(policies[i]);  // names checked
  for (const auto& param : params) {
    std::string first_error;
    bool used = false;
    for (size_t i = 0; i < policies.size(); ++i) try {
        make_policy(policies[i], {param});
        routed[i].push_back(param);
        used = true;
      } catch (const std::invalid_argument& e) {
        if (first_error.empty()) first_error = e.what();
      }
    if (!used) throw std::invalid_argument(first_error);
  }
  return routed;
}

// The inputs every child reads: the user's files, or a scenario drawn once into DIR/inputs.
struct SharedInputs {
  std::vector<std::string> args;  // --workload, --platform, --seed, --horizon
  nlohmann::json description;
};

SharedInputs shared_inputs(const CompareOptions& o) {
  SharedInputs in;
  std::optional<unsigned long> seed;
  if (o.seed && *o.seed < 0) throw std::invalid_argument("--seed must be >= 0");
  if (o.seed) seed = static_cast<unsigned long>(*o.seed);
  std::string workload, platform;
  if (!o.workload.empty()) {
    if (o.scale != 1)
      throw std::invalid_argument("--scale applies to scenarios, not to --workload");
    workload = shipped_file(o.workload);
    load_workload(workload);  // checked before anything runs
    platform = shipped_file(o.platform.empty() ? "platforms/seed.xml" : o.platform);
  } else {
    const Scenario scenario = load_scenario(scenario_file(o.scenario));
    GenerateOptions options;
    options.scale = o.scale;
    if (!o.horizon.empty()) options.days = parse_duration_s(o.horizon) / 86400;
    options.seed = seed;
    const auto generated = generate_scenario(scenario, options);
    if (!o.quiet)
      std::fputs(("gpufleet: " + describe(scenario, generated, o.scale)).c_str(), stderr);
    seed = generated.seed;
    AtomicFiles files(o.out + "/inputs");
    files.add("workload.json", workload_to_json(generated.workload).dump(1) + "\n");
    if (o.platform.empty()) files.add("platform.xml", platform_xml(generated.pools));
    files.commit();
    workload = o.out + "/inputs/workload.json";
    platform = o.platform.empty() ? o.out + "/inputs/platform.xml" : shipped_file(o.platform);
    in.description["scenario"] = scenario.name;
    in.description["scale"] = o.scale;
  }
  in.args = {"--workload", workload, "--platform", platform};
  if (o.interval) in.args.insert(in.args.end(), {"--interval", *o.interval});
  if (seed) in.args.insert(in.args.end(), {"--seed", std::to_string(*seed)});
  if (!o.horizon.empty()) in.args.insert(in.args.end(), {"--horizon", o.horizon});
  in.args.insert(in.args.end(), {"--failures", o.failures, "--forecast", o.forecast, "--walltime",
                                 o.walltime, "--plan-with", o.plan_with});
  if (o.restart_delay) in.args.insert(in.args.end(), {"--restart-delay", *o.restart_delay});
  // Each child run reads the same GPU models as this process did.
  if (!o.catalog.empty()) in.args.insert(in.args.end(), {"--catalog", shipped_file(o.catalog)});
  in.description["workload"] = workload;
  in.description["platform"] = platform;
  in.description["seed"] = seed ? nlohmann::json(*seed) : nlohmann::json(nullptr);
  in.description["horizon"] =
      o.horizon.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.horizon);
  return in;
}

// The last line a failed child wrote on stderr, without the program's prefix.
std::string error_of(const std::string& stderr_file, const ChildExit& e) {
  if (!e.problem.empty()) return e.problem;
  std::string last = last_line_of(stderr_file);
  for (const char* prefix : {"gpufleet: error: ", "gpufleet: internal error: "})
    if (last.rfind(prefix, 0) == 0) last = last.substr(std::strlen(prefix));
  return last.empty() ? "exit code " + std::to_string(e.exit_code) : last;
}

int compare(const CompareOptions& o) {
  parse_forecast(o.forecast);  // checked before any run
  const auto policies = split_policies(o.policies);
  const size_t baseline = baseline_index(policies, o.baseline);
  const auto params = params_per_policy(policies, o.params);
  economics_params(o.economics);  // checked before anything runs
  if (o.restart_delay) restart_delay_option(*o.restart_delay);
  if (o.jobs < 0 || o.threads < 0) throw std::invalid_argument("--jobs and --threads must be >= 0");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int parallel = o.jobs > 0 ? o.jobs : std::min<int>(cores, policies.size());
  const int threads = o.threads > 0 ? o.threads : std::max(1, cores / parallel);
  const SharedInputs inputs = shared_inputs(o);
  fs::create_directories(o.out + "/logs");

  const std::string self = own_executable();
  std::vector<ChildCommand> commands;
  for (size_t i = 0; i < policies.size(); ++i) {
    ChildCommand c{{self, "run", "-q", "--policy", policies[i], "--out", o.out + "/" + policies[i],
                    "--threads", std::to_string(threads)},
                   o.out + "/logs/" + policies[i] + ".log"};
    c.ends_with_parent = true;
    c.argv.insert(c.argv.end(), inputs.args.begin(), inputs.args.end());
    for (const auto& p : params[i]) c.argv.insert(c.argv.end(), {"--param", p});
    const auto econ = economics_args(o.economics);
    c.argv.insert(c.argv.end(), econ.begin(), econ.end());
    if (o.compress) c.argv.push_back("--compress");
    if (o.decision_log) c.argv.push_back("--decision-log");
    commands.push_back(std::move(c));
  }
  if (!o.quiet)
    std::fprintf(stderr, "gpufleet: comparing %zu policies, %d at a time, %d thread(s) each\n",
                 policies.size(), parallel, threads);
  size_t done = 0;
  const auto exits = run_children(commands, parallel, [&](size_t i, const ChildExit& e) {
    ++done;
    if (o.quiet) return;
    std::fprintf(stderr, "gpufleet: [%zu/%zu] %s %s after %.1f s\n", done, policies.size(),
                 policies[i].c_str(), e.exit_code == 0 ? "done" : "FAILED", e.wall_s);
  });

  std::vector<report::PolicyOutcome> outcomes;
  std::vector<report::RunData> runs;
  for (size_t i = 0; i < policies.size(); ++i) {
    report::PolicyOutcome out{policies[i], policies[i], exits[i].exit_code == 0, {}, {}};
    report::RunData run;
    if (out.ok) try {
        run = report::load_run(o.out + "/" + policies[i]);
        run.name = policies[i];
        out.summary = run.summary;
        // The run's own warning went to its log: a replay that missed its trace changes what
        // the comparison means.
        if (const std::string late = replay_warning(run.summary); !late.empty())
          std::fprintf(stderr, "gpufleet: warning: %s: %s\n", policies[i].c_str(), late.c_str());
      } catch (const std::exception& e) {
        out.ok = false;
        out.error = e.what();
      }
    else
      out.error = error_of(commands[i].stderr_file, exits[i]);
    outcomes.push_back(std::move(out));
    runs.push_back(std::move(run));
  }
  AtomicFiles files(o.out);
  files.add("comparison.csv", report::comparison_csv(outcomes));
  files.add("comparison.json",
            report::comparison_json(outcomes, inputs.description, baseline).dump(2) + "\n");
  const std::string markdown = report::comparison_markdown(outcomes, baseline);
  files.add("comparison.md", "# Policy comparison\n\n" + markdown);
  files.add("report.html", report::comparison_report_html(outcomes, runs, baseline));
  files.commit();
  std::fputs(markdown.c_str(), stdout);
  std::printf("\nwrote %s/comparison.csv, comparison.json, comparison.md, report.html\n",
              o.out.c_str());
  const bool all_ok = std::all_of(outcomes.begin(), outcomes.end(), [](auto& x) { return x.ok; });
  return all_ok ? 0 : 1;
}

}  // namespace

CommandRunner add_compare_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "compare", "Run several policies on the same inputs in parallel and compare them");
  auto o = std::make_shared<CompareOptions>();
  cmd->add_option("--policies", o->policies,
                  "Policies to compare, comma-separated (each may join parts with '+')")
      ->required();
  cmd->add_option("--baseline", o->baseline,
                  "The policy the verdict compares the others with (default: the first listed)");
  cmd->add_option("--scenario", o->scenario, "Scenario to draw the workload and fleet from, once")
      ->capture_default_str();
  cmd->add_option("--scale", o->scale, "Scenario size (1: 10,000 GPUs for seed)")
      ->capture_default_str();
  cmd->add_option("--workload", o->workload, "Workload JSON instead of a scenario");
  cmd->add_option("--platform", o->platform, "SimGrid platform XML");
  cmd->add_option("--seed", o->seed, "Random seed of the scenario (default: the scenario's)");
  cmd->add_option("--horizon", o->horizon, "Simulated time, e.g. 30d");
  cmd->add_option("--interval", o->interval,
                  "Time-series bin, 1s to the horizon (default: 1h, or the horizon if shorter)");
  cmd->add_option("--param", o->params,
                  "A policy parameter NAME=VALUE, given to every policy that has it (repeatable)");
  cmd->add_option("--out", o->out, "Output directory (one subdirectory per policy)")
      ->capture_default_str();
  cmd->add_option("--failures", o->failures,
                  "GPU and server failures in every run, 'on' or 'off' (docs/failures.md)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd->add_option("--restart-delay", o->restart_delay,
                  "With failures on, an interrupted job's reload in every run, e.g. 300s "
                  "(default: run's, 300s)");
  cmd->add_option("--forecast", o->forecast,
                  "What inference scaling knows of demand ahead in every run: last, "
                  "window[:HOURS], weekly or oracle (docs/policies.md)")
      ->capture_default_str();
  add_walltime_options(cmd, o->walltime, &o->plan_with);
  cmd->add_option("--jobs", o->jobs, "Policies run at once (0: as many as cores)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads per run (0: cores / jobs)")
      ->capture_default_str();
  add_catalog_option(*cmd, o->catalog);
  cmd->add_flag("-q,--quiet", o->quiet, "No progress on stderr");
  cmd->add_flag("--compress", o->compress,
                "Every run writes its CSV files gzip-compressed, as FILE.csv.gz (run --compress)");
  cmd->add_flag("--decision-log", o->decision_log,
                "Every run also writes decisions.csv in its folder (run --decision-log)");
  add_economics_options(cmd, o->economics);
  return [o] {
    use_catalog_file(o->catalog);
    return compare(*o);
  };
}

}  // namespace gpufleet
