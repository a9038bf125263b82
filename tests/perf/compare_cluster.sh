#!/bin/bash
# Three-member performance run: the same load generator (our `etcd-benchmark`) against
# a 3-member etcd 3.4.23 cluster and a 3-member cluster of ours, one cluster at a time,
# members on 127.0.0.1..3. Puts go to the leader (as etcd's benchmark docs do).
#
# The two clusters take turns: ROUNDS rounds (default 3), each starting a fresh etcd
# cluster (put with 1000 clients once, then put with 1 client twice) and then a fresh
# cluster of ours (the same). This machine's disk and CPUs are shared with other
# virtual machines and their speed drifts by up to ~25 % from one minute to the next
# (a plain pwrite+fdatasync loop: 160-240 us per op); single runs taken minutes apart
# compare the drift as much as the servers. Each round's pair of clusters runs within
# a minute, and the table reports the median of every sample of each side, the ratio
# of the medians, and each round's own ratio.
# Prints a Markdown table (paste into docs/performance.md).
#   tests/perf/compare_cluster.sh [BUILD_DIR]
# Environment: REF (default /usr/bin/etcd), QUICK=1 for smaller totals, BASE (ports),
# ROUNDS.
# Not part of the test suite: figures are measurements, never assertions.
set -u
. "$(dirname "$0")/lib.sh"
BASE=${BASE:-27600}
TMP=$(mktemp -d /tmp/etcd-perf3-XXXXXX)
if [ -n "${QUICK:-}" ]; then N_MANY=20000; N_ONE=500; else N_MANY=100000; N_ONE=2000; fi
ROUNDS=${ROUNDS:-3}
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

declare -A R  # R[label,measure] = space-separated samples
run() {  # LABEL BIN
  start_cluster "$2" "$TMP/$1"
  local L; L=$(leader_ep)
  R[$1,put1000]+="$(bench "$L" --conns 100 --clients 1000 put --total "$N_MANY" --key-size 8 --val-size 256) "
  local i
  for i in 1 2; do
    R[$1,put1]+="$(bench "$L" --conns 1 --clients 1 put --total "$N_ONE" --key-size 8 --val-size 256) "
  done
  stop_all
  rm -rf "$TMP/$1"
}
median() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(round(statistics.median(v)) if v else 0)" $1; }
rounds() {  # MEASURE PER_ROUND -> each round's ours/etcd ratio of its medians
  python3 - "${R[ref,$1]}" "${R[ours,$1]}" "$2" <<'PY'
import statistics, sys
ref, ours, k = [float(x) for x in sys.argv[1].split()], [float(x) for x in sys.argv[2].split()], int(sys.argv[3])
out = []
for i in range(0, min(len(ref), len(ours)), k):
    r, o = statistics.median(ref[i:i + k]), statistics.median(ours[i:i + k])
    out.append(f"{o / r:.2f}×" if r else "n/a")
print(" / ".join(out))
PY
}
for _ in $(seq 1 "$ROUNDS"); do
  run ref "$REF"
  run ours "$CAND"
done

M_REF1000=$(median "${R[ref,put1000]}"); M_OURS1000=$(median "${R[ours,put1000]}")
M_REF1=$(median "${R[ref,put1]}"); M_OURS1=$(median "${R[ours,put1]}")
cat <<MD
| 3 members (median of $ROUNDS rounds) | etcd 3.4.23 | ours | ours / etcd | each round's ratio |
|---|---|---|---|---|
| put, 1000 clients (req/s) | $M_REF1000 | $M_OURS1000 | $(ratio "$M_OURS1000" "$M_REF1000") | $(rounds put1000 1) |
| put, 1 client (req/s) | $M_REF1 | $M_OURS1 | $(ratio "$M_OURS1" "$M_REF1") | $(rounds put1 2) |

samples (req/s), etcd: put 1000 clients ${R[ref,put1000]}; put 1 client ${R[ref,put1]}
samples (req/s), ours: put 1000 clients ${R[ours,put1000]}; put 1 client ${R[ours,put1]}
MD
echo
machine_line
