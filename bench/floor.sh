#!/usr/bin/env bash
# gpufleet against the raw SimGrid floor (bench/simgrid_floor.cpp) on the seed scenario: the
# same jobs, hosts, start and end times pushed through bare SimGrid execs. Prints both wall
# times (median of RUNS) and their ratio. Usage: bench/floor.sh [RUNS [SCALE [DAYS]]]
source "$(dirname "$0")/lib.sh"
runs=${1:-3}
scale=${2:-10}
days=${3:-30}
$bin generate --scale "$scale" --days "$days" --seed 1 -o "$work/w.json" \
  --platform-out "$work/p.xml" >/dev/null 2>&1
timed "$runs" "$bin" run -q --workload "$work/w.json" --platform "$work/p.xml" --seed 1 \
  --out "$work/out"
gpufleet_s=$median gpufleet_rss=$rss_mib
timed "$runs" build-release/gpufleet_bench_floor "$work/p.xml" "$work/out/jobs.csv" \
  "$((days * 86400))" "$work/out/replicas.csv"
jobs=$(($(wc -l <"$work/out/jobs.csv") + $(wc -l <"$work/out/replicas.csv") - 2))
printf 'seed scale %s, %s days, %s jobs: gpufleet %s s (%s MiB), floor %s s (%s MiB), ratio %s\n' \
  "$scale" "$days" "$jobs" "$gpufleet_s" "$gpufleet_rss" "$median" "$rss_mib" \
  "$(awk "BEGIN{printf \"%.2f\", $gpufleet_s / $median}")"
