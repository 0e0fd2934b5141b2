#!/usr/bin/env bash
# What a policy written in Python costs (docs/performance.md, "Python policies"): the Python
# FIFO (python:gpufleet.examples.fifo:Fifo, docs/python.md) against the C++ fifo on the seed
# scenario at each --scale for DAYS days, RUNS interleaved pairs (C++, Python, C++, ...) of
# `gpufleet run -q --threads 1`. Prints per side the medians (min-max) of the CPU time (user +
# system, the processes waited for included: the hand-over to python3 and its forked run) and of
# the wall time, their ratios, the scheduling passes (the policy's schedule calls, counted in a
# separate run of a counting subclass) and the Python side's extra CPU per pass, with and
# without the start of python3 and the import of the module (timed alone). Checks that both
# sides wrote the same outputs but for summary.json's provenance and policy name.
# CPU time is the figure to read on a shared machine: the wall moves with the other load.
# Usage: bench/python.sh [RUNS [DAYS [SCALE...]]]   (defaults 5, 30, 1 10: 10,000 and 100,000 GPUs)
#   GPUFLEET_BIN=path   time this binary (its Python module beside it, as built) instead of
#                       building build-release/gpufleet and its module
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5} days=${2:-30}
shift $(($# < 2 ? $# : 2))
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(1 10)
if [ -z "${GPUFLEET_BIN:-}" ]; then
  BUILD_DIR=build-release BUILD_TYPE=Release scripts/setup.sh gpufleet gpufleet_python >/dev/null
  GPUFLEET_BIN=build-release/gpufleet
fi
bin=$GPUFLEET_BIN
package=$(dirname "$bin")/python
python3=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' \
  "$(dirname "$bin")/CMakeCache.txt" | head -1)
python3=${python3:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A FIFO that prints how many times it was called: the run's passes.
cat >"$work/counting.py" <<'EOF'
from gpufleet.examples.fifo import Fifo


class Counting(Fifo):
    calls = 0

    def schedule(self, core):
        Counting.calls += 1
        print("passes", Counting.calls)
        super().schedule(core)
EOF

# sample CMD...: runs CMD once; appends its CPU (user + sys, children included) and wall (s).
sample() {
  local out=$1
  shift
  /usr/bin/time -f '%U %S %e' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" \
    || { tail -5 "$work/stderr" >&2; exit 1; }
  awk '{printf "%.3f %.3f\n", $1 + $2, $3}' "$work/time" >>"$out"
}

# stats FILE COLUMN: "median (min-max)" of a column of FILE.
stats() {
  sort -g -k"$2,$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {
    printf "%.3f (%.3f-%.3f)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
median() { stats "$1" "$2" | cut -d' ' -f1; }

# Outputs the same but for summary.json's provenance and policy name.
same_outputs() {
  "$python3" - "$1" "$2" <<'EOF'
import json, os, sys
a, b = sys.argv[1:]
names = sorted(os.listdir(a))
assert names == sorted(os.listdir(b)), (names, sorted(os.listdir(b)))
for name in names:
    x, y = (open(os.path.join(d, name), "rb").read() for d in (a, b))
    if name == "summary.json":
        x, y = json.loads(x), json.loads(y)
        for s in (x, y):
            s.pop("provenance"); s.pop("policy")
    assert x == y, f"{name} differs"
EOF
}

# The hand-over's own cost: python3 starting and importing the package (the run's module).
: >"$work/start"
for _ in $(seq "$runs"); do
  PYTHONPATH=$package sample "$work/start" "$python3" -c 'import gpufleet._program'
done
start=$(median "$work/start" 1)

echo "gpufleet Python policy bench: $bin, seed scenario, ${days} days, $runs interleaved pairs," \
  "$(date -u +%F), commit $(git rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "python3 start + import gpufleet._program: CPU $(stats "$work/start" 1) s"
for scale in "${scales[@]}"; do
  run=("$bin" run -q --threads 1 --scenario seed --scale "$scale" --horizon "${days}d")
  : >"$work/cpp" && : >"$work/py"
  for i in $(seq "$runs"); do
    sample "$work/cpp" "${run[@]}" --policy fifo --out "$work/out-cpp"
    sample "$work/py" "${run[@]}" --policy python:gpufleet.examples.fifo:Fifo --out "$work/out-py"
  done
  same_outputs "$work/out-cpp" "$work/out-py"
  passes=$(PYTHONPATH=$work "${run[@]}" --policy python:counting:Counting --out "$work/out-count" \
    | sed -n 's/^passes //p' | tail -1)
  jobs=$("$python3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["training"]["jobs_submitted"])' \
    "$work/out-cpp/summary.json")
  cpp_cpu=$(median "$work/cpp" 1) py_cpu=$(median "$work/py" 1)
  cpp_wall=$(median "$work/cpp" 2) py_wall=$(median "$work/py" 2)
  echo
  echo "--scale $scale: $jobs training jobs, $passes passes; outputs the same (provenance and policy name aside)"
  printf '  %-28s %-24s %-24s\n' "" "CPU s, median (min-max)" "wall s, median (min-max)"
  printf '  %-28s %-24s %-24s\n' "C++ fifo" "$(stats "$work/cpp" 1)" "$(stats "$work/cpp" 2)"
  printf '  %-28s %-24s %-24s\n' "Python Fifo" "$(stats "$work/py" 1)" "$(stats "$work/py" 2)"
  awk -v a="$cpp_cpu" -v b="$py_cpu" -v c="$cpp_wall" -v d="$py_wall" -v p="$passes" -v s="$start" \
    'BEGIN { printf "  ratio Python/C++: CPU %.2f, wall %.2f\n", b / a, d / c
             printf "  extra CPU per pass: %.1f us (%.1f us without python3 start + import)\n",
                    (b - a) / p * 1e6, (b - a - s) / p * 1e6 }'
done
