#include "core/placement.hpp"

#include <algorithm>

namespace gpufleet {

int Placement::gpus() const {
  int total = 0;
  for (const auto& part : parts) total += part.gpus;
  return total;
}

namespace {

std::optional<Placement> best_fit_domain(const Pool& pool, const std::vector<int>& free,
                                         int pool_index, int gpus) {
  int best = -1;
  for (int d = pool.first_domain; d < pool.first_domain + pool.domain_count; ++d)
    if (free[d] >= gpus && (best < 0 || free[d] < free[best])) best = d;
  if (best < 0) return std::nullopt;
  return Placement{pool_index, {{best, gpus}}};
}

std::optional<Placement> fewest_domains(const Pool& pool, const std::vector<int>& free,
                                        int pool_index, int gpus) {
  std::vector<int> order;
  int available = 0;
  for (int d = pool.first_domain; d < pool.first_domain + pool.domain_count; ++d)
    if (free[d] > 0) {
      order.push_back(d);
      available += free[d];
    }
  if (available < gpus) return std::nullopt;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return free[a] > free[b]; });
  Placement placement{pool_index, {}};
  int left = gpus;
  for (int d : order) {
    const int take = std::min(left, free[d]);
    placement.parts.push_back({d, take});
    left -= take;
    if (left == 0) break;
  }
  std::sort(placement.parts.begin(), placement.parts.end(),
            [](const auto& a, const auto& b) { return a.domain < b.domain; });
  return placement;
}

}  // namespace

std::optional<Placement> find_placement(const Fleet& fleet, const std::vector<int>& free_per_domain,
                                        int pool, int gpus) {
  const Pool& p = fleet.pools[pool];
  if (gpus <= p.gpus_per_domain) {
    if (auto one = best_fit_domain(p, free_per_domain, pool, gpus)) return one;
  }
  return fewest_domains(p, free_per_domain, pool, gpus);
}

}  // namespace gpufleet
