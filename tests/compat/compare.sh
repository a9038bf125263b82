#!/bin/bash
# Project copy of ../shared/compat/compare.sh: refuses busy ports; otherwise unchanged.
# Differential check: runs each scenario against the reference etcd and against a candidate
# etcd binary (same flags, same ports, fresh data dirs), normalizes both transcripts and
# compares them.
#   compare.sh CANDIDATE [SCENARIO.sh ...]       (default: every scenarios/*.sh)
# Environment: REF (reference etcd, default /usr/bin/etcd), ETCDCTL (default /usr/bin/etcdctl,
# the real etcdctl 3.4 from Debian's etcd-client), PORT (client port, default 23790; the peer
# port is PORT+1), OUT (where transcripts and diffs go, default a temp dir), STRICT_IDS=1 to
# compare member/cluster IDs literally, CAND_ETCDCTL (an etcdctl for the candidate's runs,
# default ETCDCTL: with REF and CANDIDATE the same server, this compares two etcdctls),
# CTL_CANDIDATE (a candidate etcdctl, e.g. ours) with RUNS (space-separated, default
# "cand"): which runs to compare with the reference run (REF server + ETCDCTL):
#   cand      CANDIDATE server + CAND_ETCDCTL (or ETCDCTL)     -> diff.txt
#   ctl-ref   REF server + CTL_CANDIDATE                        -> diff-ctl-ref.txt
#   ctl-cand  CANDIDATE server + CTL_CANDIDATE                  -> diff-ctl-cand.txt
# Needs: apt-get install etcd-server etcd-client python3
set -u
here=$(cd "$(dirname "$0")" && pwd)
CAND=${1:?usage: compare.sh CANDIDATE [SCENARIO...]}; shift
CAND=$(readlink -f "$CAND")
REF=${REF:-/usr/bin/etcd}
export ETCDCTL=${ETCDCTL:-/usr/bin/etcdctl}
HEALTH_CTL=$ETCDCTL
PORT=${PORT:-23790}
OUT=${OUT:-$(mktemp -d)}
export ENDPOINT=127.0.0.1:$PORT
scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=("$here"/scenarios/*.sh)

server_pid=
start_server() {  # BIN DATADIR EXTRA_FLAGS
  local bin=$1 dir=$2 extra=$3 peer=$((PORT + 1))
  rm -rf "$dir"; mkdir -p "$dir"
  # Refuse to run against someone else's server: both ports must be free.
  local p
  for p in "$PORT" "$peer"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "port $p is already in use; set PORT to a free pair" >&2; return 1
    fi
  done
  # shellcheck disable=SC2086
  "$bin" --name default --data-dir "$dir/data" \
    --listen-client-urls "http://$ENDPOINT" --advertise-client-urls "http://$ENDPOINT" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "default=http://127.0.0.1:$peer" --initial-cluster-token compat $extra \
    >"$dir/server.log" 2>&1 &
  server_pid=$!
  local i
  for i in $(seq 1 100); do
    ETCDCTL_API=3 "$HEALTH_CTL" --endpoints="$ENDPOINT" --dial-timeout=1s endpoint health >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "server exited early: $bin" >&2; tail -5 "$dir/server.log" >&2; return 1; }
    sleep 0.2
  done
  echo "server not healthy after 20 s: $bin" >&2; return 1
}
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null
  local i; for i in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=
}
trap stop_server EXIT

run_scenario() {  # BIN SCENARIO DIR CTL
  local bin=$1 sc=$2 dir=$3 extra
  local ETCDCTL=$4
  extra=$(sed -n 's/^# server-flags: *//p' "$sc")
  start_server "$bin" "$dir" "$extra" || { echo "[server failed to start]" >"$dir/raw.txt"; return; }
  export WORKDIR=$dir; mkdir -p "$WORKDIR"
  ( . "$here/lib.sh"; . "$sc" ) >"$dir/raw.txt" 2>&1
  stop_server
  WORKDIR=$dir python3 "$here/normalize.py" <"$dir/raw.txt" >"$dir/norm.txt"
}

RUNS=${RUNS:-cand}
case " $RUNS " in *" ctl-"*) [ -n "${CTL_CANDIDATE:-}" ] || { echo "RUNS=$RUNS needs CTL_CANDIDATE" >&2; exit 2; };; esac
[ -z "${CTL_CANDIDATE:-}" ] || CTL_CANDIDATE=$(readlink -f "$CTL_CANDIDATE")
pass=0 fail=0
for sc in "${scenarios[@]}"; do
  name=$(basename "$sc" .sh)
  run_scenario "$REF" "$sc" "$OUT/$name/ref" "$ETCDCTL"
  for r in $RUNS; do
    case $r in
      cand) dir=cand diff=diff.txt; run_scenario "$CAND" "$sc" "$OUT/$name/cand" "${CAND_ETCDCTL:-$ETCDCTL}" ;;
      ctl-ref) dir=ctl-ref diff=diff-ctl-ref.txt; run_scenario "$REF" "$sc" "$OUT/$name/$dir" "$CTL_CANDIDATE" ;;
      ctl-cand) dir=ctl-cand diff=diff-ctl-cand.txt; run_scenario "$CAND" "$sc" "$OUT/$name/$dir" "$CTL_CANDIDATE" ;;
      *) echo "unknown run $r" >&2; exit 2 ;;
    esac
    label=$name; [ "$r" = cand ] || label="$name ($r)"
    if diff -u "$OUT/$name/ref/norm.txt" "$OUT/$name/$dir/norm.txt" >"$OUT/$name/$diff"; then
      pass=$((pass + 1)); echo "ok    $label"
    else
      fail=$((fail + 1)); echo "FAIL  $label   (diff: $OUT/$name/$diff)"
    fi
  done
done
echo "transcripts in $OUT"
echo "compat: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
