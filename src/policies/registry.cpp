#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "model/names.hpp"
#include "policies/policies.hpp"
#include "scheduler/policy.hpp"

namespace gpufleet {

namespace {

// Slurm's multifactor priority parameters, under the names of slurm.conf's settings.
std::vector<PolicyParam> slurm_order_params() {
  return {
      {"priority_weight_age", "PriorityWeightAge: weight of the age factor", 1000, 0, 1e6, true},
      {"priority_weight_fairshare", "PriorityWeightFairshare: weight of the fair-share factor",
       10000, 0, 1e6, true},
      {"priority_weight_job_size", "PriorityWeightJobSize: weight of the job size factor", 1000, 0,
       1e6, true},
      {"priority_weight_qos", "PriorityWeightQOS: weight of the QOS factor (job priority)", 1000, 0,
       1e6, true},
      {"priority_max_age_h", "PriorityMaxAge: hours of waiting at which the age factor is 1", 168,
       0.01, 87600},
      {"priority_decay_half_life_h",
       "PriorityDecayHalfLife: hours over which past usage halves (0: no decay)", 168, 0, 87600},
      {"priority_calc_period_min",
       "PriorityCalcPeriod: minutes between recalculations of usage and priorities (0: every "
       "scheduling pass)",
       5, 0, 10080}};
}

ExternalOrderMaker& external_order_maker() {
  static ExternalOrderMaker maker;
  return maker;
}

ExternalPolicy make_external_policy(const std::string& part) {
  if (!external_order_maker())
    throw std::invalid_argument(
        "policy part '" + part +
        "': a policy written in Python runs with gpufleet.run(policy=...) in Python, or "
        "`gpufleet run` when the program was built with the Python module (docs/python.md)");
  return external_order_maker()(part);
}

// An external part's serve or leases step replaces a C++ step: a named part that takes the same
// step itself cannot run beside it.
void refuse_shared_steps(const PolicyPlan& plan, const std::string& policy) {
  const auto refuse = [&](const char* step, const char* part, const char* why) {
    throw std::invalid_argument("policy '" + policy + "': " + plan.external_name + " defines " +
                                step + "(core) and " + part + " " + why +
                                ": drop one of them (docs/python.md, \"Policies in Python\")");
  };
  if (plan.external.serve && plan.lease_idle)
    refuse("serve", "lease-idle", "scales the inference replicas itself");
  if (plan.external.leases && plan.lease_idle)
    refuse("leases", "lease-idle", "decides the lease requests itself");
  if (plan.external.serve && (plan.spillover || plan.hetero_aware))
    refuse("serve", plan.spillover ? "spillover" : "hetero-aware",
           "scales the inference replicas back to their peak when it reclaims its pools");
}

ExternalSourceHasher& external_source_hasher() {
  static ExternalSourceHasher hasher;
  return hasher;
}

}  // namespace

void set_external_order_maker(ExternalOrderMaker maker) {
  external_order_maker() = std::move(maker);
}

void set_external_source_hasher(ExternalSourceHasher hasher) {
  external_source_hasher() = std::move(hasher);
}

std::string external_source_sha256(const std::string& part) {
  return external_source_hasher() ? external_source_hasher()(part) : std::string();
}

const std::vector<PolicyInfo>& policy_registry() {
  static const std::vector<PolicyInfo> registry = {
      {"static-partition",
       "The status quo operators run: pools keep their roles. Training runs on training pools "
       "only, in the order Slurm gives it by default: jobs are ordered by Slurm's multifactor "
       "priority, the weighted sum of an age factor (wait over priority_max_age_h, at most 1), "
       "the classic fair-share factor 2^(-U/S) (U: the usage of the job's account and user, "
       "decayed with a half-life of priority_decay_half_life_h; S: their shares, equal per "
       "account and per user within it), a job size factor (GPUs over the training pools') and "
       "a QOS factor (the job's priority, lowest 0, highest 1), recomputed every "
       "priority_calc_period_min; they start in that order until one does not fit, which gets "
       "an EASY reservation that later jobs, in priority order, may backfill around (planned "
       "with their walltimes). Each inference service holds, on inference pools only, the "
       "replicas its peak demand needs (operators provision for peak), whatever the hour; "
       "every external lease request is refused. Strict first-come first-served is fifo.",
       true, slurm_order_params()},
      {"replay",
       "Replays an imported trace: each training job starts at its recorded start time (on any "
       "pool of a GPU model it may use, on one node when it fits) and, its work being sized "
       "from the trace, ends at its recorded end; jobs the trace never scheduled never start. "
       "Inference and leases as in static-partition.",
       true,
       {}},
      {"fifo",
       "Strict first-come first-served training without backfilling: the head of the queue "
       "blocks the rest (the status quo until issue 26). Otherwise as static-partition.",
       true,
       {}},
      {"easy-backfill",
       "fifo with EASY backfilling for training: the head of the queue gets a reservation at "
       "the earliest time enough GPUs free up (running jobs planned to end at their walltimes), "
       "and any later job that fits now starts if its walltime ends before that time or it uses "
       "only GPUs the reservation leaves spare.",
       true,
       {}},
      {"slurm",
       "static-partition's training order by its own name, to combine with other parts (e.g. "
       "slurm+spillover): Slurm's multifactor priority, then EASY backfilling on walltimes.",
       true, slurm_order_params()},
      {"spillover",
       "Training jobs that have waited longer than spillover_wait_h may start on inference "
       "pools (H100/H200) with room, at that generation's relative speed, if their training "
       "state fits the GPUs' memory. A spilled job moves back to a training pool of a "
       "generation it prefers when one has room and the move pays off: it restarts there from "
       "its last checkpoint after spillover_restart_min (only with spillover_migrate=1).",
       false,
       {{"spillover_wait_h", "hours a job waits before it may spill onto inference pools", 6, 0,
         1e6},
        {"spillover_migrate",
         "1: spilled jobs move back when their own pools free up (off by default: it competes "
         "with the queue's head, see docs/policies.md); 0: never",
         0, 0, 1, true},
        {"spillover_restart_min", "minutes a migrated job spends reloading before it computes", 10,
         0, 1440}}},
      {"lease-idle",
       "What Meta and xAI did: external lease requests take the inference GPUs that inference "
       "leaves idle. On-demand leases get only GPUs above inference's peak x (1 + "
       "lease_headroom), so they never take capacity the peak needs; preemptible leases may use "
       "any idle GPU and are reclaimed, newest first, lease_notice_h after inference asks for "
       "their GPUs. Replicas are held for the peak as in static-partition, or, with "
       "lease_follow_demand=1, follow demand one notice period ahead (plus the headroom), which "
       "frees the night troughs for preemptible leases.",
       false,
       {{"lease_headroom", "capacity kept above the inference demand forecast, as a fraction", 0.1,
         0, 10},
        {"lease_notice_h", "hours between a preemptible lease's reclaim notice and its end", 1, 0,
         720},
        {"lease_follow_demand", "1: replicas follow demand; 0: held for the peak", 0, 0, 1, true},
        {"lease_headroom_quantile",
         "0: the headroom is lease_headroom; q in (0, 1): at least the q-quantile of the "
         "forecaster's relative error one notice period ahead, observed so far",
         0, 0, 0.9999},
        {"scale_down_window_min",
         "scale-down stabilization window, minutes (with lease_follow_demand): a replica is "
         "released only after the target has stayed below what the others serve for the whole "
         "window; never shorter than the service's cold start",
         60, 0, 10080}}},
      {"hetero-aware",
       "Gavel's heterogeneity-aware allocation on a queue: every generation, fastest first, goes "
       "to the waiting jobs that gain the most from it (their throughput there over their "
       "throughput on their slowest generation, from the workload's MFU per generation), so "
       "jobs that gain little run on older GPUs, including idle inference GPUs (with "
       "hetero_inference_pools=1, memory permitting). A job runs only where it gets at least "
       "hetero_min_share of its best throughput. Fairness bound: a job that has waited "
       "hetero_fair_wait_h starts first, on its fastest pool with room, and nothing else starts "
       "until it has.",
       true,
       {{"hetero_fair_wait_h", "hours after which a job is served before any other", 6, 0, 1e6},
        {"hetero_min_share", "least fraction of its best throughput a job accepts", 0.4, 0, 1},
        {"hetero_inference_pools", "1: idle inference GPUs count as older training GPUs; 0: no", 1,
         0, 1, true}}},
      {"preempt-priority",
       "Training jobs are started highest priority first; one that does not fit preempts "
       "running jobs of lower priority on its pool (lowest priority first, then the latest "
       "started), if that makes room. A preempted job goes back to the head of the queue and "
       "restarts from its last checkpoint, after restart_delay_min on its GPUs to reload. "
       "Across classes (with lease-idle), ranks order inference > on-demand lease > training > "
       "preemptible lease by default: an on-demand lease request preempts training running on "
       "inference pools, and a training job allowed there (spillover, hetero-aware) has "
       "preemptible leases reclaimed after their notice. Inference always comes first.",
       false,
       {{"restart_delay_min", "minutes a preempted job spends reloading before it computes", 10, 0,
         1440},
        {"rank_ondemand_lease",
         "rank of on-demand leases (with lease-idle): above training's, a request preempts "
         "training on inference pools",
         2, 0, 10},
        {"rank_training", "rank of training jobs against leases (with lease-idle)", 1, 0, 10},
        {"rank_preemptible_lease",
         "rank of preemptible leases (with lease-idle): below training's, they are reclaimed, "
         "after their notice, for a training job that may run on their pool",
         0, 0, 10}}},
  };
  return registry;
}

std::string policy_names() {
  std::string names;
  for (const auto& p : policy_registry()) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

namespace {

const PolicyInfo& find_part(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& p : policy_registry()) {
    if (p.name == name) return p;
    names.push_back(p.name);
  }
  throw std::invalid_argument("unknown policy '" + name + "'" + did_you_mean(name, names) +
                              "; valid policies: " + policy_names() +
                              " (combine them with '+', e.g. easy-backfill+spillover)");
}

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t end; (end = text.find(separator, start)) != std::string::npos; start = end + 1)
    parts.push_back(text.substr(start, end - start));
  parts.push_back(text.substr(start));
  return parts;
}

