#!/usr/bin/env bash
# A private, single-node Slurm (slurmctld + slurmd + munged) living entirely in DIR.
#
#   scripts/slurm-local.sh start DIR [--accounting]
#                                      -> last stdout line: export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm-local.sh stop  DIR   -> stops exactly the daemons `start` started (by pid)
#   scripts/slurm-local.sh status DIR  -> prints the daemons' pids and sinfo; exit 0 if all alive
#
# --accounting adds what `sacct` needs and GPUs (tests/slurm_import_test.cpp, docs/importers.md):
# a private MariaDB server (mariadbd as user mysql, datadir/socket/port in DIR/db, DIR/run) and
# slurmdbd on free ports; one node with 8 fake h100 and 8 fake h200 GPUs (gres on character
# devices DIR/dev/nvidiaN made with mknod c 1 3, as /dev/null) and 16 CPUs
# (SlurmdParameters=config_overrides: more jobs at once than this host's cores, for sleeps);
# partitions h100 (default) and h200 on that node; accounts llm (root) and research (nobody).
# One node with two gres types because Debian's Slurm is built without multiple-slurmd
# support, so a second NodeName on this host cannot run its own slurmd.
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

usage() { echo "usage: $0 {start|stop|status} DIR [--accounting]" >&2; exit 2; }
[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = start ] && [ "$3" = --accounting ]; } || usage
CMD=$1
DIR=$(realpath -m -- "$2")
ACCOUNTING=${3:+1}
CONF=$DIR/slurm.conf
MUNGE_DIR=$DIR/munge
MUNGE_SOCK=$MUNGE_DIR/munge.socket
# pid files, in the order stop kills them: name|pidfile|expected /proc/PID/comm
DAEMONS=("slurmd|$DIR/slurmd.pid|slurmd" "slurmctld|$DIR/slurmctld.pid|slurmctld"
         "slurmdbd|$DIR/run/slurmdbd.pid|slurmdbd" "mariadbd|$DIR/run/mysqld.pid|mariadbd"
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
  if [ -f "$DIR/run/mysqld.pid" ] || [ -f "$DIR/run/slurmdbd.pid" ]; then
    # Accounting: in reverse order of start, so that each daemon can still reach the one it
    # reports to while it shuts down.
    stop_pids "$DIR/slurmd.pid:slurmd" "$DIR/slurmctld.pid:slurmctld"
    stop_pids "$DIR/run/slurmdbd.pid:slurmdbd"
    stop_pids "$DIR/run/mysqld.pid:mariadbd"
    stop_pids "$pf:munged"
  else
    stop_pids "$DIR/slurmd.pid:slurmd" "$DIR/slurmctld.pid:slurmctld" "$pf:munged"
  fi
  rm -f "$DIR/started.munged.pid" "$MUNGE_SOCK" "$MUNGE_SOCK.lock"
}

