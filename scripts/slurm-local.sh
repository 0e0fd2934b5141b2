#!/usr/bin/env bash
# A private, single-node Slurm (slurmctld + slurmd + munged) living entirely in DIR.
#
#   scripts/slurm-local.sh start DIR   -> last stdout line: export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm-local.sh stop  DIR   -> stops exactly the daemons `start` started (by pid)
#   scripts/slurm-local.sh status DIR  -> prints the daemons' pids and sinfo; exit 0 if all alive
#
# Never touches /etc/slurm/slurm.conf: the config is DIR/slurm.conf (SLURM_CONF + -f). munged
# runs as root with its own key/socket/pid/log under DIR/munge (DIR gets go+x: munged wants a
# traversable path to its socket) and Slurm reaches it through AuthInfo=socket=.... Only if
# that fails does it fall back to the system munged (/run/munge/munge.socket.2): reused as is
# if already running, else started as in the brief and its pid kept in DIR/started.munged.pid
# so that stop ends it. Ports are picked so as not to collide with another
# Slurm already listening on this host (default 6817/6818 when free).
# Needs root (SlurmUser=root) and the Debian packages slurm-wlm and munge.
# Exit codes: 0 ok, 1 failure, 2 usage / already running, 3 packages missing (test should skip).
set -euo pipefail

