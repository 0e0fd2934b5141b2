#!/usr/bin/env bash
# gpufleet compare on the seed scenario (10,000 GPUs, 30 days) with every policy part and the
# main combinations: wall time median (min-max) of RUNS runs, peak RSS, and the time
# scripts/render-report.sh takes to draw its report. Usage: bench/compare.sh [RUNS [JOBS]]
source "$(dirname "$0")/lib.sh"
runs=${1:-1}
jobs=${2:-0}
policies=static-partition,fifo,easy-backfill,spillover,lease-idle,preempt-priority,hetero-aware
policies+=,easy-backfill+spillover,easy-backfill+lease-idle,easy-backfill+spillover+lease-idle
policies+=,easy-backfill+spillover+lease-idle+preempt-priority,hetero-aware+lease-idle+preempt-priority

timed "$runs" "$bin" compare --policies "$policies" --jobs "$jobs" --out "$work/cmp" -q
printf 'compare, 12 policies, --jobs %s: %s s median (%s-%s), peak RSS %s MiB\n' "$jobs" \
  "$median" "$fastest" "$slowest" "$rss_mib"
timed 1 scripts/render-report.sh "$work/cmp/report.html" "$work/report.png" 1320 4200
printf 'render-report.sh (headless chromium, 1320x4200): %s s\n' "$median"
