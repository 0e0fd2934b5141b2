#!/usr/bin/env bash
# Renders a gpufleet report.html to a PNG with headless Chromium (Debian package chromium,
# installed when missing), so that a person can look at it or a test can check it.
#   scripts/render-report.sh REPORT.html OUT.png [WIDTH [HEIGHT]]
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH [HEIGHT]]" >&2
  exit 2
fi
html=$1 png=$2 width=${3:-1300} height=${4:-6000}
if [ ! -f "$html" ]; then
  echo "render-report: no such file: $html" >&2
  exit 2
fi
if ! command -v chromium >/dev/null; then
  echo "render-report: installing chromium" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >&2
fi
html_abs=$(realpath "$html")
png_abs=$(realpath -m "$png")
# A private profile: headless runs must not share state with each other or with a user.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$profile" --no-first-run --disable-extensions \
  --window-size="$width,$height" --screenshot="$png_abs" "file://$html_abs" >/dev/null 2>&1
if [ ! -s "$png_abs" ]; then
  echo "render-report: chromium wrote no image to $png" >&2
  exit 1
fi
echo "render-report: wrote $png (${width}x${height})" >&2
