#pragma once

#include <string>
#include <vector>

#include "charts/chart.hpp"
#include "report/run_data.hpp"

namespace gpufleet::report {

// Per time bin (x in days) of one pool, or of the whole fleet when pool is empty: the mean
// GPUs each class held, and the effective GPUs (useful FLOP/s / peak FLOP/s per GPU).
struct PoolUsage {
  std::vector<Series> allocated_by_class;  // training, inference, lease
  Series effective;
  double gpus = 0;
};
PoolUsage pool_usage(const RunData& run, const std::string& pool);

// Training jobs waiting (submitted, not yet started) over time, as a step function in days:
// the count of jobs and the GPUs they ask for. Derived from jobs.csv, which keeps a job's
// first start only: a preempted job's second wait does not show.
struct QueueSeries {
  Series jobs;
  Series gpus;
};
QueueSeries training_queue(const RunData& run);

// Training waits (started jobs) and JCTs (completed jobs), hours.
std::vector<double> training_waits_h(const RunData& run);
std::vector<double> training_jcts_h(const RunData& run);

// GPUs of the fleet's pools of that role ("training" or "inference").
double gpus_of_role(const RunData& run, const std::string& role);

}  // namespace gpufleet::report
