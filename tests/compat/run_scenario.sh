#!/bin/bash
# run_scenario.sh OUR_ETCD SCENARIO PORT [OUR_ETCDCTL RUNS]: one differential scenario as
# a meson test. Without OUR_ETCDCTL: our etcd with the real etcdctl against the reference.
# With it, RUNS (see compare.sh: "ctl-ref", "ctl-cand") says which runs use our etcdctl.
# Skips (exit 77) when the reference etcd/etcdctl 3.4.23 are not installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cand=$1 sc=$2 port=$3
if [ -n "${4:-}" ]; then export CTL_CANDIDATE=$4 RUNS=${5:-ctl-ref}; fi
for b in "${REF:-/usr/bin/etcd}" "${ETCDCTL:-/usr/bin/etcdctl}"; do
  [ -x "$b" ] || { echo "reference $b not installed: skipping"; exit 77; }
done
out=$(mktemp -d /tmp/compat-XXXXXX)
PORT=$port OUT=$out "$here/compare.sh" "$cand" "$here/scenarios/$sc.sh"
rc=$?
if [ $rc -ne 0 ]; then
  for d in "$out/$sc"/diff*.txt; do
    [ -s "$d" ] || continue
    echo "--- $(basename "$d") (reference vs ours) ---"
    cat "$d"
  done
  echo "--- our server log (tail) ---"
  tail -30 "$out/$sc/cand/server.log" 2>/dev/null
else
  rm -rf "$out"
fi
exit $rc
