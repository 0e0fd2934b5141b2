#!/usr/bin/env bash
# Compares gpufleet's `fifo` with the Helios trace-driven FIFO simulator, start time for start
# time, on one virtual cluster (VC) of a Helios-format trace (bench/helios_compare.py does the
# work; its docstring says how the jobs are converted and what is printed).
#
# Usage: bench/helios.sh HELIOS_RESULT_CSV TRACE_CSV NODES [helios_compare.py options]
#   HELIOS_RESULT_CSV  Helios' per-VC FIFO result, <log>/<experiment>/<vc>/fifo_consolidate_<vc>_log.csv
#   TRACE_CSV          the cluster_log.csv Helios ran on (job_id, vc, gpu_num, submit_time, duration)
#   NODES              8-GPU nodes of that VC (its value in Helios' vc_dict_homo.pkl)
#   options            --vc VC, --placement P (repeatable; default: every one gpufleet offers),
#                      --work DIR (keep workload, platform and runs), --gpufleet BIN, --show N
# Prints, per placement: jobs compared, exact matches (|diff| < 1 s), max and mean |diff|, for
# all jobs, for jobs of a whole number of nodes (<= 8 GPUs or a multiple of 8) and the rest.
#
# Needs: a built build/gpufleet (or GPUFLEET=path) and python3 (standard library only).
#
# Not shipped, never committed here (research/academic use only; cite Hu et al., SC'21):
#  - the trace: S-Lab-System-Group/HeliosData, data.zip -> data/<Cluster>/cluster_log.csv and
#    cluster_gpu_number.csv (the Venus log alone was data/Venus/cluster_log.csv in the repo's
#    first commits). shared/traces/helios-venus-2020 has only per-10-minute aggregates.
#  - Helios' simulator: S-Lab-System-Group/HeliosArtifact, "framework/QSSF Service". To get a
#    result (Python 3 with pandas and numpy; Debian: python3-pandas python3-numpy):
#      cd "HeliosArtifact/framework/QSSF Service/data" && python3 log_process.py -c Venus
#      python3 vc_dict_generator.py -c Venus -d Sept   # writes vc_dict.pkl: the simulator
#                                                      # reads vc_dict_homo.pkl, copy it there
#      cd .. && printf 'job_id,priority\n' > estimators/Venus_Sept_lgb.csv  # read at start,
#                                                      # even for FIFO, which does not use it
#      TZ=UTC python3 simulator.py -e Venus_Sept -t ./data/Venus -s fifo -p consolidate
#    The per-VC results are written before the run stops at its last step (cluster_analysis
#    reads the sjf/srtf/qssf logs too and fails when only fifo was run). The trace window is
#    2020-09-01 00:00 to 09-26 23:59, counted from the first job of the trace.
set -euo pipefail
if (( $# < 3 )); then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
result=$1 trace=$2 nodes=$3
shift 3
for f in "$result" "$trace"; do
  [[ -r $f ]] || { echo "helios.sh: cannot read $f" >&2; exit 2; }
done
result=$(realpath "$result") trace=$(realpath "$trace")
cd "$(dirname "$0")/.."
exec python3 bench/helios_compare.py "$result" "$trace" --nodes "$nodes" \
  --gpufleet "${GPUFLEET:-build/gpufleet}" "$@"
