#!/bin/bash
# Data survives a clean stop and restart: keys, values, revision, leases.
set -u
ETCD=$1; PORT=$2
. "$(dirname "$0")/lib.sh"
EP=127.0.0.1:$PORT
start_etcd r1 "$TMP/data" "$PORT" $((PORT + 1))
for i in $(seq 1 50); do ctl "$EP" put "k$i" "v$i" >/dev/null || fail "put k$i"; done
ctl "$EP" del k7 >/dev/null || fail "del"
lease=$(ctl "$EP" lease grant 600 | awk '{print $2}')
ctl "$EP" put leased x --lease="$lease" >/dev/null || fail "put with lease"
before=$(ctl "$EP" get "" --prefix -w json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["header"]["revision"], d["count"])')
stop_etcd "$SERVER_PID" TERM
start_etcd r1 "$TMP/data" "$PORT" $((PORT + 1))
after=$(ctl "$EP" get "" --prefix -w json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["header"]["revision"], d["count"])')
[ "$before" = "$after" ] || fail "revision/count before restart '$before', after '$after'"
[ "$(ctl "$EP" get k50 --print-value-only)" = "v50" ] || fail "k50 lost"
[ -z "$(ctl "$EP" get k7)" ] || fail "deleted key k7 came back"
ctl "$EP" lease timetolive "$lease" | grep -q "granted with TTL(600s)" || fail "lease lost: $(ctl "$EP" lease timetolive "$lease")"
ctl "$EP" put after-restart 1 >/dev/null || fail "write after restart"
echo "PASS"
