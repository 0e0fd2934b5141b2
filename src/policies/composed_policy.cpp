#include <algorithm>
#include <functional>
#include <string_view>

#include "policies/policies.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet {

namespace {

// Inference first (it has the latency target), then leases, then training, which takes what
// is left. Within training: priority preemption, then the training order (replay,
// hetero-aware, or the queue in order on its own pools then backfilling, so that the head
// goes first before anything jumps ahead), then migration back and spillover, on what the
// training pools' queue leaves. With ranks across classes, a claim on preemptible leases
// comes last.
class ComposedPolicy final : public Policy {
 public:
  explicit ComposedPolicy(PolicyPlan plan)
      : plan_(std::move(plan)),
        // Its errors are measured one notice period ahead, and at least one hour.
        forecaster_(plan_.forecast, std::max(3600.0, param_or("lease_notice_h", 0) * 3600)),
        leasing_(param_or("lease_headroom", 0), param_or("lease_notice_h", 0) * 3600,
                 param_or("lease_follow_demand", 0) != 0, param_or("lease_headroom_quantile", 0),
                 param_or("scale_down_window_min", 0) * 60),
        hetero_(param_or("hetero_fair_wait_h", 0) * 3600, param_or("hetero_min_share", 0),
                param_or("hetero_inference_pools", 0) != 0),
        slurm_(multifactor_settings()) {
    if (plan_.preempt_priority)
      leasing_.set_ranks({true, param_or("rank_ondemand_lease", 0), param_or("rank_training", 0),
                          param_or("rank_preemptible_lease", 0),
                          param_or("restart_delay_min", 0) * 60});
  }

  void schedule(SchedulerCore& core) override {
    forecaster_.observe(core);
    // The parts that read the core's indexes of waiting jobs; FIFO alone never does.
    if (plan_.backfill || plan_.spillover || plan_.preempt_priority || plan_.hetero_aware ||
        plan_.slurm)
      core.index_waiting();
    // Each part runs in a DecisionScope: the decision log (when on) names it for its actions.
    if (plan_.lease_idle) {
      const DecisionScope part(core, DecisionPart::kLeaseIdle, DecisionReason::kNone);
      leasing_.apply(core, forecaster_);
    } else {
      serve(core);
      decide_leases(core);
    }
    if (plan_.spillover || plan_.hetero_aware) {
      const DecisionScope part(
          core, plan_.spillover ? DecisionPart::kSpillover : DecisionPart::kHeteroAware,
          DecisionReason::kInferenceReclaims);
      give_back(core);
    }
    if (plan_.preempt_priority) {
      const DecisionScope part(core, DecisionPart::kPreemptPriority,
                               DecisionReason::kPriorityStart);
      preempt_for_priority(core, PoolRole::kTraining, plan_.params.at("restart_delay_min") * 60);
    }
    // Training on inference pools holds its GPUs for days and cannot be reclaimed: with
    // leasing, it may only use GPUs that inference's peak reserve does not claim.
    const auto usable = [&](int pool) {
      return plan_.lease_idle ? leasing_.spare_gpus(core, pool) : core.free_gpus(pool);
    };
    place_training(core, usable);
    // Training that outranks preemptible leases has them reclaimed for a job that may run on
    // their pool; with no notice period their GPUs are free at once.
    if (plan_.lease_idle && plan_.preempt_priority && claim_for_training(core))
      place_training(core, usable);
  }

  PolicyParams params() const override { return plan_.params; }

 private:
  // Inference holds its peak's replicas, unless an external part serves (its own step).
  void serve(SchedulerCore& core) {
    if (plan_.external.serve) {
      external_step(core, "external_serve", plan_.external.serve);
      return;
    }
    const DecisionScope part(core, DecisionPart::kAutoscale, DecisionReason::kNone);
    peak_.apply(core, PoolRole::kInference, forecaster_);
  }

  // Lease requests are refused, unless an external part decides them.
  void decide_leases(SchedulerCore& core) {
    if (plan_.external.leases) {
      external_step(core, "external_leases", plan_.external.leases);
      return;
    }
    const DecisionScope part(core, DecisionPart::kStaticPartition, DecisionReason::kNoLeasePolicy);
    refuse_leases(core);
  }

  // Named at run time ("python:MODULE:CLASS"): the decision log knows it by its name, and its
  // actions by the step's reason (or the core's, for scale_to).
  void external_step(SchedulerCore& core, std::string_view reason,
                     const ExternalPolicy::Step& step) {
    const DecisionScope part(core, core.decision_part_named(plan_.external_name),
                             core.decision_reason_named(reason));
    step(core, forecaster_);
  }

