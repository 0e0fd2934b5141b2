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

// How far a replay kept to its trace (docs/metrics.md, "Replay"): of the jobs recorded to start
// within the window, those that started later (their recorded start found too few free GPUs)
// and those that had not started by the horizon.
struct ReplayLateness {
  long recorded = 0;      // jobs submitted and recorded to start before the horizon
  long started_late = 0;  // started, but more than a millisecond after their recorded start
  long not_started = 0;   // still waiting at the horizon
  double mean_delay_s = 0, max_delay_s = 0;  // start - recorded start, of those started late
  long late() const { return started_late + not_started; }
};
ReplayLateness replay_lateness(const Workload& workload, const RunResult& result);
// Whether a policy name has the replay part (only those runs report replay lateness).
bool replays_trace(const std::string& policy);
// summary.json's replay block.
nlohmann::json replay_json(const ReplayLateness& lateness);
// The warning a replay that could not keep to its trace prints (it measured another schedule
// than the trace's), from a summary's replay block; empty when every recorded start was kept.
std::string replay_warning(const nlohmann::json& summary);

}  // namespace gpufleet
