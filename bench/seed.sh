#!/usr/bin/env bash
# The seed scenario at its default size and at 100,000 GPUs, 30 days: wall time median
# (min-max) of RUNS runs of `generate` and of `run` on the generated files, training jobs,
# jobs/s of the run, peak RSS. Usage: bench/seed.sh [RUNS]
source "$(dirname "$0")/lib.sh"
runs=${1:-3}

printf '%-6s %8s %7s %24s %24s %9s %9s\n' scale gpus jobs "generate s med (min-max)" \
  "run s med (min-max)" jobs/s "RSS MiB"
for scale in 1 10; do
  w="$work/seed-$scale.json" p="$work/seed-$scale.xml"
  timed "$runs" "$bin" generate --scale "$scale" -o "$w" --platform-out "$p"
  gen="$median ($fastest-$slowest)"
  jobs=$(grep -c '"submit_s"' "$w")
  gpus=$(( scale * 10000 ))  # the seed fleet: 10,000 GPUs at scale 1
  timed "$runs" "$bin" run --workload "$w" --platform "$p" --out "$work/out" --quiet
  printf '%-6s %8d %7d %24s %24s %9.0f %9s\n' "$scale" "$gpus" "$jobs" "$gen" \
    "$median ($fastest-$slowest)" "$(awk "BEGIN{print $jobs / $median}")" "$rss_mib"
done
