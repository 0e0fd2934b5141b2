#!/usr/bin/env bash
# Fault tests for `gpufleet run`'s outputs (docs/fuzzing.md): a kill at any time, a full disk,
# an output path that is a file, and a folder with an output's name must each leave the
# previous outputs whole and no temporary behind; a write failure must exit 2 with one line
# that says why (strerror).
#   scripts/fault-tests.sh [GPUFLEET]     default build/gpufleet; exit status 1 if a case fails
# The full-disk case mounts a 64 KiB tmpfs, which needs root; without it the case is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
cli=$(realpath "${1:-build/gpufleet}")
work=$(mktemp -d)
mounted=
cleanup() {
  [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export TMPDIR=$work/tmp  # the generated platform's temporary lands here, where we can look
mkdir -p "$TMPDIR"
failures=0

pass() { echo "ok    $1"; }
fail() {
  echo "FAIL  $1: $2"
  failures=$((failures + 1))
}

run() { "$cli" run --quiet --scenario seed --scale 5 "$@"; }

# Outputs of a short run, kept as "the previous outputs" each case starts from.
run --seed 1 --horizon 1d --out "$work/old" >/dev/null || {
  echo "cannot run $cli" >&2
  exit 1
}
run --seed 2 --horizon 60d --out "$work/new" >/dev/null

# Whether folder $1 holds exactly the files of $2 (summary.json's provenance aside).
same_outputs() {
  local a=$1 b=$2 f
  [ "$(ls "$a")" = "$(ls "$b")" ] || return 1
  for f in "$b"/*; do
    f=$(basename "$f")
    if [ "$f" = summary.json ]; then
      python3 -c 'import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
a.pop("provenance", None), b.pop("provenance", None)
sys.exit(a != b)' "$a/$f" "$b/$f" || return 1
    else
      cmp -s "$a/$f" "$b/$f" || return 1
    fi
  done
}

# Checks the invariants after case $1 on folder $2: no temporary, old or new outputs whole.
check_folder() {
  local name=$1 out=$2
  if compgen -G "$out/*.tmp.*" >/dev/null; then
    fail "$name" "temporaries left: $(ls "$out" | grep '\.tmp\.' | tr '\n' ' ')"
  elif [ -n "$(ls -A "$TMPDIR")" ]; then
    fail "$name" "temporary platform left in TMPDIR: $(ls "$TMPDIR")"
  elif same_outputs "$out" "$work/old" || same_outputs "$out" "$work/new"; then
    pass "$name"
  else
    fail "$name" "the outputs are neither the previous ones nor the new ones, whole"
  fi
}

# Case $1 refused: folder $2 holds no temporary and is unchanged from the copy $3.
check_untouched() {
  local name=$1 out=$2 before=$3
  if compgen -G "$out/*.tmp.*" >/dev/null; then
    fail "$name" "temporaries left"
  elif diff -r "$out" "$before" >/dev/null; then
    pass "$name: exit 2, $(cat "$work/stderr")"
  else
    fail "$name" "previous outputs changed"
  fi
}

fresh_out() {
  rm -rf "$work/out"
  cp -r "$work/old" "$work/out"
}

# Kill with signal $1 after $2 seconds, or ("writing") once the temporaries appear.
kill_case() {
  local signal=$1 when=$2 pid i
  fresh_out
  # The binary itself, not the function: $! must be gpufleet's pid, not a subshell's.
  "$cli" run --quiet --scenario seed --scale 5 --seed 2 --horizon 60d --out "$work/out" \
    >/dev/null 2>&1 &
  pid=$!
  if [ "$when" = writing ]; then
    for ((i = 0; i < 200000; i++)); do
      compgen -G "$work/out/*.tmp.*" >/dev/null && break
      kill -0 "$pid" 2>/dev/null || break
    done
  else
    sleep "$when"
  fi
  kill -s "$signal" "$pid" 2>/dev/null
  wait "$pid"
  check_folder "kill -$signal at $when (exit status $?)" "$work/out"
}

set -m  # background runs in their own process group, not ignoring SIGINT as they else would
for signal in TERM INT; do
  for when in 0.05 0.5 1.5 writing; do kill_case "$signal" "$when"; done
done

set +m

# Case $1: the run into $2 must exit 2 with one line containing $3.
expect_refusal() {
  local name=$1 out=$2 reason=$3 status
  run --seed 2 --horizon 2d --out "$out" >/dev/null 2>"$work/stderr"
  status=$?
  if [ "$status" -ne 2 ]; then
    fail "$name" "exit status $status, not 2: $(cat "$work/stderr")"
  elif [ "$(wc -l <"$work/stderr")" -ne 1 ] || ! grep -q -- "$reason" "$work/stderr"; then
    fail "$name" "not one line saying '$reason': $(cat "$work/stderr")"
  else
    return 0
  fi
  return 1
}

# A full disk: the previous outputs fit in 64 KiB, the new ones do not.
mkdir -p "$work/full"
if mount -t tmpfs -o size=64k tmpfs "$work/full" 2>/dev/null; then
  mounted=$work/full
  mkdir "$work/full/out"
  for f in "$work/old"/*; do head -c 2000 "$f" >"$work/full/out/$(basename "$f")"; done
  rm -rf "$work/old-small"
  cp -r "$work/full/out" "$work/old-small"
  expect_refusal "full disk" "$work/full/out" "No space left on device" &&
    check_untouched "full disk" "$work/full/out" "$work/old-small"
  umount "$work/full" && mounted=
else
  echo "skip  full disk: cannot mount a tmpfs (needs root)"
fi

# An output path that is a file.
echo "a file" >"$work/taken"
if expect_refusal "--out is a file" "$work/taken" "cannot create the output folder"; then
  [ "$(cat "$work/taken")" = "a file" ] && pass "--out is a file: $(cat "$work/stderr")" ||
    fail "--out is a file" "the file changed"
fi

# An output folder holding a folder with an output's name.
fresh_out
rm "$work/out/jobs.csv" && mkdir "$work/out/jobs.csv"
cp -r "$work/out" "$work/old-folder"
expect_refusal "a folder named jobs.csv" "$work/out" "a folder has this name" &&
  check_untouched "a folder named jobs.csv" "$work/out" "$work/old-folder"

if [ "$failures" -gt 0 ]; then
  echo "fault-tests: $failures case(s) failed"
  exit 1
fi
echo "fault-tests: all cases passed"