do_status() {
  local d name pf comm pid rc=0
  for d in "${DAEMONS[@]}"; do
    IFS='|' read -r name pf comm <<<"$d"
    case $name in slurmdbd | mariadbd) [ -f "$DIR/accounting" ] || continue ;; esac
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
           "$DIR/log/slurmdbd.log" "$DIR/run/mariadbd.log" "$DIR"/log/*.stderr; do
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

first_free_port() { # from -> the first port >= from nobody listens on
  local p=$1
  while port_busy "$p"; do p=$((p + 1)); [ $p -lt $(($1 + 100)) ] || return 1; done
  echo "$p"
}

# --accounting: the node gets GPUs (gres) and the cluster reports to slurmdbd.
# AccountingStoragePass names the munge socket for connections to slurmdbd (sacct, sacctmgr,
# slurmctld): AuthInfo does not apply to them.
write_accounting_conf() { # host dbd_port munge_socket
  sed -i '/^AccountingStorageType=/d;/^NodeName=/d;/^PartitionName=/d' "$CONF"
  cat >>"$CONF" <<END
GresTypes=gpu
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$2
AccountingStoragePass=$3
AccountingStorageTRES=gres/gpu,gres/gpu:h100,gres/gpu:h200
SlurmdParameters=config_overrides
NodeName=$1 NodeAddr=127.0.0.1 CPUs=16 Gres=gpu:h100:8,gpu:h200:8 State=UNKNOWN
PartitionName=h100 Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=h200 Nodes=ALL MaxTime=INFINITE State=UP
END
  cat >"$DIR/gres.conf" <<END
NodeName=$1 Name=gpu Type=h100 File=$DIR/dev/nvidia[0-7]
NodeName=$1 Name=gpu Type=h200 File=$DIR/dev/nvidia[8-15]
END
  chmod 644 "$CONF" "$DIR/gres.conf"
  local i
  mkdir -p "$DIR/dev"
  for ((i = 0; i < 16; i++)); do
    # A character device as /dev/null is (1,3); a plain file where mknod is not allowed
    # (slurmd then logs "not a valid character or block device" and carries on).
    [ -e "$DIR/dev/nvidia$i" ] || mknod "$DIR/dev/nvidia$i" c 1 3 2>/dev/null ||
      : >"$DIR/dev/nvidia$i"
  done
}

# A MariaDB server of its own: datadir, socket, pid file and log in DIR, as user mysql.
start_mariadb() { # port
  mkdir -p "$DIR/db" "$DIR/run"
  chmod 755 "$DIR" # mariadbd runs as mysql and must reach DIR/db and DIR/run
  chown mysql:mysql "$DIR/db" "$DIR/run"
  mariadb-install-db --no-defaults --user=mysql --datadir="$DIR/db" \
    --auth-root-authentication-method=normal --skip-test-db \
    >"$DIR/log/mariadb-install.stderr" 2>&1 || return 1
  # mariadbd stays in the foreground: setsid detaches it from this script's session.
  setsid runuser -u mysql -- mariadbd --no-defaults --datadir="$DIR/db" \
    --socket="$DIR/run/mysql.sock" --port="$1" --bind-address=127.0.0.1 \
    --pid-file="$DIR/run/mysqld.pid" --log-error="$DIR/run/mariadbd.log" \
    </dev/null >>"$DIR/log/mariadbd.stderr" 2>&1 &
  wait_pidfile mariadbd "$DIR/run/mysqld.pid" mariadbd 30 || return 1
  local i sql=(mariadb --no-defaults --socket="$DIR/run/mysql.sock" -uroot)
  for ((i = 0; i < 300; i++)); do
    "${sql[@]}" -e "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.1
  done
  "${sql[@]}" -e "CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'gpufleet';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;"
}

# slurmdbd has no -f: it reads slurmdbd.conf beside the file SLURM_CONF names.
start_slurmdbd() { # dbd_port db_port munge_socket
  cat >"$DIR/slurmdbd.conf" <<END
AuthType=auth/munge
AuthInfo=socket=$3
DbdHost=localhost
DbdPort=$1
SlurmUser=root
PidFile=$DIR/run/slurmdbd.pid
LogFile=$DIR/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$2
StorageUser=slurm
StoragePass=gpufleet
StorageLoc=slurm_acct_db
END
  chmod 600 "$DIR/slurmdbd.conf"
  SLURM_CONF=$CONF slurmdbd </dev/null >>"$DIR/log/slurmdbd.stderr" 2>&1 || return 1
  wait_pidfile slurmdbd "$DIR/run/slurmdbd.pid" slurmdbd 30 || return 1
  local i mgr=(env SLURM_CONF="$CONF" timeout 10 sacctmgr)
  for ((i = 0; i < 60; i++)); do
    "${mgr[@]}" -n list cluster >/dev/null 2>&1 && break
    sleep 0.5
  done
  # The cluster must exist in the database before slurmctld starts ("no TRES from it").
  "${mgr[@]}" -i add cluster gpufleet >/dev/null &&
    "${mgr[@]}" -i add account llm,research Cluster=gpufleet >/dev/null &&
    "${mgr[@]}" -i add user root Account=llm >/dev/null &&
    "${mgr[@]}" -i add user nobody Account=research >/dev/null
}

do_start() {
  local missing=() b
  local needs=(slurmctld slurmd sbatch sinfo munged munge mungekey)
  [ -z "$ACCOUNTING" ] || needs+=(slurmdbd sacctmgr sacct mariadbd mariadb-install-db mariadb)
  for b in "${needs[@]}"; do
    command -v "$b" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$b" >/dev/null ||
      missing+=("$b")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "slurm-local: missing ${missing[*]}; install the Debian packages: apt-get install -y --no-install-recommends slurm-wlm munge${ACCOUNTING:+ slurmdbd mariadb-server}"
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
  rm -f "$DIR"/log/*.stderr "$DIR/started.munged.pid" "$DIR/accounting"
  : >"$DIR/plugstack.conf"

  local host cpus cport dport
  host=$(hostname -s 2>/dev/null || hostname)   # slurmd matches NodeName on the short name
  cpus=$(nproc)
  [ -z "$ACCOUNTING" ] || cpus=16 # config_overrides: sleeps of test jobs, not real work
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
  if [ -n "$ACCOUNTING" ]; then
    : >"$DIR/accounting"
    local dbport dbdport
    dbport=$(first_free_port 13306) || fail "no free port for mariadbd in 13306-13405"
    dbdport=$(first_free_port 6919) || fail "no free port for slurmdbd in 6919-7018"
    write_accounting_conf "$host" "$dbdport" "$MUNGE_SOCK"
    start_mariadb "$dbport" || fail "mariadbd did not come up"
    start_slurmdbd "$dbdport" "$dbport" "$MUNGE_SOCK" || fail "slurmdbd did not come up"
  fi

  export SLURM_CONF=$CONF
  slurmctld -f "$CONF" </dev/null >>"$DIR/log/slurmctld.stderr" 2>&1 ||
    fail "slurmctld failed to start"
  wait_pidfile slurmctld "$DIR/slurmctld.pid" slurmctld 10 || fail "slurmctld did not come up"
  slurmd -f "$CONF" </dev/null >>"$DIR/log/slurmd.stderr" 2>&1 || fail "slurmd failed to start"
  wait_pidfile slurmd "$DIR/slurmd.pid" slurmd 10 || fail "slurmd did not come up"

  local i state=
  for ((i = 0; i < 300; i++)); do
    # one line per partition of the node (two with --accounting)
    state=$(timeout 5 sinfo -h -N -n "$host" -o %t 2>/dev/null | sort -u || true)
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
