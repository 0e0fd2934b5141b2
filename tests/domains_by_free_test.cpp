// DomainsByFree (the core's index of domains by free GPUs) against find_placement's scan: the
// same domain for every job that fits one, and the same placement for every job that spans
// several (with and without a topology), through random takes and returns.
#include <gtest/gtest.h>

#include <random>

#include "scheduler/placement.hpp"
#include "scheduler/topology.hpp"

namespace gpufleet::test {
namespace {

// Two pools of `domains` domains each, 8 GPUs a domain; leaves of `per_leaf` domains if given.
Fleet two_pools(int domains, int per_leaf = 0) {
  Fleet fleet;
  for (int p = 0; p < 2; ++p) {
    Pool pool;
    pool.name = "p" + std::to_string(p);
    pool.gpu_model = "H100";
    pool.gpus_per_domain = 8;
    pool.first_domain = p * domains;
    pool.domain_count = domains;
    fleet.pools.push_back(pool);
    for (int d = 0; d < domains; ++d)
      fleet.domains.push_back({"h" + std::to_string(p * domains + d), p, 8,
                               per_leaf > 0 ? (p * domains + d) / per_leaf : -1});
  }
  return fleet;
}

TEST(DomainsByFree, FindsTheDomainThePlacementScanFinds) {
  const Fleet fleet = two_pools(40);
  std::vector<int> free(fleet.domains.size(), 8);
  DomainsByFree index(fleet, free);
  std::mt19937 rng(7);
  for (int step = 0; step < 5000; ++step) {
    const int domain = std::uniform_int_distribution<int>(0, 79)(rng);
    const int after = std::uniform_int_distribution<int>(0, 8)(rng);
    index.changed(domain, free[domain], after);
    free[domain] = after;
    for (int pool = 0; pool < 2; ++pool)
      for (int gpus = 1; gpus <= 8; ++gpus) {
        const auto scan = find_placement(fleet, nullptr, free, pool, gpus);
        const int expected = scan && scan->domains() == 1 ? scan->parts[0].domain : -1;
        ASSERT_EQ(index.best_fit(pool, gpus), expected) << "step " << step << " gpus " << gpus;
      }
  }
}

std::vector<std::pair<int, int>> parts_of(const std::optional<Placement>& p) {
  std::vector<std::pair<int, int>> parts;
  if (p)
    for (const auto& part : p->parts) parts.push_back({part.domain, part.gpus});
  return parts;
}

TEST(DomainsByFree, SpanningPlacementsAreTheScansOnes) {
  const Fleet fleet = two_pools(40, 6);
  const Topology topology(fleet);
  std::vector<int> free(fleet.domains.size(), 8);
  DomainsByFree index(fleet, free, &topology);
  std::mt19937 rng(31);
  int spanning = 0;
  for (int step = 0; step < 3000; ++step) {
    const int domain = std::uniform_int_distribution<int>(0, 79)(rng);
    const int after = std::uniform_int_distribution<int>(0, 8)(rng);
    index.changed(domain, free[domain], after);
    free[domain] = after;
    for (int pool = 0; pool < 2; ++pool)
      for (int gpus : {3, 8, 9, 16, 20, 33, 64, 120, 250}) {
        for (const Topology* t : {static_cast<const Topology*>(nullptr), &topology}) {
          const auto scan = find_spanning_placement(fleet, t, free, pool, gpus, false);
          const auto indexed = find_spanning_placement(fleet, t, free, pool, gpus, false, &index);
          ASSERT_EQ(scan.has_value(), indexed.has_value()) << "step " << step << " gpus " << gpus;
          ASSERT_EQ(parts_of(scan), parts_of(indexed)) << "step " << step << " gpus " << gpus;
          spanning += scan && scan->domains() > 1;
        }
      }
  }
  EXPECT_GT(spanning, 10000);
}

TEST(DomainsByFree, NoneWhenNoDomainHoldsTheJob) {
  const Fleet fleet = two_pools(2);
  DomainsByFree index(fleet, {3, 5, 8, 8});
  EXPECT_EQ(index.best_fit(0, 6), -1);
  EXPECT_EQ(index.best_fit(0, 4), 1);
  EXPECT_EQ(index.best_fit(1, 8), 2);  // equally free: the lowest-numbered
}

}  // namespace
}  // namespace gpufleet::test
