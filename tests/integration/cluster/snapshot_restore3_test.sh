#!/bin/bash
# Snapshot round trip between 3-member clusters (issue 9): load a 3-member cluster of
# our etcd, `etcdctl snapshot save` (the real etcdctl 3.4) from a follower, restore the
# file with our etcdutl into three data dirs of a NEW cluster (--name --initial-cluster
# --initial-cluster-token --initial-advertise-peer-urls --data-dir), start it: every
# member has the same keys, values, create/mod revisions and revision, the new
# membership, and accepts and replicates writes.
#   snapshot_restore3_test.sh ETCD ETCDUTL BASE   (source cluster on BASE+1..BASE+53,
#   restored cluster on BASE+101..BASE+153, member i on 127.0.0.i)
set -u
ETCD=$1; ETCDUTL=$2; BASE0=$3
here=$(dirname "$0")
. "$here/../lib.sh"
BASE=$BASE0
. "$here/cluster_lib.sh"
N=3

start_cluster
# Load: three 100-put txns through different members, single puts, deletes, a lease.
for m in 1 2 3; do
  { echo; for k in $(seq 1 100); do echo "put k$m/$(printf %03d "$k") value-$m-$k"; done; echo; echo; } |
    ctl "$(ep "$m")" txn >/dev/null || die "txn through member $m"
done
for k in 1 2 3 4 5; do ctl "$(ep 2)" put "single/$k" "s$k" >/dev/null || die "put single/$k"; done
ctl "$(ep 3)" put k1/001 overwritten >/dev/null || die "overwrite"
ctl "$(ep 1)" del k2/ --prefix | grep -qx 100 || die "del k2/"
ctl "$(ep 1)" del k3/050 >/dev/null || die "del"
lease=$(ctl "$(ep 1)" lease grant 3600 | awk '{print $2}')
ctl "$(ep 1)" put leased x --lease="$lease" >/dev/null || die "leased put"
converged 20 >/dev/null || die "source cluster did not converge"

lead=$(wait_leader 10) || die "no leader"
follower=$(( lead % 3 + 1 ))
ctl "$(ep "$follower")" snapshot save "$TMP/snap.db" >"$TMP/save.out" 2>&1 ||
  { cat "$TMP/save.out"; die "snapshot save from member $follower"; }
ctl "$(ep "$follower")" get "" --prefix -w json >"$TMP/src.json" || die "source dump"
src_rev=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["header"]["revision"])' "$TMP/src.json")
st_rev=$("$ETCDUTL" snapshot status "$TMP/snap.db" -w json |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])') || die "status"
[ "$st_rev" = "$src_rev" ] || die "snapshot revision $st_rev, cluster revision $src_rev"
for i in 1 2 3; do kill_member "$i" TERM; done

# Restore into a new cluster (other ports, other token).
rm -rf "$TMP"/m1 "$TMP"/m2 "$TMP"/m3
BASE=$((BASE0 + 100))
for i in 1 2 3; do
  "$ETCDUTL" snapshot restore "$TMP/snap.db" --name "m$i" --data-dir "$TMP/m$i" \
    --initial-cluster "$(initial_cluster)" --initial-cluster-token "cc-test-$BASE" \
    --initial-advertise-peer-urls "http://$(host "$i"):$(pport "$i")" \
    >"$TMP/restore$i.out" 2>&1 || { cat "$TMP/restore$i.out"; fail "restore m$i"; }
done
start_cluster
for i in 1 2 3; do
  ctl "$(ep "$i")" get "" --prefix -w json >"$TMP/dst$i.json" || die "dump of member $i"
  python3 - "$TMP/src.json" "$TMP/dst$i.json" <<'PY' || die "member $i differs from the source"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
kv = lambda d: [(k["key"], k.get("value"), k["create_revision"], k["mod_revision"],
                 k["version"], k.get("lease", 0)) for k in d.get("kvs", [])]
assert kv(a) == kv(b), "keys differ"
assert a["header"]["revision"] == b["header"]["revision"], (a["header"], b["header"])
assert len(kv(a)) == 100 + 99 + 5 + 1, len(kv(a))
PY
done
ml=$(ctl "$(ep 1)" member list) || die "member list"
for i in 1 2 3; do
  echo "$ml" | grep -q "started, m$i, http://$(host "$i"):$(pport "$i"), http://$(host "$i"):$(cport "$i"), false" ||
    die "member list: $ml"
done
ctl "$(ep 2)" lease timetolive "$lease" | grep -q "granted with TTL(3600s)" || die "lease lost"
ctl "$(ep 3)" put after-restore yes >/dev/null || die "write after restore"
converged 20 >/dev/null || die "restored cluster did not converge after a write"
[ "$(ctl "$(ep 1)" get after-restore --print-value-only)" = yes ] || die "write not replicated"
echo "PASS"
