#!/usr/bin/env bash
# Simulation throughput at fleet scale (Release build). The cases draw from
# bench/scenarios/seed-1m.json: the seed scenario with shorter fine-tunes, so that a year of
# the 100,000-GPU fleet (--scale 10) holds over a million jobs. Network, energy and every
# output are on, as in a user's run. Each case runs RUNS times; then the SimGrid floor
# (bench/simgrid_floor.cpp) replays the case's jobs.csv and replicas.csv RUNS times as bare
# execs. Columns: jobs = rows of jobs.csv and replicas.csv (training jobs, leases, inference
# replicas); wall = whole process, median (min-max); events = timed events and job ends handed
# to the scheduler; RSS = peak over the runs (/usr/bin/time); floor = gpufleet wall / floor
# wall (medians).
# Usage: bench/run.sh [RUNS [quick]]   (quick: leaves out the year, ~1 minute)
source "$(dirname "$0")/lib.sh"
runs=${1:-3}
quick=${2:-}
scenario=bench/scenarios/seed-1m.json

header() {
  printf '\n%s\n' "$1"
  printf '| %-16s | %9s | %7s | %-23s | %7s | %8s | %8s | %5s |\n' case jobs GPUs \
    "wall s median (min-max)" jobs/s events/s "RSS MiB" floor
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------------ ----------- --------- \
    ------------------------- --------- ---------- ---------- -------
}

# row NAME SCALE DAYS: one case, printed as a table row (a case met before is not rerun).
declare -A measured
row() {
  local name=$1 scale=$2 days=$3
  if [ -n "${measured[$scale/$days]:-}" ]; then
    printf '| %-16s %s\n' "$name" "${measured[$scale/$days]}"
    return
  fi
  timed "$runs" "$bin" run --scenario "$scenario" --scale "$scale" --horizon "${days}d" \
    --out "$work/out"
  local wall=$median low=$fastest high=$slowest rss=$rss_mib
  local events gpus jobs
  events=$(grep -o '([0-9]* events' "$work/stderr" | tr -dc 0-9)
  gpus=$(grep -o '[0-9]* GPUs (' "$work/stderr" | tr -dc 0-9)
  jobs=$(($(wc -l <"$work/out/jobs.csv") + $(wc -l <"$work/out/replicas.csv") - 2))
  "$bin" generate --scenario "$scenario" --scale "$scale" --days 1 -o "$work/w.json" \
    --platform-out "$work/p.xml" >/dev/null 2>&1
  timed "$runs" build-release/gpufleet_bench_floor "$work/p.xml" "$work/out/jobs.csv" \
    "$(awk "BEGIN{print $days * 86400}")" "$work/out/replicas.csv"
  measured[$scale/$days]=$(printf '| %9d | %7d | %-23s | %7.0f | %8.0f | %8s | %5.2f |' \
    "$jobs" "$gpus" "$wall ($low-$high)" "$(awk "BEGIN{print $jobs / $wall}")" \
    "$(awk "BEGIN{print $events / $wall}")" "$rss" "$(awk "BEGIN{print $wall / $median}")")
  printf '| %-16s %s\n' "$name" "${measured[$scale/$days]}"
}

echo "gpufleet bench: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $runs runs per case"
header "Growth in jobs, 100,000 GPUs (target: wall near-linear in jobs; the year <= 60 s, <= 4 GiB, floor <= 2)"
row "10k jobs" 10 3.2
row "100k jobs" 10 32
[ "$quick" = quick ] || row "year, 1M+ jobs" 10 365
header "Growth in fleet, ~100,000 jobs (target: wall nearly flat in GPUs)"
row "1k GPUs" 0.1 3200
row "10k GPUs" 1 320
row "100k GPUs" 10 32
