#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// Jain's fairness index of x: (sum x)^2 / (n sum x^2), in [1/n, 1], 1 when all are equal.
// 1 when there is nothing to share out (n = 0, or every x is 0: all got the same, nothing).
double jain_index(const std::vector<double>& x);

// summary.json's "users" block (docs/metrics.md, "Users and accounts"): per user and per
// account, the jobs submitted before the horizon, GPU-hours demanded and served, normalized
// service (served / demanded), wait p50 and p95 and JCT p50; and Jain's index of normalized
// service over users and over accounts. Null when no job names a user or an account, so that
// such workloads' summaries keep their bytes.
nlohmann::json users_json(const Fleet& fleet, const Workload& workload, const RunResult& result);

}  // namespace gpufleet
