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
// The nearest-rank p-th percentile of `sorted` (ascending, not empty).
double nearest_rank(const std::vector<double>& sorted, double p);

// {count, mean, p50, p95, p99, max}, as summary.json writes every distribution.
nlohmann::json to_json(const Distribution& d);

// A mean and its 95% confidence interval: mean +/- t(0.975, n - 1) s / sqrt(n), s the sample
// standard deviation (Student's t: the seeds of a study are few). n < 2: the interval is the
// mean itself.
struct MeanInterval {
  long n = 0;
  double mean = 0, low = 0, high = 0;
};
MeanInterval mean_ci95(const std::vector<double>& values);

// Student's t quantile at 0.975 for `df` degrees of freedom (table to 30, then a series in
// 1/df that is within 0.001 of the exact value).
double t975(long df);

}  // namespace gpufleet