  // Training let onto inference pools leaves when a service's peak needs its GPUs.
  void give_back(SchedulerCore& core) {
    const double restart_s = param_or("spillover_restart_min", 10) * 60;
    for (int s = 0; s < static_cast<int>(core.workload().inference.size()); ++s)
      give_back_to_inference(core, s, forecaster_.peak(s), restart_s);
  }

  bool claim_for_training(SchedulerCore& core) {
    const DecisionScope part(core, DecisionPart::kLeaseIdle, DecisionReason::kNoticeEnded);
    return leasing_.claim_for_training(
        core, [&](int job, int pool) { return may_spill(core, job, pool); });
  }

  void place_training(SchedulerCore& core, const std::function<int(int pool)>& usable) {
    order_training(core, usable);
    if (plan_.spillover) {
      if (plan_.params.at("spillover_migrate") != 0) {
        const DecisionScope part(core, DecisionPart::kSpillover, DecisionReason::kMigrateBack);
        migrate_back(core, plan_.params.at("spillover_restart_min") * 60);
      }
      const DecisionScope part(core, DecisionPart::kSpillover, DecisionReason::kSpillAfterWait);
      spill_over(core, plan_.params.at("spillover_wait_h") * 3600, usable);
    }
  }

  // The training order: exactly one of them runs.
  void order_training(SchedulerCore& core, const std::function<int(int pool)>& usable) {
    if (plan_.external.order) {
      external_step(core, "external_order", plan_.external.order);
    } else if (plan_.replay) {
      const DecisionScope part(core, DecisionPart::kReplay, DecisionReason::kRecordedStart);
      start_recorded(core);
    } else if (plan_.hetero_aware) {
      const DecisionScope part(core, DecisionPart::kHeteroAware, DecisionReason::kMostGain);
      hetero_.apply(core, usable);
    } else if (plan_.slurm) {
      const DecisionScope part(core, DecisionPart::kSlurm, DecisionReason::kPriorityOrder);
      slurm_.apply(core, PoolRole::kTraining);
    } else {
      {
        const DecisionScope part(core, DecisionPart::kFifo, DecisionReason::kHeadFits);
        start_training_fifo(core, PoolRole::kTraining);
      }
      if (plan_.backfill) {
        const DecisionScope part(core, DecisionPart::kBackfill, DecisionReason::kBackfillShadowOk);
        backfill_training(core, PoolRole::kTraining);
      }
    }
  }

  // Whether the plan lets this waiting job run on this inference pool now.
  bool may_spill(const SchedulerCore& core, int job, int pool) const {
    const auto& spec = core.workload().training[job];
    if (!training_state_fits(spec, core.fleet().pools[pool])) return false;
    if (plan_.hetero_aware && param_or("hetero_inference_pools", 0) != 0) return true;
    return plan_.spillover &&
           core.now() - spec.submit_s >= plan_.params.at("spillover_wait_h") * 3600 - 1e-9;
  }

  MultifactorSettings multifactor_settings() const {
    MultifactorSettings s;
    s.weight_age = param_or("priority_weight_age", s.weight_age);
    s.weight_fairshare = param_or("priority_weight_fairshare", s.weight_fairshare);
    s.weight_job_size = param_or("priority_weight_job_size", s.weight_job_size);
    s.weight_qos = param_or("priority_weight_qos", s.weight_qos);
    s.max_age_s = param_or("priority_max_age_h", s.max_age_s / 3600) * 3600;
    s.half_life_s = param_or("priority_decay_half_life_h", s.half_life_s / 3600) * 3600;
    s.calc_period_s = param_or("priority_calc_period_min", s.calc_period_s / 60) * 60;
    return s;
  }

  double param_or(const std::string& name, double fallback) const {
    const auto it = plan_.params.find(name);
    return it == plan_.params.end() ? fallback : it->second;
  }

  const PolicyPlan plan_;
  DemandForecaster forecaster_;
  PeakProvisioning peak_;
  IdleLeasing leasing_;
  HeteroAware hetero_;
  MultifactorPriority slurm_;
};

}  // namespace

std::unique_ptr<Policy> make_composed_policy(PolicyPlan plan) {
  return std::make_unique<ComposedPolicy>(std::move(plan));
}

}  // namespace gpufleet
