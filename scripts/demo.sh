#!/usr/bin/env bash
# Set-up, build, then run the built-in seed scenario and print its headline and summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh gpufleet  # only what the demo runs: the tests build with scripts/test.sh
build/gpufleet run "$@"
