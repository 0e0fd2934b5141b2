// Policy parts written outside C++ (docs/python.md, "Policies in Python"), without Python: the
// steps an external part defines replace the C++ parts that take them, in the composed policy's
// order; make_policy refuses a step two parts would take; and the core's reasons for refusing
// replica and lease calls, which a Python policy receives as gpufleet.PolicyError.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet::test {
namespace {

// Installs a maker whose part "python:..." defines the steps its name holds (serve, leases, order),
// each recording its name in `calls`; the maker is removed at the end of the test.
class ExternalParts : public ::testing::Test {
 protected:
  void SetUp() override {
    set_external_order_maker([this](const std::string& part) {
      ExternalPolicy steps;
      const auto step = [this](const char* name) {
        return [this, name](SchedulerCore&, const DemandForecaster&) { calls.push_back(name); };
      };
      if (part.find("serve") != std::string::npos) steps.serve = step("serve");
      if (part.find("leases") != std::string::npos) steps.leases = step("leases");
      if (part.find("order") != std::string::npos) steps.order = step("order");
      return steps;
    });
  }
  void TearDown() override { set_external_order_maker(nullptr); }

  std::string refusal(const std::string& policy) {
    try {
      make_policy(policy, {});
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  }

  std::vector<std::string> calls;
};

Fleet one_pool(const std::string& model, PoolRole role, int domains) {
  Fleet fleet;
  Pool pool;
  pool.name = "p";
  pool.gpu_model = model;
  pool.role = role;
  pool.gpus_per_domain = 8;
  pool.peak_flops_per_gpu = 1e15;
  pool.domain_count = domains;
  fleet.pools.push_back(pool);
  for (int d = 0; d < domains; ++d) fleet.domains.push_back({"h" + std::to_string(d), 0, 8});
  return fleet;
}

TEST_F(ExternalParts, StepsRunInPlaceOfTheCppPartsServeThenLeasesThenTheOrder) {
  const Fleet fleet = one_pool("H100", PoolRole::kInference, 1);
  const Workload w;
  const auto policy = make_policy("python:order_serve_leases", {});
  SchedulerCore core(fleet, w, *policy);
  core.schedule();
  EXPECT_EQ(calls, (std::vector<std::string>{"serve", "leases", "order"}));
}

TEST_F(ExternalParts, AStepTwoPartsWouldTakeIsRefused) {
  EXPECT_NE(refusal("python:serve+lease-idle")
                .find("policy 'python:serve+lease-idle': python:serve defines serve(core) and "
                      "lease-idle scales the inference replicas itself: drop one of them"),
            std::string::npos);
  EXPECT_NE(refusal("python:leases+lease-idle").find("lease-idle decides the lease requests"),
            std::string::npos);
  EXPECT_NE(refusal("python:serve+spillover").find("spillover scales the inference replicas"),
            std::string::npos);
  EXPECT_NE(refusal("python:serve+hetero-aware").find("defines serve(core) and hetero-aware"),
            std::string::npos);
  EXPECT_NE(refusal("python:order+fifo").find("one training order at most"), std::string::npos);
  EXPECT_NE(refusal("python:order+python:serve").find("combine one Python part at most"),
            std::string::npos);
  // Steps no named part takes combine; without an order, the C++ one named (or static-partition's).
  EXPECT_EQ(refusal("python:leases+spillover+preempt-priority"), "");
  EXPECT_EQ(refusal("python:serve_leases+easy-backfill"), "");
  EXPECT_EQ(refusal("python:order+lease-idle"), "");
}

// One service of 8-GPU replicas on H100 and two H100 leases of 16 GPUs.
Workload service_and_leases() {
  InferenceService s;
  s.id = "chat";
  s.gpus_per_replica = 8;
  s.latency_target_s = 1;
  s.flops_per_unit = 1;
  s.generations = {{"H100", 100, 0.5}};
  Workload w;
  w.inference = {s};
  w.leases = {{"a", 16, "H100", 0, 3600, 2.0, false}, {"b", 16, "H100", 0, 3600, 2.0, false}};
  return w;
}

class NoPolicy final : public Policy {
 public:
  void schedule(SchedulerCore&) override {}
};

TEST(SchedulerCore, SaysWhyItWouldRefuseAReplicaOrALease) {
  Fleet fleet = one_pool("H100", PoolRole::kInference, 3);
  Pool other = fleet.pools[0];
  other.name = "q";
  other.gpu_model = "GB200";
  other.first_domain = 3;
  other.domain_count = 1;
  fleet.pools.push_back(other);
  fleet.domains.push_back({"g0", 1, 8});
  const Workload w = service_and_leases();
  NoPolicy none;
  SchedulerCore core(fleet, w, none);
  EXPECT_EQ(core.why_cannot_add_replica(0, 1),
            "service 'chat' cannot add a replica on pool 'q': it may not run on GB200 GPUs (not "
            "among its generations)");
  core.lease_requested(0);
  core.lease_requested(1);
  EXPECT_EQ(core.why_cannot_accept_lease(0, 1),
            "lease 'a' cannot be accepted on pool 'q': it asks for H100 GPUs and the pool has "
            "GB200");
  EXPECT_EQ(core.why_cannot_accept_lease(0, 0), "");
  ASSERT_TRUE(core.accept_lease(0, 0));  // 16 of the pool's 24 GPUs
  EXPECT_EQ(core.why_cannot_accept_lease(0, 0),
            "lease 'a' cannot be accepted on pool 'p': it is not pending (it was accepted and "
            "runs)");
  EXPECT_EQ(core.why_cannot_accept_lease(1, 0),
            "lease 'b' cannot be accepted on pool 'p': it needs 16 GPUs and the pool has 8 free");
  EXPECT_EQ(core.why_cannot_reclaim_lease(1),
            "lease 'b' cannot be reclaimed: it is not running (pending, refused, ended or "
            "reclaimed)");
  core.reject_lease(1);
  EXPECT_EQ(core.why_cannot_reject_lease(1),
            "lease 'b' cannot be rejected: it is not pending (not requested yet, or already "
            "decided)");
  EXPECT_EQ(core.why_cannot_add_replica(0, 0), "");
  ASSERT_TRUE(core.add_replica(0, 0));  // the last 8
  EXPECT_EQ(core.why_cannot_add_replica(0, 0),
            "service 'chat' cannot add a replica on pool 'p': a replica needs 8 GPUs and the pool "
            "has 0 free");
  EXPECT_EQ(core.why_cannot_remove_replica(0), "");
  core.remove_replica(0);
  EXPECT_EQ(core.why_cannot_remove_replica(0),
            "replica 0 of service 'chat' cannot be removed: it has stopped");
  core.reclaim_lease(0);
  EXPECT_EQ(core.why_cannot_reclaim_lease(0).rfind("lease 'a' cannot be reclaimed", 0), 0u);
}

// Deciding a lease twice changes nothing (accept) or is refused (reject), where the second
// decision used to erase past the end of the pending list and take the GPUs again.
TEST(SchedulerCore, ALeaseIsDecidedOnce) {
  const Fleet fleet = one_pool("H100", PoolRole::kInference, 5);  // 40 GPUs
  const Workload w = service_and_leases();
  NoPolicy none;
  SchedulerCore core(fleet, w, none);
  core.lease_requested(0);
  core.lease_requested(1);
  ASSERT_TRUE(core.accept_lease(0, 0));
  EXPECT_FALSE(core.accept_lease(0, 0));
  EXPECT_EQ(core.free_gpus(0), 24);
  EXPECT_EQ(core.pending_leases(), std::vector<int>{1});
  core.reject_lease(1);
  EXPECT_THROW(core.reject_lease(1), std::logic_error);
  EXPECT_THROW(core.reject_lease(0), std::logic_error);
  EXPECT_TRUE(core.pending_leases().empty());
}

}  // namespace
}  // namespace gpufleet::test
