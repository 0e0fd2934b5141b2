#!/usr/bin/env bash
# The sanitizer build, shared by scripts/check-sanitizers.sh and scripts/fuzz.sh: installs what is
# missing (clang and its sanitizer runtimes too), then builds with clang, ASan+UBSan and the
# fuzzer's coverage hooks (-DGPUFLEET_FUZZ=ON, build type Sanitize: -O1) into build-asan
# (GPUFLEET_ASAN_BUILD overrides).
#   scripts/sanitizer-build.sh [TARGET...]   (default: everything, tests and fuzz targets too)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
EXTRA_PACKAGES="clang libclang-rt-14-dev" BUILD_DIR="${GPUFLEET_ASAN_BUILD:-$root/build-asan}" \
  BUILD_TYPE=Sanitize CMAKE_ARGS="-DCMAKE_CXX_COMPILER=clang++ -DGPUFLEET_FUZZ=ON" \
  nice -n 10 "$root/scripts/setup.sh" "$@"
