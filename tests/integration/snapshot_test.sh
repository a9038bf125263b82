#!/bin/bash
# Snapshot round trip on one member: `etcdctl snapshot save` (the real etcdctl 3.4)
# from our server while writes continue, `etcdutl snapshot status`, `etcdutl snapshot
# restore` into a new data dir, our etcd started on it: same keys, values and
# revision, and the writer's keys form a gap-free prefix (a consistent point in time).
# Then: a corrupted snapshot is refused by restore and status.
#   snapshot_test.sh ETCD ETCDUTL PORT   (uses PORT..PORT+3)
set -u
ETCD=$1; ETCDUTL=$2; PORT=$3
. "$(dirname "$0")/lib.sh"
EP=127.0.0.1:$PORT
start_etcd s1 "$TMP/data" "$PORT" $((PORT + 1))
for i in $(seq 1 100); do ctl "$EP" put "base/$i" "value-$i" >/dev/null || fail "put base/$i"; done
ctl "$EP" del base/7 >/dev/null || fail "del"
lease=$(ctl "$EP" lease grant 3600 | awk '{print $2}')
ctl "$EP" put leased x --lease="$lease" >/dev/null || fail "put with lease"

# A writer running through the save: w/000001, w/000002, ... in order.
( i=0; while [ ! -f "$TMP/stop" ] && [ $i -lt 5000 ]; do i=$((i + 1)); ctl "$EP" put "w/$(printf %06d $i)" "$i" >/dev/null || break; done ) &
writer=$!
PIDS+=("$writer")
sleep 1
ctl "$EP" snapshot save "$TMP/snap.db" >"$TMP/save.out" 2>&1 || { cat "$TMP/save.out"; fail "snapshot save"; }
grep -q "Snapshot saved at $TMP/snap.db" "$TMP/save.out" || { cat "$TMP/save.out"; fail "no 'Snapshot saved' line"; }
touch "$TMP/stop"; wait "$writer" 2>/dev/null
size=$(stat -c %s "$TMP/snap.db")
[ $((size % 512)) -eq 32 ] || fail "snapshot size $size is not n*512+32"

# Status in every form.
st=$("$ETCDUTL" snapshot status "$TMP/snap.db" -w json) || fail "status: $st"
rev=$(echo "$st" | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
[ "$rev" -gt 100 ] || fail "status revision $rev"
"$ETCDUTL" snapshot status "$TMP/snap.db" | grep -Eq "^[0-9a-f]+, $rev, [0-9]+, [0-9.]+ [kM]?B, 3.5.0$" || fail "simple status: $("$ETCDUTL" snapshot status "$TMP/snap.db")"
"$ETCDUTL" snapshot status "$TMP/snap.db" -w table | grep -q "| TOTAL KEYS |" || fail "table status"

# Restore, start, compare.
"$ETCDUTL" snapshot restore "$TMP/snap.db" --name r1 --data-dir "$TMP/restored" \
  --initial-cluster "r1=http://127.0.0.1:$((PORT + 3))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((PORT + 3))" --initial-cluster-token rt \
  >"$TMP/restore.out" 2>&1 || { cat "$TMP/restore.out"; fail "restore"; }
grep -q "restored snapshot" "$TMP/restore.out" || fail "no 'restored snapshot' log line"
"$ETCDUTL" snapshot restore "$TMP/snap.db" --data-dir "$TMP/restored" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc -eq 1 ] && grep -q "Error: data-dir \"$TMP/restored\" exists" "$TMP/err" || fail "restore into an existing dir: rc=$rc $(cat "$TMP/err")"

ctl "$EP" get base/ --prefix -w json >"$TMP/src.json"
stop_etcd "$SERVER_PID" TERM
R=127.0.0.1:$((PORT + 2))
"$ETCD" --name r1 --data-dir "$TMP/restored" \
  --listen-client-urls "http://$R" --advertise-client-urls "http://$R" \
  --listen-peer-urls "http://127.0.0.1:$((PORT + 3))" >>"$TMP/r1.log" 2>&1 &
SERVER_PID=$!; PIDS+=("$SERVER_PID")
wait_healthy "$R" "$SERVER_PID"
ctl "$R" get base/ --prefix -w json >"$TMP/dst.json"
python3 - "$TMP/src.json" "$TMP/dst.json" <<'PY' || fail "base/ keys differ after restore"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda d: [(k["key"], k.get("value"), k["create_revision"], k["mod_revision"], k["version"]) for k in d.get("kvs", [])]
assert strip(a) == strip(b), (len(strip(a)), len(strip(b)))
PY
got_rev=$(ctl "$R" get nothing -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
[ "$got_rev" = "$rev" ] || fail "restored revision $got_rev, snapshot revision $rev"
# Consistency: the writer's keys in the snapshot are exactly w/1..w/n, n = rev - base.
n=$(ctl "$R" get w/ --prefix --keys-only | grep -c '^w/')
last=$(ctl "$R" get w/ --prefix --keys-only --sort-by=KEY --order=DESCEND --limit 1 | head -1)
[ "$n" -gt 0 ] || fail "no writer keys in the snapshot (the save did not overlap the writes)"
[ "$last" = "w/$(printf %06d "$n")" ] || fail "writer keys not a prefix: $n keys, last $last"
[ $((103 + n)) -eq "$rev" ] || fail "revision $rev does not match 100 puts + del + lease put + $n writes"
ctl "$R" get leased --print-value-only | grep -qx x || fail "leased key lost"
ctl "$R" lease timetolive "$lease" | grep -q "granted with TTL(3600s)" || fail "lease lost: $(ctl "$R" lease timetolive "$lease")"
ctl "$R" member list | grep -q "started, r1, http://127.0.0.1:$((PORT + 3))" || fail "member list: $(ctl "$R" member list)"
ctl "$R" put after-restore 1 >/dev/null || fail "write after restore"

# Corruption: flip one byte inside the image.
cp "$TMP/snap.db" "$TMP/bad.db"
printf '\xff' | dd of="$TMP/bad.db" bs=1 seek=200 conv=notrunc 2>/dev/null
"$ETCDUTL" snapshot restore "$TMP/bad.db" --data-dir "$TMP/bad1" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^Error: expected sha256 \[" "$TMP/err" || fail "corrupt restore: rc=$rc $(cat "$TMP/err")"
[ ! -e "$TMP/bad1/member/wal" ] || fail "corrupt restore left a WAL behind"
"$ETCDUTL" snapshot restore "$TMP/bad.db" --skip-hash-check --data-dir "$TMP/bad2" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^Error: snapshot file integrity check failed" "$TMP/err" || fail "corrupt restore --skip-hash-check: rc=$rc $(cat "$TMP/err")"
"$ETCDUTL" snapshot status "$TMP/bad.db" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^Error: snapshot file integrity check failed" "$TMP/err" || fail "corrupt status: rc=$rc $(cat "$TMP/err")"
head -c 1000 "$TMP/snap.db" >"$TMP/short.db"
"$ETCDUTL" snapshot restore "$TMP/short.db" --data-dir "$TMP/bad3" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^Error: snapshot missing hash but --skip-hash-check=false" "$TMP/err" || fail "truncated restore: rc=$rc $(cat "$TMP/err")"
echo "PASS"
