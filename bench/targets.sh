#!/usr/bin/env bash
# Every speed target of issue 31, measured side by side in one run on this machine, then
# printed as one table (docs/performance.md, "Issue 31's targets"): target, measured, met.
#   1. every policy and combination (bench/policy_specs.sh) <= 1.5x static-partition at
#      100,000 GPUs / 30 days: wall and CPU time, medians of RUNS interleaved pairs
#      (static-partition, policy, static-partition, policy, ...); instructions (callgrind, or
#      perf where the counter works: bench/instructions.sh, on the other core meanwhile)
#   2. the year (bench/scenarios/seed-1m.json, 1.15M jobs, 100,000 GPUs) <= 60 s under
#      static-partition, <= 90 s under every policy (one run each); its ratio to the SimGrid
#      floor (bench/simgrid_floor.cpp replaying its jobs.csv and replicas.csv) <= 1.0, and the
#      seed's at 30 days (as bench/floor.sh)
#   3. 1,000,000 GPUs / 30 days <= 60 s; with MILLION_YEAR=1, the year at 1,000,000 GPUs
#      (~25 min, ~13 GiB) within 16 GiB
#   4. outputs: each policy's jobs.csv and replicas.csv byte-identical across its runs (the
#      before/after identity of an optimisation is the PolicyDigests test's)
# Wall is the whole process (/usr/bin/time %e), CPU is user + system time: on a shared machine
# the CPU time moves far less than the wall.
# Usage: bench/targets.sh [RUNS]   (default 3; about 30 min on 2 cores, the counts on the second)
#   COUNTS=0        leave out the instruction counts
#   YEAR=0          leave out the year at 100,000 GPUs (every policy, ~16 min)
#   MILLION_YEAR=1  add the year at 1,000,000 GPUs (20-30 min more, 13 GiB)
#   SCALE=10 MILLION=100  the fleets' --scale (smaller for a quick check of the script)
source "$(dirname "$0")/lib.sh"
source bench/policy_specs.sh
runs=${1:-3} scale=${SCALE:-10} million=${MILLION:-100}
seed_1m=bench/scenarios/seed-1m.json

# measure OUT ARGS...: one `gpufleet run ARGS --out OUT`; sets $wall, $cpu (s) and $rss (MiB).
measure() {
  local out=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$bin" run "$@" --out "$out" \
    >/dev/null 2>"$work/stderr" || { tail -5 "$work/stderr" >&2; exit 1; }
  read -r wall cpu rss < <(awk '{printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024}' "$work/time")
}

# floor_of OUT SCENARIO_ARGS... DAYS: the SimGrid floor's wall and CPU replaying OUT's rows on
# the platform the scenario draws; sets $wall and $cpu.
floor_of() {
  local out=$1 days=${*: -1}
  "$bin" generate "${@:2:$#-2}" --days 1 -o "$work/w.json" --platform-out "$work/p.xml" \
    >/dev/null 2>&1
  /usr/bin/time -f '%e %U %S' -o "$work/time" build-release/gpufleet_bench_floor "$work/p.xml" \
    "$out/jobs.csv" "$((days * 86400))" "$out/replicas.csv" >/dev/null 2>"$work/stderr" ||
    { tail -5 "$work/stderr" >&2; exit 1; }
  read -r wall cpu < <(awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$work/time")
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
rows_of() { echo $(($(wc -l <"$1/jobs.csv") + $(wc -l <"$1/replicas.csv") - 2)); }
same_outputs() { cmp -s "$1/jobs.csv" "$2/jobs.csv" && cmp -s "$1/replicas.csv" "$2/replicas.csv"; }
yes_no() { awk "BEGIN{print ($1 <= $2) ? \"yes\" : \"no\"}"; }

echo "gpufleet targets (issue 31): $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo |
  cut -d: -f2 | sed 's/^ //'), commit $(git rev-parse --short HEAD), $(date -u '+%F %H:%M') UTC," \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${COUNTS:-1}" != 0 ]; then
  GPUFLEET_BIN=$bin bench/instructions.sh "$scale" 30 "${policy_specs[@]}" >"$work/counts" 2>&1 &
  counts_pid=$!
fi

echo
echo "## 1. Every policy at 30 days (run -q --scale $scale --horizon 30d): $runs interleaved pairs"
printf '| %-58s | %8s | %8s | %10s | %9s | %7s | %9s |\n' policy "wall s" "CPU s" "wall ratio" \
  "CPU ratio" "RSS MiB" "rows"
base_walls=() base_cpus=() worst_wall=0 worst_cpu=0 worst_spec= unstable=()
for spec in "${policy_specs[@]:1}"; do
  mapfile -t args < <(spec_args "$spec")
  walls=() cpus=() bw=() bc=() peak=0
  for r in $(seq "$runs"); do
    measure "$work/base" -q --scale "$scale" --horizon 30d
    bw+=("$wall") bc+=("$cpu")
    measure "$work/run-$r" -q --scale "$scale" --horizon 30d "${args[@]}"
    walls+=("$wall") cpus+=("$cpu")
    ((rss > peak)) && peak=$rss
    ((r == 1)) || same_outputs "$work/run-1" "$work/run-$r" || unstable+=("$spec")
  done
  base_walls+=("${bw[@]}") base_cpus+=("${bc[@]}")
  wr=$(ratio "$(median "${walls[@]}")" "$(median "${bw[@]}")")
  cr=$(ratio "$(median "${cpus[@]}")" "$(median "${bc[@]}")")
  printf '| %-58s | %8s | %8s | %10s | %9s | %7s | %9s |\n' "$spec" "$(median "${walls[@]}")" \
    "$(median "${cpus[@]}")" "$wr" "$cr" "$peak" "$(rows_of "$work/run-1")"
  if awk "BEGIN{exit !($wr > $worst_wall)}"; then worst_wall=$wr worst_spec=$spec; fi
  awk "BEGIN{exit !($cr > $worst_cpu)}" && worst_cpu=$cr
  rm -rf "$work"/run-*
