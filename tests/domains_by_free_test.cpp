// DomainsByFree (the core's index of domains by free GPUs) against find_placement's scan: the
// same domain for every job that fits one, through random takes and returns.
#include <gtest/gtest.h>

#include <random>

#include "scheduler/placement.hpp"

namespace gpufleet::test {
namespace {

// Two pools of `domains` domains each, 8 GPUs a domain.
Fleet two_pools(int domains) {
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
      fleet.domains.push_back({"h" + std::to_string(p * domains + d), p, 8});
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

TEST(DomainsByFree, NoneWhenNoDomainHoldsTheJob) {
  const Fleet fleet = two_pools(2);
  DomainsByFree index(fleet, {3, 5, 8, 8});
  EXPECT_EQ(index.best_fit(0, 6), -1);
  EXPECT_EQ(index.best_fit(0, 4), 1);
  EXPECT_EQ(index.best_fit(1, 8), 2);  // equally free: the lowest-numbered
}

}  // namespace
}  // namespace gpufleet::test
