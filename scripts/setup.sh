#!/usr/bin/env bash
# Installs the Debian packages gpufleet needs (only those missing), then configures and
# builds it with CMake + Ninja into build/ (BUILD_DIR overrides, BUILD_TYPE sets the type;
# EXTRA_PACKAGES and CMAKE_ARGS, both space-separated, add packages and configure options).
#   scripts/setup.sh [TARGET...]    build only these targets (default: everything, tests too)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config libsimgrid-dev libboost-graph-dev
  libtbb-dev libcli11-dev libgtest-dev libgmock-dev nlohmann-json3-dev zlib1g-dev libjemalloc-dev
  libssl-dev  # SHA-256 of the inputs in summary.json
  help2man    # the man page, from gpufleet --help
  python3 python3-jsonschema  # tests/workload_schema_test.py checks workloads against the schema
  pybind11-dev python3-pandas  # the Python module gpufleet (docs/python.md); pandas: its DataFrames and tests/compressed_outputs_test.py
  slurm-wlm munge  # a real single-node Slurm for gpufleet study --backend slurm (scripts/slurm-local.sh)
  slurmdbd mariadb-server  # Slurm accounting for a real sacct (slurm-local.sh --accounting, tests/slurm_import_test.cpp)
  chromium  # chromium: scripts/render-report.sh renders report.html to PNG (tested)
  ${EXTRA_PACKAGES:-})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  # Where systemd runs, Debian starts and enables the system MariaDB and slurmdbd on install;
  # the tests start private ones (own datadir, socket and free ports), so stop and disable
  # the ones this install just added, and only those.
  if [ -d /run/systemd/system ]; then
    for p in mariadb-server:mariadb slurmdbd:slurmdbd; do
      [[ " ${missing[*]} " == *" ${p%%:*} "* ]] && $SUDO systemctl disable --now "${p##*:}" >&2 || true
    done
  fi
fi

build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  ${CMAKE_ARGS:-} >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j"$(nproc)" "${targets[@]}"
