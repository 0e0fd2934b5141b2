#!/usr/bin/env bash
# Fault tests for `gpufleet run`'s outputs (docs/fuzzing.md): a kill at any time, a full disk,
# an output path that is a file, and a folder with an output's name must each leave the
# previous outputs whole and no temporary behind; a write failure must exit 2 with one line
# that says why (strerror). Then `gpufleet study` (docs/studies.md): kill -9, SIGTERM and
# SIGINT at any time, a second writer, a crashing run, a full disk, and on Slurm (when a local
# one can be started) a stopped study whose array must be cancelled.
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

# ---- Studies (docs/studies.md): a study killed at any time, stopped, raced by a second study
# on its folder, or with a run that crashes, must leave no temporary and no process behind,
# and its rerun must give the study.csv of a study never interrupted.
printf '%s\n' '{"format": "gpufleet-study", "version": 1, "scale": 1, "days": 60,' \
  ' "seeds": [1, 2], "policies": ["static-partition", "easy-backfill"]}' >"$work/study.json"
"$cli" study --quiet "$work/study.json" --out "$work/study-ref" >/dev/null 2>&1 ||
  fail "study" "the reference study failed"

# Whether any process still runs a command naming folder $1.
runs_in() {
  local p
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$1" && return 0
  done
  return 1
}

# After a stopped study in $2: within 5 s no process works in it and, rerun, it ends with the
# reference's study.csv and no temporary anywhere in the folder.
check_study_rerun() {
  local name=$1 out=$2 i
  for ((i = 0; i < 50; i++)); do runs_in "$out/" || break; sleep 0.1; done
  if runs_in "$out/"; then
    fail "$name" "processes still work in the folder after the study ended"
    return
  fi
  if ! "$cli" study --quiet "$work/study.json" --out "$out" >/dev/null 2>"$work/stderr"; then
    fail "$name" "the rerun failed: $(tail -1 "$work/stderr")"
  elif [ -n "$(find "$out" -name '*.tmp.*')" ]; then
    fail "$name" "temporaries left after the rerun: $(find "$out" -name '*.tmp.*' | head -3)"
  elif ! cmp -s "$out/study.csv" "$work/study-ref/study.csv"; then
    fail "$name" "the rerun's study.csv differs from an uninterrupted study's"
  else
    pass "$name"
  fi
}

# Kill with signal $1 after $2 seconds, or while it stages its inputs ("staging": once a
# temporary appears under inputs/), or once its runs have started ("running").
study_kill_case() {
  local signal=$1 when=$2 out=$work/study-$1-$2 pid i
  "$cli" study --quiet "$work/study.json" --out "$out" >/dev/null 2>&1 &
  pid=$!
  case $when in
    staging)
      for ((i = 0; i < 100000; i++)); do
        [ -n "$(find "$out/inputs" -name '*.tmp.*' 2>/dev/null)" ] && break
        kill -0 "$pid" 2>/dev/null || break
      done ;;
    running)
      for ((i = 0; i < 1000; i++)); do
        compgen -G "$out/runs/*/*.log" >/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
      done ;;
    *) sleep "$when" ;;
  esac
  kill -s "$signal" "$pid" 2>/dev/null
  wait "$pid"
  check_study_rerun "study: kill -$signal at $when (exit status $?)" "$out"
}

set -m  # as above: the study in its own process group, SIGINT not ignored
for signal in KILL TERM INT; do
  for when in 0.2 1 staging running; do
    study_kill_case "$signal" "$when"
  done
done
set +m

# A second study on the folder of a running one: refused, exit 2, one line; the first ends well.
out=$work/study-race
"$cli" study --quiet "$work/study.json" --out "$out" >/dev/null 2>"$work/first.err" &
pid=$!
for ((i = 0; i < 100; i++)); do [ -s "$out/study.lock" ] && break; sleep 0.05; done
"$cli" study --quiet "$work/study.json" --out "$out" >/dev/null 2>"$work/stderr"
status=$?
wait "$pid"
first=$?
if [ "$status" -ne 2 ] || [ "$(wc -l <"$work/stderr")" -ne 1 ] ||
  ! grep -q "another study (pid $pid) is writing into this folder" "$work/stderr"; then
  fail "study: a second writer" "exit $status: $(cat "$work/stderr")"
elif [ "$first" -ne 0 ] || ! cmp -s "$out/study.csv" "$work/study-ref/study.csv"; then
  fail "study: a second writer" "the first study did not end well (exit $first)"
else
  pass "study: a second writer: exit 2, $(cat "$work/stderr")"
fi

