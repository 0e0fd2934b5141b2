#!/usr/bin/env bash
# Every policy and combination of bench/policy_specs.sh against fifo (strict first-come
# first-served, the cheapest training order; the baseline until issue 26; bench/targets.sh gives
# the ratios to static-partition that issue 31's targets are about) at fleet scale: 100,000 GPUs
# (--scale 10), 30 simulated days, seed 1. Each policy is paired with fifo in one interleaved
# loop (fifo, policy, fifo, policy, ...) so that both
# see the same machine load; prints the median wall of each, their ratio, peak RSS, and
# whether the policy's outputs are byte-identical across its runs. Target: ratio <= 1.5.
# Usage: bench/policies.sh [RUNS [SCALE [DAYS]]]   (defaults 3, 10, 30)
source "$(dirname "$0")/lib.sh"
runs=${1:-3} scale=${2:-10} days=${3:-30}
source bench/policy_specs.sh

# wall_of SPEC OUT: one run; prints "wall_s rss_kb".
wall_of() {
  local args
  mapfile -t args < <(spec_args "$1")
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" run -q --scale "$scale" --horizon "${days}d" \
    "${args[@]}" --out "$2" >/dev/null 2>"$work/stderr" || { tail -5 "$work/stderr" >&2; exit 1; }
  cat "$work/time"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-55s %10s %10s %7s %8s %s\n' policy "wall s" "fifo s" ratio "RSS MiB" outputs
for p in "${policy_specs[@]}"; do
  [ "$p" != fifo ] || continue
  mine=() base=() rss=0 same=identical
  for r in $(seq "$runs"); do
    read -r w _ < <(wall_of fifo "$work/fifo")
    base+=("$w")
    read -r w kb < <(wall_of "$p" "$work/run-$r")
    mine+=("$w"); (( kb > rss )) && rss=$kb
    if (( r > 1 )) && ! cmp -s "$work/run-1/jobs.csv" "$work/run-$r/jobs.csv"; then same=DIFFER; fi
  done
  m=$(median "${mine[@]}") b=$(median "${base[@]}")
  printf '%-55s %10.2f %10.2f %7.2f %8.0f %s\n' "$p" "$m" "$b" "$(awk "BEGIN{print $m/$b}")" \
    "$(awk "BEGIN{print $rss/1024}")" "$same"
  rm -rf "$work"/run-*
done
