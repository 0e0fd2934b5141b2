#include "core/scheduler_core.hpp"
#include "policies/policies.hpp"

namespace gpufleet {

namespace {

// The status quo: training runs FIFO on training pools only (the head of the queue blocks
// the rest); each inference service holds, on inference pools only, the replicas its peak
// demand needs, as operators provision for peak; no lease is taken.
class StaticPartition final : public Policy {
 public:
  void schedule(SchedulerCore& core) override {
    inference_.apply(core, PoolRole::kInference);
    refuse_leases(core);
    start_training_fifo(core, PoolRole::kTraining);
  }

 private:
  PeakProvisioning inference_;
};

}  // namespace

std::unique_ptr<Policy> make_static_partition() {
  return std::make_unique<StaticPartition>();
}

}  // namespace gpufleet