std::string params_of(const std::vector<const PolicyInfo*>& parts) {
  std::string list;
  for (const auto* part : parts)
    for (const auto& p : part->params)
      list += (list.empty() ? "" : ", ") + p.name + " (" + p.meaning + ")";
  return list.empty() ? "none" : list;
}

// A plain decimal number, the whole text, finite: strtod would also take "0x10", "inf" and
// leading blanks, which no one means as a policy parameter.
bool decimal(const std::string& text, double& x) {
  const char* end = text.data() + text.size();
  const auto [used, error] = std::from_chars(text.data(), end, x, std::chars_format::general);
  return !text.empty() && error == std::errc() && used == end && std::isfinite(x);
}

void set_param(PolicyPlan& plan, const std::vector<const PolicyInfo*>& parts,
               const std::string& text) {
  const auto eq = text.find('=');
  const std::string key = text.substr(0, eq);
  for (const auto* part : parts)
    for (const auto& p : part->params) {
      if (p.name != key) continue;
      const std::string value = eq == std::string::npos ? "" : text.substr(eq + 1);
      double x = 0;
      if (!decimal(value, x) || x < p.min || x > p.max || (p.whole && x != std::floor(x)))
        throw std::invalid_argument("--param " + printable(text) + ": " + key + " must be a " +
                                    (p.whole ? "whole number" : "number") + " from " +
                                    number(p.min) + " to " + number(p.max) +
                                    ", written in decimal (e.g. 2 or 0.5; not hex, inf or nan)");
      plan.params[key] = x;
      return;
    }
  std::vector<std::string> names;
  for (const auto* part : parts)
    for (const auto& p : part->params) names.push_back(p.name);
  throw std::invalid_argument("--param " + text + ": unknown parameter '" + key + "'" +
                              did_you_mean(key, names) +
                              "; parameters of this policy: " + params_of(parts));
}

}  // namespace

