#!/usr/bin/env bash
# Measures simulation throughput on generated cases (Release build). Prints one row per case:
# wall time median (min-max) of RUNS runs, jobs/s, peak RSS. Usage: bench/run.sh [RUNS]
source "$(dirname "$0")/lib.sh"
runs=${1:-3}

# case: name jobs pools...
cases=(
  "2.4k-gpus-10k-jobs 10000 GB200:576 GB300:288 H100:1024 H200:512"
  "24k-gpus-100k-jobs 100000 GB200:5760 GB300:2880 H100:10240 H200:5120"
)
printf '%-22s %8s %8s %22s %10s %10s\n' case jobs gpus "wall s median (min-max)" jobs/s "RSS MiB"
for c in "${cases[@]}"; do
  read -r name jobs p1 p2 p3 p4 <<<"$c"
  $bin platform --pool "$p1" --pool "$p2" --pool "$p3" --pool "$p4" -o "$work/$name.xml" 2>/dev/null
  train=$(( ${p1#*:} + ${p2#*:} )); infer=$(( ${p3#*:} + ${p4#*:} ))
  build-release/gpufleet_bench_workload "$jobs" "$train" "$infer" "$work/$name.json" 2>/dev/null
  timed "$runs" "$bin" run --platform "$work/$name.xml" --workload "$work/$name.json" \
    --out "$work/out" --quiet
  printf '%-22s %8d %8d %10s (%s-%s) %10.0f %10s\n' "$name" "$jobs" $((train + infer)) "$median" \
    "$fastest" "$slowest" "$(awk "BEGIN{print $jobs / $median}")" "$rss_mib"
done
