#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace gpufleet {

struct Distribution {
  long count = 0;
  double mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
};

// Nearest-rank percentiles (p-th value = the ceil(p/100 * n)-th smallest); all zero if empty.
Distribution distribution_of(std::vector<double> values);

// {count, mean, p50, p95, p99, max}, as summary.json writes every distribution.
nlohmann::json to_json(const Distribution& d);

}  // namespace gpufleet
