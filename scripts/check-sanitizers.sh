#!/usr/bin/env bash
# Builds gpufleet with AddressSanitizer and UndefinedBehaviorSanitizer (g++) into build-asan,
# runs the whole test suite there, then replays the fuzz corpora (scripts/fuzz.sh --replay,
# clang, its own ASan+UBSan build in build-fuzz). Any sanitizer report fails the run.
#   scripts/check-sanitizers.sh            everything
#   scripts/check-sanitizers.sh --no-fuzz  the suite only (no clang needed)
# Exit status: 0 when clean, 1 otherwise. docs/fuzzing.md has the figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GPUFLEET_ASAN_BUILD:-$root/build-asan}
start=$(date +%s)

# GCC 12 reports -Wmaybe-uninitialized falsely through std::variant under -fsanitize (in
# scheduler_core.cpp); the normal build keeps the warning.
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
flags+=" -Wno-maybe-uninitialized"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=g++ -DGPUFLEET_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
nice -n 10 cmake --build "$build" -j2
built=$(date +%s)

# Sanitizer reports go to files, not stderr: SimGrid switches actor stacks itself, and ASan
# warns once per process that it cannot follow (google/sanitizers#189), which would fail the
# tests that check stderr. Stack use after return is not looked for, for the same reason.
logs=$build/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=0:detect_stack_use_after_return=0:abort_on_error=1:log_path=$logs/asan
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan
status=0
(cd "$build" && nice -n 10 ctest -j2 --output-on-failure --timeout 1200) || status=1
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
if [[ ${1:-} != --no-fuzz ]]; then
  "$root/scripts/fuzz.sh" --replay || status=1
fi
echo "check-sanitizers: build $((built - start)) s, suite $((tested - built)) s," \
  "total $(($(date +%s) - start)) s: $([[ $status == 0 ]] && echo clean || echo FAILED)"
exit $status