# A run that crashes (SIGSEGV): its row says so, the study exits 1, and the rerun runs that
# run alone and ends with the reference's study.csv.
out=$work/study-crash
"$cli" study --quiet --jobs 1 "$work/study.json" --out "$out" >/dev/null 2>&1 &
pid=$!
crashed=
for ((i = 0; i < 400; i++)); do
  child=$(cat /proc/"$pid"/task/*/children 2>/dev/null | tr ' ' '\n' | grep . | head -1)
  if [ -n "$child" ] && { tr '\0' ' ' <"/proc/$child/cmdline"; } 2>/dev/null | grep -q ' run '; then
    kill -SEGV "$child" 2>/dev/null && crashed=$child && break
  fi
  sleep 0.025
done
wait "$pid"
status=$?
if [ -z "$crashed" ]; then
  fail "study: a crashing run" "no run was seen to crash"
elif [ "$status" -ne 1 ] || ! grep -q "killed by signal Segmentation fault" "$out/study.csv"; then
  fail "study: a crashing run" "exit $status; study.csv: $(grep -c failed "$out/study.csv") failed"
elif ! "$cli" study "$work/study.json" --out "$out" >/dev/null 2>"$work/stderr" ||
  ! grep -q "4 runs, 3 done before, 1 to run" "$work/stderr" ||
  ! cmp -s "$out/study.csv" "$work/study-ref/study.csv"; then
  fail "study: a crashing run" "the rerun did not redo that run alone: $(head -1 "$work/stderr")"
else
  pass "study: a crashing run: its row failed, the rerun ran it alone"
fi

# A study on a full disk: exit 2 with one line naming the file and strerror, no temporary.
mkdir -p "$work/full-study"
if mount -t tmpfs -o size=64k tmpfs "$work/full-study" 2>/dev/null; then
  mounted=$work/full-study
  "$cli" study --quiet "$work/study.json" --out "$work/full-study/out" >/dev/null \
    2>"$work/stderr"
  status=$?
  if [ "$status" -eq 2 ] && [ "$(wc -l <"$work/stderr")" -eq 1 ] &&
    grep -q "No space left on device" "$work/stderr" &&
    [ -z "$(find "$work/full-study" -name '*.tmp.*')" ]; then
    pass "study: full disk: exit 2, $(cat "$work/stderr")"
  else
    fail "study: full disk" "exit $status: $(cat "$work/stderr")"
  fi
  umount "$work/full-study" && mounted=
else
  echo "skip  study: full disk: cannot mount a tmpfs (needs root)"
fi

# A study into a read-only folder (a read-only tmpfs: root ignores permission bits): exit 2
# with one line that says why, nothing written.
mkdir -p "$work/ro-study"
if mount -t tmpfs -o size=1m tmpfs "$work/ro-study" 2>/dev/null; then
  mounted=$work/ro-study
  mkdir "$work/ro-study/out"
  if mount -o remount,ro "$work/ro-study" 2>/dev/null; then
    "$cli" study --quiet "$work/study.json" --out "$work/ro-study/out" >/dev/null \
      2>"$work/stderr"
    status=$?
    if [ "$status" -eq 2 ] && [ "$(wc -l <"$work/stderr")" -eq 1 ] &&
      grep -q "Read-only file system" "$work/stderr" && [ -z "$(ls -A "$work/ro-study/out")" ]; then
      pass "study: read-only folder: exit 2, $(cat "$work/stderr")"
    else
      fail "study: read-only folder" "exit $status: $(cat "$work/stderr")"
    fi
  else
    echo "skip  study: read-only folder: cannot remount the tmpfs read-only"
  fi
  umount "$work/ro-study" && mounted=
else
  echo "skip  study: read-only folder: cannot mount a tmpfs (needs root)"
fi

# On Slurm: a study stopped (SIGTERM, kill -9) while its array runs takes the array and its
# sbatch --wait with it. Needs root and slurm-wlm + munge (scripts/slurm-local.sh), else skipped.
slurm_dir=$work/slurm
if scripts/slurm-local.sh start "$slurm_dir" >"$work/slurm.log" 2>&1; then
  export SLURM_CONF=$slurm_dir/slurm.conf
  for signal in TERM KILL; do
    out=$work/study-slurm-$signal
    "$cli" study --quiet --backend slurm --jobs 1 "$work/study.json" --out "$out" \
      >/dev/null 2>&1 &
    pid=$!
    for ((i = 0; i < 300; i++)); do
      [ -s "$out/slurm/sbatch-0.out" ] && break
      sleep 0.1
    done
    job=$(cut -d';' -f1 "$out/slurm/sbatch-0.out" 2>/dev/null)
    kill -s "$signal" "$pid" 2>/dev/null
    wait "$pid"
    for ((i = 0; i < 200; i++)); do
      [ -z "$(squeue -h -j "$job" -t PENDING,RUNNING,COMPLETING 2>/dev/null)" ] &&
        ! runs_in "$out/" && break
      sleep 0.1
    done
    # A run of 60 days takes seconds, one at a time: the array cannot have ended by itself.
    if [ -z "$job" ]; then
      fail "study on Slurm: kill -$signal" "no array was submitted"
    elif [ -n "$(squeue -h -j "$job" -t PENDING,RUNNING,COMPLETING 2>/dev/null)" ]; then
      fail "study on Slurm: kill -$signal" "array $job still queued or running"
    elif ! scontrol -o show job "$job" 2>/dev/null | grep -q JobState=CANCELLED; then
      fail "study on Slurm: kill -$signal" "array $job was not cancelled"
    elif runs_in "$out/"; then
      fail "study on Slurm: kill -$signal" "a process still works in the folder"
    else
      pass "study on Slurm: kill -$signal: array $job cancelled, its waiter gone"
    fi
  done
  unset SLURM_CONF
  scripts/slurm-local.sh stop "$slurm_dir" >>"$work/slurm.log" 2>&1
elif [ "$(id -u)" -ne 0 ] || grep -q missing "$work/slurm.log"; then
  echo "skip  study on Slurm: $(tail -1 "$work/slurm.log")"
else
  fail "study on Slurm" "slurm-local.sh could not start: $(tail -3 "$work/slurm.log")"
  scripts/slurm-local.sh stop "$slurm_dir" >>"$work/slurm.log" 2>&1
fi

if [ "$failures" -gt 0 ]; then
  echo "fault-tests: $failures case(s) failed"
  exit 1
fi
echo "fault-tests: all cases passed"
