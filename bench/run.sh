#!/usr/bin/env bash
# Measures simulation throughput on generated cases (Release build). Prints one row per case:
# wall time median (min-max) of RUNS runs, jobs/s, peak RSS. Usage: bench/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
BUILD_DIR=build-release BUILD_TYPE=Release scripts/setup.sh >/dev/null
bin=build-release/gpufleet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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
  walls=(); rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time" "$bin" run --platform "$work/$name.xml" \
      --workload "$work/$name.json" --out "$work/out" --quiet >/dev/null
    read -r wall kb <"$work/time"
    walls+=("$wall"); (( kb > rss )) && rss=$kb
  done
  sorted=($(printf '%s\n' "${walls[@]}" | sort -g))
  median=${sorted[$(( ${#sorted[@]} / 2 ))]}
  printf '%-22s %8d %8d %10s (%s-%s) %10.0f %10.0f\n' "$name" "$jobs" $((train + infer)) "$median" \
    "${sorted[0]}" "${sorted[-1]}" "$(awk "BEGIN{print $jobs / $median}")" "$(awk "BEGIN{print $rss / 1024}")"
done
