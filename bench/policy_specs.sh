# Every policy and combination of docs/policies.md that the speed targets cover (issue 31), as
# specs: a policy name, then its --param settings after spaces. Sourced by bench/instructions.sh
# and bench/targets.sh; static-partition first, the baseline the ratios are to.
policy_specs=(static-partition fifo spillover replay easy-backfill slurm lease-idle
  "lease-idle lease_follow_demand=1" hetero-aware preempt-priority easy-backfill+spillover
  hetero-aware+lease-idle+preempt-priority easy-backfill+spillover+lease-idle+preempt-priority
  "easy-backfill+spillover+lease-idle lease_follow_demand=1")

# spec_args SPEC: the `gpufleet run` options of a spec, one per line.
spec_args() {
  local policy rest p
  read -r policy rest <<<"$1"
  printf '%s\n' --policy "$policy"
  for p in ${rest:-}; do printf '%s\n' --param "$p"; done
}
