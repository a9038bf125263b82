#!/bin/bash
# Three-member performance run: the same load generator (our `etcd-benchmark`) against
# a 3-member etcd 3.4.23 cluster and a 3-member cluster of ours, one cluster at a time,
# members on 127.0.0.1..3. Puts go to the leader (as etcd's benchmark docs do).
# Prints a Markdown table (paste into docs/performance.md).
#   tests/perf/compare_cluster.sh [BUILD_DIR]
# Environment: REF (default /usr/bin/etcd), QUICK=1 for smaller totals, BASE (ports).
# Not part of the test suite: figures are measurements, never assertions.
set -u
. "$(dirname "$0")/lib.sh"
BASE=${BASE:-27600}
TMP=$(mktemp -d /tmp/etcd-perf3-XXXXXX)
if [ -n "${QUICK:-}" ]; then N_MANY=20000; N_ONE=500; else N_MANY=100000; N_ONE=2000; fi
PIDS=()

ep() { echo "127.0.0.$1:$((BASE + $1))"; }
stop_all() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null
  done
  PIDS=()
  sync  # the stopped cluster's dirty pages must not be written back during the next run
}
trap 'stop_all; rm -rf "$TMP"' EXIT

start_cluster() {  # BIN DIR
  local ic="" i
  for i in 1 2 3; do ic+="${ic:+,}p$i=http://127.0.0.$i:$((BASE + 50 + i))"; done
  for i in 1 2 3; do
    "$1" --name "p$i" --data-dir "$2/p$i" \
      --listen-client-urls "http://$(ep $i)" --advertise-client-urls "http://$(ep $i)" \
      --listen-peer-urls "http://127.0.0.$i:$((BASE + 50 + i))" \
      --initial-advertise-peer-urls "http://127.0.0.$i:$((BASE + 50 + i))" \
      --initial-cluster "$ic" --initial-cluster-token perf3 --initial-cluster-state new \
      --quota-backend-bytes 8589934592 >>"$TMP/server.log" 2>&1 &
    PIDS+=("$!")
  done
  for _ in $(seq 1 150); do
    ETCDCTL_API=3 "$ETCDCTL" --endpoints "$(ep 1),$(ep 2),$(ep 3)" endpoint health >/dev/null 2>&1 && break
    sleep 0.2
  done
}
leader_ep() {
  local i lead id
  for i in 1 2 3; do
    id=$(ETCDCTL_API=3 "$ETCDCTL" --endpoints "$(ep $i)" endpoint status -w fields 2>/dev/null | awk '$1 == "\"MemberID\"" {print $3}')
    lead=$(ETCDCTL_API=3 "$ETCDCTL" --endpoints "$(ep $i)" endpoint status -w fields 2>/dev/null | awk '$1 == "\"Leader\"" {print $3}')
    [ -n "$id" ] && [ "$id" = "$lead" ] && { ep "$i"; return; }
  done
  ep 1
}
bench() {  # ENDPOINT ARGS... -> rps
  "$BENCH" --endpoints "$1" --json "${@:2}" 2>>"$TMP/bench.err" |
    python3 -c 'import json,sys; print(round(json.load(sys.stdin)["requests_per_sec"]))'
}

declare -A R
run() {  # LABEL BIN
  start_cluster "$2" "$TMP/$1"
  local L; L=$(leader_ep)
  R[$1,put1000]=$(bench "$L" --conns 100 --clients 1000 put --total "$N_MANY" --key-size 8 --val-size 256)
  R[$1,put1]=$(bench "$L" --conns 1 --clients 1 put --total "$N_ONE" --key-size 8 --val-size 256)
  stop_all
}
run ref "$REF"
run ours "$CAND"

cat <<MD
| 3 members | etcd 3.4.23 | ours | ours / etcd |
|---|---|---|---|
| put, 1000 clients (req/s) | ${R[ref,put1000]} | ${R[ours,put1000]} | $(ratio "${R[ours,put1000]}" "${R[ref,put1000]}") |
| put, 1 client (req/s) | ${R[ref,put1]} | ${R[ours,put1]} | $(ratio "${R[ours,put1]}" "${R[ref,put1]}") |
MD
echo
machine_line
