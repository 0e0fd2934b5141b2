#!/usr/bin/env bash
# Measures the importers on the public traces (scripts/fetch-traces.sh; Release build). Prints
# one row per case: input size, rows read, wall time median (min-max) of RUNS runs, rows/s, peak RSS.
# Usage: bench/import.sh [RUNS]
source "$(dirname "$0")/lib.sh"
runs=${1:-3}
traces=${GPUFLEET_TRACES:-data/traces}  # scripts/fetch-traces.sh puts them there
ali=$traces/alibaba-gpu-v2023

# A 20x pod list (names made unique) to show that time grows with rows and memory with output.
{
  head -1 "$ali/openb_pod_list_default.csv"
  for i in $(seq 20); do tail -n +2 "$ali/openb_pod_list_default.csv" | sed "s/^openb-pod-/p$i-/"; done
} >"$work/pods-x20.csv"

# case: name format inputs...
cases=(
  "alibaba-gpu-2023 alibaba-gpu-2023 $ali/openb_pod_list_default.csv $ali/openb_node_list_gpu_node.csv"
  "alibaba-gpu-2023-x20 alibaba-gpu-2023 $work/pods-x20.csv $ali/openb_node_list_gpu_node.csv"
  "azure-llm-2023 azure-llm-2023 $traces/azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv"
  "servegen servegen $traces/alibaba-servegen-2025/m-small"
  "swf swf $traces/pwa-swf/NASA-iPSC-1993-3.1-cln.swf.gz"
)
printf '%-22s %10s %9s %22s %10s %8s\n' case "input KiB" rows "wall s median (min-max)" rows/s "RSS MiB"
for c in "${cases[@]}"; do
  read -r name format inputs <<<"$c"
  # shellcheck disable=SC2086
  kib=$(du -skL $inputs | awk '{s += $1} END {print s}')
  # shellcheck disable=SC2086
  rows=$("$bin" import "$format" $inputs -o "$work/w.json" 2>&1 >/dev/null | sed -n 's/.*read \([0-9]*\) rows.*/\1/p')
  # shellcheck disable=SC2086
  timed "$runs" "$bin" import "$format" $inputs -o "$work/w.json"
  printf '%-22s %10s %9s %10s (%s-%s) %10.0f %8s\n' "$name" "$kib" "$rows" "$median" "$fastest" \
    "$slowest" "$(awk "BEGIN{print $rows / ($median > 0 ? $median : 0.005)}")" "$rss_mib"
done
