#!/bin/bash
# `etcd` with no flags behaves like etcd: name "default", data dir ./default.etcd,
# clients on localhost:2379, peers on localhost:2380. Skips when 2379/2380 are taken.
set -u
ETCD=$1
. "$(dirname "$0")/lib.sh"
for p in 2379 2380; do port_busy $p && { echo "port $p busy: skipping"; exit 77; }; done
cd "$TMP"
"$ETCD" >"$TMP/default.log" 2>&1 &
SERVER_PID=$!; PIDS+=("$SERVER_PID")
wait_healthy 127.0.0.1:2379 "$SERVER_PID"
[ -d "$TMP/default.etcd/member" ] || fail "data dir default.etcd/member not created"
ctl 127.0.0.1:2379 put hello world >/dev/null || fail "put"
[ "$(ETCDCTL_API=3 "$ETCDCTL" get hello --print-value-only)" = "world" ] || fail "etcdctl with its default endpoint"
ml=$(ctl 127.0.0.1:2379 member list)
echo "$ml" | grep -q ", started, default, http://localhost:2380, http://localhost:2379, false$" || fail "member list: $ml"
stop_etcd "$SERVER_PID" TERM
echo "PASS"
