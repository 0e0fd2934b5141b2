#!/usr/bin/env bash
# The sanitizer check CI runs (.ci/run): builds everything with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (scripts/sanitizer-build.sh, build-asan), runs the whole test suite
# there, then runs each fuzz target for a short time (which first replays its seed corpus and
# fuzz/regressions). Any sanitizer report or fuzz finding fails the run.
#   scripts/check-sanitizers.sh [FUZZ_SECONDS]   seconds per fuzz target (default 10; 0: replay only)
# Exit status: 0 when clean, 1 otherwise. docs/fuzzing.md has the figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GPUFLEET_ASAN_BUILD:-$root/build-asan}
fuzz_seconds=${1:-10}
start=$(date +%s)
GPUFLEET_ASAN_BUILD=$build "$root/scripts/sanitizer-build.sh"
built=$(date +%s)

# Sanitizer reports go to files, not stderr: SimGrid switches actor stacks itself, and ASan
# warns once per process that it cannot follow (google/sanitizers#189), which would fail the
# tests that check stderr. Stack use after return is not looked for, for the same reason.
logs=$build/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
status=0
(
  export ASAN_OPTIONS=halt_on_error=1:detect_leaks=0:detect_stack_use_after_return=0:abort_on_error=1:log_path=$logs/asan
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan
  cd "$build" && nice -n 10 ctest -j"$(nproc)" --output-on-failure --timeout 1200
) || status=1
# Any report but that warning is a finding.
findings=$(grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$logs"/* 2>/dev/null || true)
if [[ -n $findings ]]; then
  status=1
  for f in $findings; do
    echo "== $f"
    head -40 "$f"
  done
fi
tested=$(date +%s)
# A fuzzing run first runs every input of the seed corpus and fuzz/regressions, so it is the
# replay too; without fuzzing time, only the replay.
if [[ $fuzz_seconds -gt 0 ]]; then
  GPUFLEET_ASAN_BUILD=$build "$root/scripts/fuzz.sh" "$fuzz_seconds" || status=1
else
  GPUFLEET_ASAN_BUILD=$build "$root/scripts/fuzz.sh" --replay || status=1
fi
echo "check-sanitizers: build $((built - start)) s, suite $((tested - built)) s," \
  "fuzz $(($(date +%s) - tested)) s, total $(($(date +%s) - start)) s:" \
  "$([[ $status == 0 ]] && echo clean || echo FAILED)"
exit $status
