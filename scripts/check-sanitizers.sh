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

flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=g++ -DGPUFLEET_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
nice -n 10 cmake --build "$build" -j2
built=$(date +%s)

# SimGrid switches actor stacks itself: ASan cannot follow, so it must not look for stack
# use after return, and stays quiet about the switches (the suite checks stderr).
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=0:detect_stack_use_after_return=0:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
(cd "$build" && nice -n 10 ctest -j2 --output-on-failure --timeout 1200) || status=1
tested=$(date +%s)
if [[ ${1:-} != --no-fuzz ]]; then
  "$root/scripts/fuzz.sh" --replay || status=1
fi
echo "check-sanitizers: build $((built - start)) s, suite $((tested - built)) s," \
  "total $(($(date +%s) - start)) s: $([[ $status == 0 ]] && echo clean || echo FAILED)"
exit $status
