#!/bin/bash
# NOSPACE alarm end to end, as etcd 3.4.23 behaves (checked against it): a member with a
# small --quota-backend-bytes raises NOSPACE when a put would exceed the quota; puts
# then fail with "etcdserver: mvcc: database space exceeded", `alarm list` shows
# "memberID:<id> alarm:NOSPACE", the alarm survives a restart, deletes/compaction/
# defrag still work, and writes succeed again only after `alarm disarm`.
#   alarm_test.sh ETCD PORT   (uses PORT..PORT+1)
set -u
ETCD=$1; PORT=$2
. "$(dirname "$0")/lib.sh"
EP=127.0.0.1:$PORT
start_etcd a1 "$TMP/data" "$PORT" $((PORT + 1)) --quota-backend-bytes=300000
id=$(ctl "$EP" member list -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["members"][0]["ID"])')

# Incompressible 20 kB values until the quota refuses one (bounded).
refused=""
for i in $(seq 1 100); do
  v=$(head -c 15000 /dev/urandom | base64 -w0)
  if ! ctl "$EP" put "k$i" "$v" >/dev/null 2>"$TMP/err"; then refused=$i; break; fi
done
[ -n "$refused" ] || fail "quota never reached after 100 puts of 20 kB"
grep -q "^Error: etcdserver: mvcc: database space exceeded$" "$TMP/err" || fail "put error: $(cat "$TMP/err")"
out=$(ctl "$EP" alarm list) || fail "alarm list"
[ "$out" = "memberID:$id alarm:NOSPACE " ] || fail "alarm list: '$out'"
ctl "$EP" put small x >/dev/null 2>"$TMP/err" && fail "small put accepted under NOSPACE"
grep -q "database space exceeded" "$TMP/err" || fail "small put error: $(cat "$TMP/err")"
ctl "$EP" lease grant 60 >/dev/null 2>"$TMP/err" && fail "lease grant accepted under NOSPACE"
ctl "$EP" endpoint status -w json | grep -q "alarm:NOSPACE" || fail "endpoint status has no alarm error"
ctl "$EP" get k1 --keys-only | grep -qx k1 || fail "reads refused under NOSPACE"

# The alarm is persisted: still there after a restart.
stop_etcd "$SERVER_PID" TERM
start_etcd a1 "$TMP/data" "$PORT" $((PORT + 1)) --quota-backend-bytes=300000
out=$(ctl "$EP" alarm list) || fail "alarm list after restart"
[ "$out" = "memberID:$id alarm:NOSPACE " ] || fail "alarm list after restart: '$out'"

# Free space: delete, compact, defrag. Writes stay refused until the disarm.
ctl "$EP" del k --prefix >/dev/null || fail "delete under NOSPACE"
rev=$(ctl "$EP" get nothing -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
ctl "$EP" compact "$rev" | grep -qx "compacted revision $rev" || fail "compact"
ctl "$EP" defrag | grep -q "^Finished defragmenting etcd member\[$EP\]" || fail "defrag"
ctl "$EP" put after-defrag x >/dev/null 2>&1 && fail "put accepted before the disarm"
out=$(ctl "$EP" alarm disarm) || fail "alarm disarm"
[ "$out" = "memberID:$id alarm:NOSPACE " ] || fail "alarm disarm printed '$out'"
out=$(ctl "$EP" alarm list) || fail "alarm list after disarm"
[ -z "$out" ] || fail "alarm list after disarm: '$out'"
ctl "$EP" put after-disarm x | grep -qx OK || fail "put after disarm"
ctl "$EP" lease grant 60 | grep -q "granted with TTL(60s)" || fail "lease grant after disarm"
echo "PASS"
