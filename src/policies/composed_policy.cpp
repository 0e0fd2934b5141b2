#include "core/scheduler_core.hpp"
#include "policies/policies.hpp"

namespace gpufleet {

namespace {

// Inference first (it has the latency target), then leases, then training: training takes
// what is left. Within training, the order keeps the queue's head first on its own pools
// before anything jumps ahead or spills elsewhere.
class ComposedPolicy final : public Policy {
 public:
  explicit ComposedPolicy(PolicyPlan plan) : plan_(std::move(plan)) {}

  void schedule(SchedulerCore& core) override {
    inference_.apply(core, PoolRole::kInference);
    refuse_leases(core);
    start_training_fifo(core, PoolRole::kTraining);
    if (plan_.backfill) backfill_training(core, PoolRole::kTraining);
    if (plan_.spillover) spill_over(core, plan_.params.at("spillover_wait_h") * 3600);
  }

  PolicyParams params() const override { return plan_.params; }

 private:
  const PolicyPlan plan_;
  PeakProvisioning inference_;
};

}  // namespace

std::unique_ptr<Policy> make_composed_policy(PolicyPlan plan) {
  return std::make_unique<ComposedPolicy>(std::move(plan));
}

}  // namespace gpufleet
