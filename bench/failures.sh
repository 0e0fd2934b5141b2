#!/usr/bin/env bash
# Failures cost time linear in the horizon (issue 30): eight busy 8-GPU H100 replicas on 64 GPUs,
# --failure-rate 100 with no repair time (6,400 failures a day, each stopping a replica), over 10,
# 20 and 40 days; and the seed scenario for 3 days at the same rate. Wall time median (min-max)
# of RUNS runs and the ratio to 10 days (linear: 2 and 4; before the fix, 3.7 and 16).
# Usage: bench/failures.sh [RUNS]
source "$(dirname "$0")/lib.sh"
runs=${1:-3}

"$bin" platform --pool H100:64 -o "$work/p.xml" 2>/dev/null
workload() {  # DAYS -> a workload file
  cat >"$work/w.json" <<JSON
{"format": "gpufleet-workload", "version": 1, "horizon_s": $(( $1 * 86400 )),
 "inference": [{"id": "chat", "gpus_per_replica": 8, "latency_target_s": 1.0,
   "flops_per_unit": 1e12,
   "generations": [{"model": "H100", "throughput": 100, "latency_s": 0.5}],
   "demand": {"interval_s": 3600, "repeat": true, "values": [800]},
   "cold_start": {"startup_s": 0, "weights_bytes": 0}}]}
JSON
}
failures=(--failures on --failure-rate 100 --repair-scale 0 --out "$work/out" --quiet)

printf '%-28s %24s %8s %9s\n' case "run s med (min-max)" ratio "RSS MiB"
base=
for days in 10 20 40; do
  workload "$days"
  timed "$runs" "$bin" run --workload "$work/w.json" --platform "$work/p.xml" "${failures[@]}"
  base=${base:-$median}
  printf '%-28s %24s %8.2f %9s\n' "64 H100, $days days" "$median ($fastest-$slowest)" \
    "$(awk "BEGIN{print $median / $base}")" "$rss_mib"
done
timed "$runs" "$bin" run --horizon 3d --failures on --failure-rate 100 --out "$work/out" --quiet
printf '%-28s %24s %8s %9s\n' "seed, 3 days" "$median ($fastest-$slowest)" - "$rss_mib"
