#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// The layout of summary.json and the CSV files (docs/metrics.md): raised whenever a key or a
// column is renamed or removed, so that a notebook can tell which layout it reads. 2: units in
// column names (effective_flops_per_s, peak_flops_per_s_per_gpu), services' unit column,
// gpufleet_version and provenance. 4: economics values work served (net_value_usd and its parts
// replace internal_value_usd, margin_usd and payback_years), contracts, the worst service.
// 6: TTFT and TPOT percentiles and targets per service; latency_target_s null for a service
// whose SLO is TTFT and TPOT (a served model).
constexpr int kOutputSchemaVersion = 6;

// GPU-hours a training job needs on the generation it asked for first (x its share of each GPU,
// as allocation counts it): the unit of training demand, of the capacity gap and of its value.
double training_need_gpu_hours(const Fleet& fleet, const TrainingJob& job);

// What an accepted lease earned within the window: its price x its GPUs x the hours it held
// (to its end, or to the horizon if still running); 0 if it was rejected or not decided. The
// summary's lease.revenue_usd is the sum over leases, jobs.csv's revenue_usd each one.
double lease_revenue_usd(const LeaseRequest& lease, const LeaseRun& run, double horizon_s);

// summary.json: every headline metric of one run (definitions in docs/metrics.md).
nlohmann::json summarize(const Fleet& fleet, const Workload& workload, const RunResult& result);

// Refuses to let a summary be written with a figure that is not finite: nlohmann::json writes
// NaN and infinity as null, which reads as "not applicable" (the figures that may be absent are
// null on purpose). Throws InputError naming the figure: an input within the documented
// bounds gave it, so the message asks for the inputs (docs/fuzzing.md).
void check_finite_figures(const nlohmann::json& summary, const std::string& file);

// The terminal table printed after a run, from a summary.
std::string summary_table(const nlohmann::json& summary);

}  // namespace gpufleet
