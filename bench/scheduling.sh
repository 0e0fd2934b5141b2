#!/usr/bin/env bash
# One scheduling pass on the 100,000-GPU seed fleet with 10,000 waiting jobs, at 1 and 2
# threads (the passes are sequential: the same figure expected): median pass time over RUNS
# fresh scheduler cores. Training pools 95% full (few jobs start), then 50% full (about
# 16,000 GPUs to hand out: many placements). Then the pass where nothing can start (720 GPUs
# free, every waiting job larger) with 1,000, 10,000 and 100,000 waiting jobs: its cost should
# not grow with the queue (target: within 2x). Usage: bench/scheduling.sh [RUNS]
source "$(dirname "$0")/lib.sh"
runs=${1:-5}
for fill in 0.95 0.5; do
  for policy in easy-backfill easy-backfill+spillover+preempt-priority hetero-aware; do
    for threads in 1 2; do
      build-release/gpufleet_bench_scheduling "$policy" 10000 "$fill" "$threads" "$runs"
    done
  done
done
for waiting in 1000 10000 100000; do
  for policy in easy-backfill easy-backfill+spillover+preempt-priority hetero-aware; do
    build-release/gpufleet_bench_scheduling "$policy" "$waiting" 0.99 1 "$runs" large
  done
done
