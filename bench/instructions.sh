#!/usr/bin/env bash
# Instruction counts of `gpufleet run -q` for static-partition and every policy and combination
# of bench/policies.sh (plus lease-idle following demand), and each one's ratio to
# static-partition. Instructions, unlike walls, do not move with the machine's other load, so a
# regression shows as a number (issue 31, part 4). Counted with `perf stat -e instructions`
# where the CPU exposes the counter (whole process), else with valgrind's callgrind
# (instructions executed in user space, the whole process; about 50x slower than a plain run).
# Usage: bench/instructions.sh [SCALE [DAYS [POLICY...]]]   (defaults 1, 30: 10,000 GPUs, 30 days)
#   POLICY: a name and its --param settings after spaces ("lease-idle lease_follow_demand=1");
#   ratios are to the first one given (static-partition by default)
#   GPUFLEET_BIN=path   count this binary instead of building build-release/gpufleet
#   KEEP=dir            keep each run's callgrind profile (callgrind.out.N) and outputs in dir
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-1} days=${2:-30}
shift $(($# < 2 ? $# : 2))
if [ -z "${GPUFLEET_BIN:-}" ]; then
  BUILD_DIR=build-release BUILD_TYPE=Release scripts/setup.sh gpufleet >/dev/null
  GPUFLEET_BIN=build-release/gpufleet
fi
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

# A policy spec is the policy name, then its --param settings after spaces.
source bench/policy_specs.sh
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=("${policy_specs[@]}")

if perf stat -x, -e instructions true 2>&1 | grep -q '^[0-9]'; then counter=perf; else counter=callgrind; fi

# count N SPEC: prints the instructions of one run.
count() {
  local n=$1 args
  mapfile -t args < <(spec_args "$2")
  local cmd=("$GPUFLEET_BIN" run -q --scale "$scale" --horizon "${days}d" "${args[@]}"
    --out "$work/out-$n")
  if [ "$counter" = perf ]; then
    perf stat -x, -e instructions -o "$work/perf-$n" "${cmd[@]}" >/dev/null
    awk -F, '$3 == "instructions" || $3 ~ /^instructions/ {print $1}' "$work/perf-$n"
  else
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.$n" "${cmd[@]}" \
      >/dev/null 2>"$work/valgrind-$n"
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/valgrind-$n"
  fi
  [ -n "${KEEP:-}" ] || rm -rf "$work/out-$n"
}

echo "gpufleet instructions ($counter): run -q --scale $scale --horizon ${days}d, $(date -u +%F)," \
  "commit $(git rev-parse --short HEAD)"
printf '%-62s %16s %7s\n' policy instructions ratio
base=
for i in "${!specs[@]}"; do
  n=$(count "$i" "${specs[$i]}")
  [ -n "$base" ] || base=$n
  printf '%-62s %16s %7.2f\n' "${specs[$i]}" "$n" "$(awk "BEGIN{print $n / $base}")"
done
