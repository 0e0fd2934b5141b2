#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// The HPC convention's bound on short jobs in bounded slowdown (seconds).
constexpr double kSlowdownTau_s = 10;

// The scheduling papers' per-job figures of a completed training job (docs/metrics.md).
struct JobFigures {
  double jct_s = 0;
  double run_s = 0;   // time its GPUs were held, over all its runs
  double wait_s = 0;  // jct - run: the first wait, re-queue time and nothing else
  double bounded_slowdown = 1;
  double isolated_s = 0;  // alone on 1/N of its preferred pool
  double fairness_rho = 1;
};

// Figures of a completed job (nullopt while it has not completed).
std::optional<JobFigures> job_figures(const Fleet& fleet, const TrainingJob& job,
                                      const TrainingRun& run);
// Work redone after preemptions, in GPU-hours of the job's first-listed generation.
double lost_gpu_hours(const Fleet& fleet, const TrainingJob& job, const TrainingRun& run);

// summary.json's training.{bounded_slowdown, fairness_rho, makespan_s, makespan_complete,
// queue_length_mean} over the jobs submitted before the horizon.
nlohmann::json scheduling_metrics_json(const Fleet& fleet, const Workload& workload,
                                       const RunResult& result);

}  // namespace gpufleet