usage() { echo "usage: $0 {start|stop|status} DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
CMD=$1
DIR=$(realpath -m -- "$2")
CONF=$DIR/slurm.conf
MUNGE_DIR=$DIR/munge
MUNGE_SOCK=$MUNGE_DIR/munge.socket
# pid files, in the order stop kills them: name|pidfile|expected /proc/PID/comm
DAEMONS=("slurmd|$DIR/slurmd.pid|slurmd" "slurmctld|$DIR/slurmctld.pid|slurmctld"
         "munged|$MUNGE_DIR/munged.pid|munged")

log() { echo "slurm-local: $*" >&2; }

# pid from a pid file if that process is alive and is the expected program, else nothing.
live_pid() { # pidfile comm
  local pid comm
  [ -s "$1" ] || return 1
  pid=$(tr -dc '0-9' <"$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  [ "$comm" = "$2" ] || return 1
  echo "$pid"
}

# SIGTERM the daemons (pidfile:comm pairs) together, wait up to 10 s, then SIGKILL.
stop_pids() {
  local spec pf comm pid i pids=() pfs=()
  for spec in "$@"; do
    pf=${spec%:*} comm=${spec##*:}
    if pid=$(live_pid "$pf" "$comm"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid") && log "stopping $comm (pid $pid)"
    fi
    pfs+=("$pf")
  done
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid still alive after 10 s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  rm -f "${pfs[@]}"
}

do_stop() {
  [ -d "$DIR" ] || return 0
  local pf
  # Cancel what is still queued/running in *this* cluster so no slurmstepd outlives slurmd.
  if [ -f "$CONF" ] && live_pid "$DIR/slurmctld.pid" slurmctld >/dev/null &&
     command -v squeue >/dev/null; then
    local jobs i
    jobs=$(SLURM_CONF=$CONF timeout 5 squeue -h -o %A 2>/dev/null || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      SLURM_CONF=$CONF timeout 5 scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        [ -z "$(SLURM_CONF=$CONF timeout 5 squeue -h -o %A 2>/dev/null || true)" ] && break
        sleep 0.1
      done
    fi
  fi
  # slurmd, slurmctld and munged each take ~2 s to exit on SIGTERM, and none of them needs
  # the others to shut down: signal all three together, then wait.
  pf=$MUNGE_DIR/munged.pid
  # fallback case: a system-path munged that start launched
  [ -f "$pf" ] || [ ! -s "$DIR/started.munged.pid" ] || pf=$DIR/started.munged.pid
  stop_pids "$DIR/slurmd.pid:slurmd" "$DIR/slurmctld.pid:slurmctld" "$pf:munged"
  rm -f "$DIR/started.munged.pid" "$MUNGE_SOCK" "$MUNGE_SOCK.lock"
}

do_status() {
  local d name pf comm pid rc=0
  for d in "${DAEMONS[@]}"; do
    IFS='|' read -r name pf comm <<<"$d"
    [ "$name" = munged ] && [ -s "$DIR/started.munged.pid" ] && pf=$DIR/started.munged.pid
    if pid=$(live_pid "$pf" "$comm"); then echo "$name $pid"; else echo "$name -"; rc=1; fi
  done
  if [ -f "$CONF" ]; then SLURM_CONF=$CONF timeout 5 sinfo 2>&1 || true; fi
  return $rc
}

port_busy() { # port -> 0 if something listens on it (TCP, any address)
  if command -v ss >/dev/null; then
    [ -n "$(ss -Htln "( sport = :$1 )" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

tails() {
  local f
  for f in "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" "$MUNGE_DIR/munged.log" \
           "$DIR"/log/*.stderr; do
    [ -s "$f" ] || continue
    echo "==== tail $f" >&2; tail -n 25 "$f" >&2
  done
}

fail() { log "$*"; tails; do_stop; exit 1; }

wait_pidfile() { # name pidfile comm timeout_s
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    live_pid "$2" "$3" >/dev/null && return 0
    sleep 0.1
  done
  return 1
}

munge_ok() { # socket
  munge -S "$1" -n 2>/dev/null | unmunge -S "$1" >/dev/null 2>&1
}

start_private_munged() {
  mkdir -p "$MUNGE_DIR"
  chmod 0755 "$MUNGE_DIR"
  # munged wants every directory up to its socket to be world-executable (traverse only).
  chmod go+x "$DIR"
  [ -s "$MUNGE_DIR/munge.key" ] || mungekey -c -k "$MUNGE_DIR/munge.key"
  chmod 0400 "$MUNGE_DIR/munge.key"
  local force=() p=$MUNGE_DIR
  while p=$(dirname "$p"); [ "$p" != / ]; do
    # a non-traversable ancestor we do not own (e.g. /root): let munged only warn about it
    [ -n "$(find "$p" -maxdepth 0 -perm -o+x)" ] || { force=(--force); break; }
  done
  rm -f "$MUNGE_SOCK" "$MUNGE_SOCK.lock" "$MUNGE_DIR/munged.pid"
  # munged 0.5.15 runs as root without complaint; it daemonizes and writes its pid file.
  munged "${force[@]}" --key-file="$MUNGE_DIR/munge.key" --socket="$MUNGE_SOCK" \
    --pid-file="$MUNGE_DIR/munged.pid" --log-file="$MUNGE_DIR/munged.log" \
    --seed-file="$MUNGE_DIR/munged.seed" </dev/null >>"$DIR/log/munged.stderr" 2>&1 || return 1
  wait_pidfile munged "$MUNGE_DIR/munged.pid" munged 10 || return 1
  local i
  for ((i = 0; i < 50; i++)); do munge_ok "$MUNGE_SOCK" && return 0; sleep 0.1; done
  return 1
}

# Fallback as in the brief: the system munged at /run/munge/munge.socket.2. Use it if it is
# already running (and leave it alone), else start it and record its pid for stop.
start_system_munged() {
  local sock=/run/munge/munge.socket.2
  MUNGE_SOCK=$sock
  munge_ok "$sock" && { log "using the already-running system munged"; return 0; }
  mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
  [ -f /etc/munge/munge.key ] || mungekey -c
  chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
  chmod 400 /etc/munge/munge.key
  runuser -u munge -- munged </dev/null >>"$DIR/log/munged.stderr" 2>&1 || return 1
  wait_pidfile munged /run/munge/munged.pid munged 10 || return 1
  cp /run/munge/munged.pid "$DIR/started.munged.pid"
  log "started system munged (pid $(cat "$DIR/started.munged.pid"))"
  local i
  for ((i = 0; i < 50; i++)); do munge_ok "$sock" && return 0; sleep 0.1; done
  return 1
}

write_conf() { # host cpus ctld_port d_port munge_socket
  cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh; use with SLURM_CONF=$CONF
ClusterName=gpufleet
SlurmctldHost=$1
SlurmctldPort=$3
SlurmdPort=$4
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$5
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
PlugStackConfig=$DIR/plugstack.conf
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=30
NodeName=$1 NodeAddr=127.0.0.1 CPUs=$2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

do_start() {
  local missing=() b
  for b in slurmctld slurmd sbatch sinfo munged munge mungekey; do
    command -v "$b" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$b" >/dev/null ||
      missing+=("$b")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "slurm-local: missing ${missing[*]}; install the Debian packages: apt-get install -y --no-install-recommends slurm-wlm munge"
    exit 3
  fi
  [ "$(id -u)" = 0 ] || { log "must run as root (SlurmUser=root)"; exit 2; }
  local d name pf comm
  for d in "${DAEMONS[@]}"; do
    IFS='|' read -r name pf comm <<<"$d"
    if live_pid "$pf" "$comm" >/dev/null; then
      log "$name already running for $DIR (pid file $pf); run: $0 stop $DIR"; exit 2
    fi
  done
  mkdir -p "$DIR"/{state,spool,log} "$MUNGE_DIR"
  rm -f "$DIR"/log/*.stderr "$DIR/started.munged.pid"
  : >"$DIR/plugstack.conf"

  local host cpus cport dport
  host=$(hostname -s 2>/dev/null || hostname)   # slurmd matches NodeName on the short name
  cpus=$(nproc)
  cport=6817 dport=6818
  while port_busy "$cport" || port_busy "$dport"; do
    cport=$((cport + 2)) dport=$((dport + 2))
    [ $cport -lt 6917 ] || { log "no free port pair in 6817-6918"; exit 1; }
  done

  if ! start_private_munged; then
    log "private munged failed (see $MUNGE_DIR/munged.log); falling back to the system munged"
    tails
    stop_pids "$MUNGE_DIR/munged.pid:munged"
    start_system_munged || fail "could not get a working munged"
  fi
  write_conf "$host" "$cpus" "$cport" "$dport" "$MUNGE_SOCK"

  export SLURM_CONF=$CONF
  slurmctld -f "$CONF" </dev/null >>"$DIR/log/slurmctld.stderr" 2>&1 ||
    fail "slurmctld failed to start"
  wait_pidfile slurmctld "$DIR/slurmctld.pid" slurmctld 10 || fail "slurmctld did not come up"
  slurmd -f "$CONF" </dev/null >>"$DIR/log/slurmd.stderr" 2>&1 || fail "slurmd failed to start"
  wait_pidfile slurmd "$DIR/slurmd.pid" slurmd 10 || fail "slurmd did not come up"

  local i state=
  for ((i = 0; i < 300; i++)); do
    state=$(timeout 5 sinfo -h -N -n "$host" -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.1
  done
  [ "$state" = idle ] || fail "node $host not idle after 30 s (state: '${state:-none}')"
  log "up: node $host idle, CPUs=$cpus, ports $cport/$dport, munge socket $MUNGE_SOCK"
  echo "export SLURM_CONF=$CONF"
}

case $CMD in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) usage ;;
esac