done
static_30d_wall=$(median "${base_walls[@]}")
printf '| %-58s | %8s | %8s | %10s | %9s | %7s | %9s |\n' "static-partition (every pair)" \
  "$static_30d_wall" "$(median "${base_cpus[@]}")" 1.00 1.00 "" "$(rows_of "$work/base")"

echo
echo "## 2. The seed at 30 days against its floor (as bench/floor.sh)"
floor_walls=()
for _ in $(seq "$runs"); do
  floor_of "$work/base" --scale "$scale" 30
  floor_walls+=("$wall")
done
seed_floor=$(median "${floor_walls[@]}")
echo "static-partition $static_30d_wall s, floor $seed_floor s: $(ratio "$static_30d_wall" "$seed_floor")"

if [ "${YEAR:-1}" != 0 ]; then
  echo
  echo "## 3. The year (run --scenario $seed_1m --scale $scale --horizon 365d), one run each"
  printf '| %-58s | %8s | %8s | %8s | %9s | %s\n' policy "wall s" "CPU s" "RSS MiB" rows \
    "breakdown (stderr)"
  slowest_year=0 slowest_spec=
  for spec in "${policy_specs[@]}"; do
    mapfile -t args < <(spec_args "$spec")
    measure "$work/year" --scenario "$seed_1m" --scale "$scale" --horizon 365d "${args[@]}"
    printf '| %-58s | %8s | %8s | %8s | %9s | %s\n' "$spec" "$wall" "$cpu" "$rss" \
      "$(rows_of "$work/year")" "$(grep -o 'inputs.*outputs [0-9.]* s' "$work/stderr")"
    if [ "$spec" = static-partition ]; then
      static_year=$wall static_year_cpu=$cpu
      floor_of "$work/year" --scenario "$seed_1m" --scale "$scale" 365
      year_floor=$wall year_floor_cpu=$cpu
    elif awk "BEGIN{exit !($wall > $slowest_year)}"; then
      slowest_year=$wall slowest_spec=$spec
    fi
  done
  echo "floor of static-partition's year: $year_floor s wall, $year_floor_cpu s CPU"
fi

echo
echo "## 4. The million-GPU fleet (scale $million)"
measure "$work/m" --scale "$million" --horizon 30d
million_30d=$wall million_30d_cpu=$cpu million_30d_rss=$rss
echo "30 days (run --scale "$million" --horizon 30d): $million_30d s wall, $million_30d_cpu s CPU," \
  "$million_30d_rss MiB; $(grep -o 'inputs.*outputs [0-9.]* s' "$work/stderr")"
rm -rf "$work/m"
if [ "${MILLION_YEAR:-0}" = 1 ]; then
  measure "$work/m" --scenario "$seed_1m" --scale "$million" --horizon 365d
  million_year=$wall million_year_cpu=$cpu million_year_rss=$rss
  echo "the year (run --scenario $seed_1m --scale "$million" --horizon 365d): $million_year s wall," \
    "$million_year_cpu s CPU, $million_year_rss MiB;" \
    "$(grep -o 'inputs.*outputs [0-9.]* s' "$work/stderr")"
fi

if [ -n "${counts_pid:-}" ]; then
  wait "$counts_pid" || { cat "$work/counts" >&2; exit 1; }
  echo
  echo "## 5. Instructions at 30 days (bench/instructions.sh $scale 30)"
  cat "$work/counts"
  worst_count=$(awk 'NR > 2 && $NF > w {w = $NF; s = $0} END {print w}' "$work/counts")
  worst_count_spec=$(awk 'NR > 2 && $NF > w {w = $NF; s = $0} END {sub(/ +[0-9]+ +[0-9.]+$/, "", s); print s}' "$work/counts")
fi

echo
echo "## Targets"
echo "| target | measured | met |"
echo "|---|---|---|"
echo "| every policy <= 1.5x static-partition, 100,000 GPUs / 30 days, wall | slowest $worst_spec $worst_wall (CPU time: worst $worst_cpu) | $(yes_no "$worst_wall" 1.5) |"
[ -z "${worst_count:-}" ] ||
  echo "| ... instructions | slowest $worst_count_spec $worst_count | $(yes_no "$worst_count" 1.5) |"
if [ "${YEAR:-1}" != 0 ]; then
  echo "| the year <= 60 s, static-partition | $static_year s wall, $static_year_cpu s CPU | $(yes_no "$static_year" 60) |"
  echo "| the year <= 90 s, every policy | slowest $slowest_spec $slowest_year s | $(yes_no "$slowest_year" 90) |"
  echo "| ratio to the floor <= 1.0 | the year $(ratio "$static_year" "$year_floor") (floor $year_floor s); the seed at 30 days $(ratio "$static_30d_wall" "$seed_floor") | $(yes_no "$(ratio "$static_year" "$year_floor")" 1.0) |"
fi
echo "| 1,000,000 GPUs / 30 days <= 60 s | $million_30d s wall, $million_30d_cpu s CPU | $(yes_no "$million_30d" 60) |"
[ "${MILLION_YEAR:-0}" != 1 ] ||
  echo "| the year at 1,000,000 GPUs within 16 GiB | $million_year s wall, $million_year_rss MiB | $(yes_no "$million_year_rss" 16384) |"
echo "| outputs the same across a policy's runs | ${#unstable[@]} policies differ${unstable:+: ${unstable[*]}} | $( ((${#unstable[@]} == 0)) && echo yes || echo no) |"
