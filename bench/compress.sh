#!/usr/bin/env bash
# What --compress costs and saves (docs/performance.md, "Compressed outputs"): the seed scenario
# at --scale S for D days, run plain and with --compress, RUNS times each. Prints the size of
# every CSV file plain and gzip-compressed, the whole run's wall median (min-max) both ways,
# and the outputs phase's wall (the run's own "outputs X s", median) both ways.
# Usage: bench/compress.sh [RUNS [SCALE [DAYS]]]   (default: 3 10 30)
source "$(dirname "$0")/lib.sh"
runs=${1:-3} scale=${2:-10} days=${3:-30}

# outputs_median RUNS CMD...: the median of the run's "outputs X s" over RUNS runs.
outputs_median() {
  local runs=$1 values=()
  shift
  for _ in $(seq "$runs"); do
    "$@" 2>&1 >/dev/null | sed -n 's/.*outputs \([0-9.]*\) s.*/\1/p' >"$work/outputs"
    values+=("$(cat "$work/outputs")")
  done
  printf '%s\n' "${values[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p"
}

run=("$bin" run --scale "$scale" --horizon "${days}d")
timed "$runs" "${run[@]}" --out "$work/plain"
plain_wall="$median ($fastest-$slowest)"
timed "$runs" "${run[@]}" --compress --out "$work/gz"
gz_wall="$median ($fastest-$slowest)"
printf 'seed --scale %s --horizon %sd, %s runs each\n' "$scale" "$days" "$runs"
printf '%-26s %12s %12s %6s\n' file "plain bytes" "gz bytes" "gz/plain"
for f in jobs replicas timeseries queue_timeseries pools_timeseries services_timeseries; do
  a=$(stat -c %s "$work/plain/$f.csv") b=$(stat -c %s "$work/gz/$f.csv.gz")
  printf '%-26s %12d %12d %6.3f\n' "$f.csv" "$a" "$b" "$(awk "BEGIN{print $b / $a}")"
done
printf 'run wall s, median (min-max): plain %s, --compress %s\n' "$plain_wall" "$gz_wall"
printf 'outputs phase s, median: plain %s, --compress %s\n' \
  "$(outputs_median "$runs" "${run[@]}" --out "$work/plain")" \
  "$(outputs_median "$runs" "${run[@]}" --compress --out "$work/gz")"