std::unique_ptr<Policy> make_policy(const std::string& name, const std::vector<std::string>& params,
                                    const ForecastSpec& forecast) {
  std::vector<const PolicyInfo*> parts;
  std::set<std::string> seen;
  const PolicyInfo* order = nullptr;
  // A part written outside C++: no parameters; a training order if it defines one.
  PolicyInfo external{"", "", true, {}};
  ExternalPolicy external_steps;
  for (const auto& part_name : policy_parts(name)) {
    const bool is_external = is_external_part(part_name);
    if (is_external && !external.name.empty() && external.name != part_name)
      throw std::invalid_argument("policy '" + name + "' names " + external.name + " and " +
                                  part_name + ": combine one Python part at most");
    if (is_external && external.name.empty()) {
      external.name = part_name;
      external_steps = make_external_policy(part_name);
      external.is_training_order = static_cast<bool>(external_steps.order);
    }
    const PolicyInfo& part = is_external ? external : find_part(part_name);
    if (!seen.insert(part.name).second)
      throw std::invalid_argument("policy '" + name + "' names " + part.name + " twice");
    if (part.is_training_order) {
      if (order)
        throw std::invalid_argument("policy '" + name + "' combines " + order->name + " and " +
                                    part.name + ": use one training order at most");
      order = &part;
    }
    parts.push_back(&part);
  }
  // Parts that only add to the status quo (spillover, lease-idle, preempt-priority) keep its
  // training order, so that a comparison against static-partition isolates what they add.
  if (!order) parts.insert(parts.begin(), &find_part("static-partition"));
  PolicyPlan plan;
  for (const auto* part : parts) {
    plan.backfill = plan.backfill || part->name == "easy-backfill";
    plan.spillover = plan.spillover || part->name == "spillover";
    plan.lease_idle = plan.lease_idle || part->name == "lease-idle";
    plan.preempt_priority = plan.preempt_priority || part->name == "preempt-priority";
    plan.replay = plan.replay || part->name == "replay";
    plan.hetero_aware = plan.hetero_aware || part->name == "hetero-aware";
    plan.slurm = plan.slurm || part->name == "slurm" || part->name == "static-partition";
    for (const auto& p : part->params) plan.params[p.name] = p.default_value;
  }
  for (const auto& text : params) set_param(plan, parts, text);
  plan.forecast = forecast;
  if (!external.name.empty()) {
    plan.external = std::move(external_steps);
    plan.external_name = external.name;
    refuse_shared_steps(plan, name);
  }
  return make_composed_policy(std::move(plan));
}

std::unique_ptr<Policy> make_policy(const std::string& name,
                                    const std::vector<std::string>& params) {
  return make_policy(name, params, ForecastSpec{});
}

std::vector<std::string> policy_parts(const std::string& name) {
  return split(name, '+');
}

}  // namespace gpufleet
