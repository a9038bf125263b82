#!/bin/bash
# run_scenario.sh OUR_ETCD SCENARIO PORT: one differential scenario as a meson test.
# Skips (exit 77) when the reference etcd/etcdctl 3.4.23 are not installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cand=$1 sc=$2 port=$3
for b in "${REF:-/usr/bin/etcd}" "${ETCDCTL:-/usr/bin/etcdctl}"; do
  [ -x "$b" ] || { echo "reference $b not installed: skipping"; exit 77; }
done
out=$(mktemp -d /tmp/compat-XXXXXX)
PORT=$port OUT=$out "$here/compare.sh" "$cand" "$here/scenarios/$sc.sh"
rc=$?
if [ $rc -ne 0 ]; then
  echo "--- diff (reference vs ours) ---"
  cat "$out/$sc/diff.txt" 2>/dev/null
  echo "--- our server log (tail) ---"
  tail -30 "$out/$sc/cand/server.log" 2>/dev/null
else
  rm -rf "$out"
fi
exit $rc
