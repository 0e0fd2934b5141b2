// The Standard Workload Format of the Parallel Workloads Archive: 18 whitespace-separated
// fields per job, ';' header comments. Mapping decisions and what is lost: docs/importers.md.
#include <algorithm>
#include <cmath>
#include <set>

#include "import/importers.hpp"
#include "model/duration.hpp"
#include "model/gpu_catalog.hpp"
#include "model/input_error.hpp"
#include "scenario/walltime_model.hpp"

namespace gpufleet {

namespace {

constexpr double kMfu = 0.4;  // the MFU a job is taken to reach on the chosen model
const char* kSwfLayout =
    "18 fields: job submit wait run procs cpu mem req_procs req_time req_mem status user group "
    "app queue partition preceding think";

// Most processors a job or the machine may have: a billion (a pool's GPU count is an int).
constexpr long kMaxProcs = 1'000'000'000;

// "; MaxProcs: 128" -> 128; 0 when the line says something else or a count beyond kMaxProcs.
long header_value(const std::string& line, const std::string& key) {
  const auto at = line.find(key + ":");
  if (at == std::string::npos) return 0;
  const long value = std::strtol(line.c_str() + at + key.size() + 1, nullptr, 10);
  return value > 0 && value <= kMaxProcs ? value : 0;
}

// A time field: a whole log spans at most ten years (kMaxSeconds).
double time_field(std::string_view text, std::string_view name) {
  const double x = number_field(text, name);
  if (x > kMaxSeconds)
    throw RowError("out of range",
                   std::string(name) + " " + std::string(text) + " s is beyond ten years",
                   "SWF times are seconds from the log's start, at most 316224000");
  return x;
}

// Every job's walltime drawn from Tsafrir et al.'s model of user estimates, with the log's
// jobs as its size and the given limit as its maximum, and assigned to them by their recorded
// run times as the paper does:
// for logs that record no requested time (NASA's), or to check the model against one that does.
// Its own fixed stream: the same log gives the same walltimes.
void model_walltimes(Imported& out, double limit_s) {
  constexpr std::uint64_t kSeed = 1, kStream = 3000;
  Rng rng(kSeed, kStream);
  auto& jobs = out.workload.training;
  const EstimateModel model(limit_s, static_cast<double>(jobs.size()), rng);
  std::vector<double> runs;
  for (const auto& job : jobs) runs.push_back(job.recorded_end_s - job.recorded_start_s);
  const auto walltimes = model.assign(runs, rng);
  for (size_t j = 0; j < jobs.size(); ++j) jobs[j].walltime_s = walltimes[j];
  out.report.kept.erase("training jobs without a requested time (field 9): no walltime");
  out.report.kept["training jobs with a walltime drawn from the model (--model-walltimes)"] =
      static_cast<long>(jobs.size());
}

}  // namespace

Imported import_swf(const std::vector<std::string>& inputs, const ImportOptions& options) {
  if (inputs.size() != 1)
    throw std::invalid_argument("swf reads one log (.swf or .swf.gz), got " +
                                std::to_string(inputs.size()));
  const auto gpu = find_gpu(options.gpu_model);
  if (!gpu)
    throw std::invalid_argument("unknown --gpu-model '" + options.gpu_model + "'; known: " +
                                known_gpu_models() + " (others: --catalog FILE, docs/hardware.md)");
  if (options.procs_per_gpu < 1) throw std::invalid_argument("--procs-per-gpu must be >= 1");
  Imported out;
  LineReader reader(inputs.front());
  long max_procs = 0;
  std::set<long> seen;  // job numbers
  double last_submit = 0, horizon = 0;
  for_each_row(reader, options.lenient, out.report, [&](const std::string& line) {
    if (line.front() == ';') {  // header comments: only MaxProcs is used
      --out.report.rows;
      max_procs = std::max(max_procs, header_value(line, "MaxProcs"));
      return;
    }
    const auto f = split_whitespace(line);
    if (f.empty()) {
      --out.report.rows;
      return;
    }
    expect_fields(f.size(), 18, kSwfLayout);
    const long id = whole_field(f[0], "job number");
    const double submit = time_field(f[1], "submit time");
    const double wait = time_field(f[2], "wait time");
    const double run = time_field(f[3], "run time");
    // The limit the user asked for; -1 (or 0) when the log does not record it.
    const double requested = time_field(f[8], "requested time");
    long procs = whole_field(f[4], "allocated processors");
    if (procs <= 0) procs = whole_field(f[7], "requested processors");
    if (procs > kMaxProcs)
      throw RowError("out of range", std::to_string(procs) + " processors",
                     "a job has at most 1000000000 processors");
    if (seen.count(id))
      throw RowError("duplicate job number", "job " + std::to_string(id) + " appears twice",
                     "SWF job numbers are unique");
    if (submit < 0 || submit < last_submit)
      throw RowError("timestamps out of order",
                     "submit time " + std::to_string(submit) + " is before the previous job's",
                     "SWF logs are sorted by submit time");
    last_submit = submit;
    if (run <= 0) {
      ++out.report.dropped["no run time (field 4 <= 0)"];
      return;
    }
    if (procs <= 0) {
      ++out.report.dropped["no processor count (fields 5 and 8 <= 0)"];
      return;
    }
    TrainingJob job;
    job.id = "swf-" + std::to_string(id);
    job.submit_s = submit;
    job.gpus = static_cast<int>((procs + options.procs_per_gpu - 1) / options.procs_per_gpu);
    job.work_flops = kMfu * gpu->bf16_flops * job.gpus * run;
    if (job.work_flops < 1) {  // a run of 1e-300 s: workloads hold at least one FLOP
      ++out.report.dropped["run time too short for one FLOP (field 4)"];
      return;
    }
    seen.insert(id);
    job.generations = {{gpu->model, kMfu, 0}};
    // User (field 12) and group (field 13) ids, -1 when the log does not say: the group, a
    // set of users, is what Slurm calls an account.
    if (const long user = whole_field(f[11], "user id"); user >= 0)
      job.user = "u" + std::to_string(user);
    if (const long group = whole_field(f[12], "group id"); group >= 0)
      job.account = "g" + std::to_string(group);
    // A wait of -1 is unknown; in logs that say so (as NASA's), submit times are start times.
    job.recorded_start_s = submit + std::max(0.0, wait);
    job.recorded_end_s = job.recorded_start_s + run;
    if (job.recorded_end_s > kMaxSeconds)
      throw RowError("out of range", "the job ends beyond ten years",
                     "submit + wait + run is at most 316224000 s");
    if (requested > 0)
      job.walltime_s = requested;
    else
      ++out.report.kept["training jobs without a requested time (field 9): no walltime"];
    horizon = std::max(horizon, job.recorded_end_s);
    max_procs = std::max(max_procs, procs);
    out.workload.training.push_back(std::move(job));
    ++out.report.kept["training jobs"];
  });
  if (options.model_walltime_limit_s > 0) model_walltimes(out, options.model_walltime_limit_s);
  out.workload.horizon_s = std::ceil(horizon);
  // The machine: MaxProcs from the header (else the largest job), as whole domains of GPUs.
  PoolSpec pool;
  pool.model = gpu->model;
  pool.role = "training";
  const long gpus = (max_procs + options.procs_per_gpu - 1) / options.procs_per_gpu;
  pool.gpus = static_cast<int>((gpus + gpu->gpus_per_domain - 1) / gpu->gpus_per_domain) *
              gpu->gpus_per_domain;
  if (pool.gpus > 0) out.pools = {pool};
  return out;
}

}  // namespace gpufleet
