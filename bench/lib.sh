# Shared by the bench scripts (sourced). Release build, a scratch directory, timing helpers.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=build-release BUILD_TYPE=Release scripts/setup.sh gpufleet gpufleet_bench_floor \
  gpufleet_bench_scheduling >/dev/null  # not the tests
bin=build-release/gpufleet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# timed RUNS CMD...: runs CMD RUNS times; sets $median, $fastest, $slowest (s), $rss_mib (peak).
# The last run's stderr stays in $work/stderr.
timed() {
  local runs=$1 walls=() rss=0 wall kb
  shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" \
      || { tail -5 "$work/stderr" >&2; exit 1; }
    read -r wall kb <"$work/time"
    walls+=("$wall"); (( kb > rss )) && rss=$kb
  done
  local sorted=($(printf '%s\n' "${walls[@]}" | sort -g))
  median=${sorted[$(( ${#sorted[@]} / 2 ))]}
  fastest=${sorted[0]}; slowest=${sorted[-1]}
  rss_mib=$(awk "BEGIN{printf \"%.0f\", $rss / 1024}")
}
