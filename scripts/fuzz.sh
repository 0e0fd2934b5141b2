#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/; scripts/sanitizer-build.sh: clang, ASan+UBSan, into
# build-asan) and runs each for SECONDS (default 60), one after the other, printing executions
# and time per target.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   fuzz (TARGET: workload, import_swf, ...; default all)
#   scripts/fuzz.sh --replay [TARGET...]    only replay the seed corpora and fuzz/regressions
# New inputs go to build-asan/corpus/TARGET, crashes to build-asan/findings/TARGET; a crash's
# input belongs in fuzz/regressions/TARGET once it is fixed (docs/fuzzing.md).
# Exit status: 0 when no target crashed, 1 otherwise.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GPUFLEET_ASAN_BUILD:-$root/build-asan}
all=(workload scenario demand_shape economics policy_param duration pool_spec platform study catalog
  import_swf import_alibaba import_azure import_servegen import_slurm import_kubernetes)

replay=0
seconds=60
if [[ ${1:-} == --replay ]]; then
  replay=1
  shift
elif [[ ${1:-} =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")

GPUFLEET_ASAN_BUILD=$build "$root/scripts/sanitizer-build.sh" gpufleet_fuzzers

dict_of() {
  case $1 in
    import_kubernetes) echo "$root/fuzz/dict/kubernetes.dict" ;;
    import_*) echo "$root/fuzz/dict/csv.dict" ;;
    *) echo "$root/fuzz/dict/$1.dict" ;;
  esac
}

# A finding stops the target: its input is kept, and the other targets still run.
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
printf '%-16s %12s %8s  %s\n' target executions seconds result
for t in "${targets[@]}"; do
  bin=$build/fuzz/fuzz_$t
  [[ -x $bin ]] || { echo "fuzz.sh: unknown target '$t' (known: ${all[*]})" >&2; exit 2; }
  seeds=$root/fuzz/corpus/$t
  regressions=$root/fuzz/regressions/$t
  mkdir -p "$regressions" "$build/corpus/$t" "$build/findings/$t"
  log=$build/findings/$t.log
  # 30 s: the slowest ServeGen inputs found (a million windows) take 8-11 s under ASan, 0.5 s
  # in the release CLI; a hang still ends the run as a finding.
  common=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=30 -dict="$(dict_of "$t")"
    -artifact_prefix="$build/findings/$t/")
  start=$(date +%s.%N)
  if [[ $replay == 1 ]]; then
    args=(-runs=0 "$seeds" "$regressions")
  else
    args=(-max_total_time="$seconds" -print_final_stats=1 "$build/corpus/$t" "$seeds"
      "$regressions")
  fi
  if nice -n 10 "$bin" "${common[@]}" "${args[@]}" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log)"
    status=1
  fi
  elapsed=$(echo "$(date +%s.%N) - $start" | bc)
  runs=$(grep -oE '(Done|stat::number_of_executed_units:) +[0-9]+' "$log" | grep -oE '[0-9]+' |
    tail -1 || true)
  printf '%-16s %12s %8.0f  %s\n' "$t" "${runs:-?}" "$elapsed" "$result"
done
exit $status
