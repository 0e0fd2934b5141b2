#!/usr/bin/env bash
# Set-up, build, then run the built-in default scenario and print its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/gpufleet run "$@"
