#!/bin/bash
# The v2 members and stats API (--enable-v2) of our etcd against Debian's etcd 3.4.23:
# the same requests on a one-member cluster of each must get the same status codes,
# the same error messages and the same JSON field names. Then, on ours only, a member
# added with POST /v2/members really joins (--initial-cluster-state existing), PUT
# updates its peer URLs and DELETE removes it (204).
# usage: v2_members_test.sh OUR_ETCD ORACLE_ETCD PORT_BASE
set -uo pipefail
ours=$1 oracle=$2 base=${3:-22200}
[ -x "$oracle" ] || { echo "oracle $oracle missing: skip"; exit 77; }
source "$(dirname "$0")/lib.sh"

start_v2_service ours "$ours" "$base"
start_v2_service etcd "$oracle" $((base + 10))
O="http://127.0.0.1:$base" E="http://127.0.0.1:$((base + 10))"
oid=$(curl -s "$O/v2/stats/self" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' | head -1)
eid=$(curl -s "$E/v2/stats/self" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' | head -1)

# shape BODY: the JSON with every value replaced by its type (field names and nesting).
shape() { python3 -c '
import json,sys
def t(v):
    if isinstance(v,dict): return {k:t(x) for k,x in v.items()} if not all(len(k)==16 for k in v) or not v else {"<id>":t(next(iter(v.values())))}
    if isinstance(v,list): return [t(v[0])] if v else []
    return type(v).__name__
try: print(json.dumps(t(json.loads(sys.stdin.read())),sort_keys=True))
except Exception: print("not-json")'; }

# same LABEL MODE METHOD PATH [curl args...]: MODE body = exact body (ids masked), shape = JSON shape.
same() {
  local label=$1 mode=$2 method=$3 path=$4; shift 4
  local a b sa sb
  a=$(curl -s -o "$tmp/a" -w '%{http_code}' -X "$method" "$O${path//@ID@/$oid}" "$@")
  b=$(curl -s -o "$tmp/b" -w '%{http_code}' -X "$method" "$E${path//@ID@/$eid}" "$@")
  if [ "$mode" = body ]; then
    sa=$(sed "s/$oid/<id>/g" "$tmp/a"); sb=$(sed "s/$eid/<id>/g" "$tmp/b")
  else
    sa=$(shape <"$tmp/a"); sb=$(shape <"$tmp/b")
  fi
  if [ "$a" = "$b" ] && [ "$sa" = "$sb" ]; then ok "$label: $a $sa"
  else ko "$label: ours $a '$sa' vs etcd $b '$sb'"; fi
}
J=(-H 'Content-Type: application/json')
same "GET members" shape GET /v2/members
same "GET members/leader" shape GET /v2/members/leader
same "GET members/<unknown>" body GET /v2/members/abc
same "POST without JSON type" body POST /v2/members -d '{"peerURLs":["http://127.0.0.1:1"]}'
same "POST truncated JSON" status-only POST /v2/members "${J[@]}" -d '{"peerURLs":'
same "POST bad scheme" body POST /v2/members "${J[@]}" -d '{"peerURLs":["foo"]}'
same "POST no URLs" body POST /v2/members "${J[@]}" -d '{}'
same "DELETE unknown member" body DELETE /v2/members/1234
same "DELETE bad id" body DELETE /v2/members/xyz
same "DELETE without id" body DELETE /v2/members
same "PUT unknown member" body PUT /v2/members/1234 "${J[@]}" -d '{"peerURLs":["http://127.0.0.1:9"]}'
same "PATCH members" body PATCH /v2/members
same "POST stats/self" body POST /v2/stats/self
same "GET stats/self" shape GET /v2/stats/self
same "GET stats/leader" shape GET /v2/stats/leader
same "GET stats/store" shape GET /v2/stats/store
same "GET stats/nothing" body GET /v2/stats/nothing
# The existing-URL case against etcd uses etcd's own peer URL.
c=$(curl -s -o "$tmp/e" -w '%{http_code}' -XPOST "$E/v2/members" "${J[@]}" -d "{\"peerURLs\":[\"http://127.0.0.1:$((base + 11))\"]}")
d=$(curl -s -o "$tmp/o" -w '%{http_code}' -XPOST "$O/v2/members" "${J[@]}" -d "{\"peerURLs\":[\"http://127.0.0.1:$((base + 1))\"]}")
[ "$c $(cat "$tmp/e")" = "$d $(cat "$tmp/o")" ] && ok "POST an existing peer URL: $d $(cat "$tmp/o")" \
  || ko "existing peer URL: ours $d $(cat "$tmp/o") vs etcd $c $(cat "$tmp/e")"
[ "$(curl -s "$O/v2/stats/self" | sed -n 's/.*"state":"\([A-Za-z]*\)".*/\1/p')" = StateLeader ] \
  && ok "stats/self state StateLeader" || ko "stats/self: $(curl -s "$O/v2/stats/self")"
curl -s -XPUT "$O/v2/keys/s1" -d value=1 >/dev/null; curl -s "$O/v2/keys/s1" >/dev/null; curl -s "$O/v2/keys/nope" >/dev/null
st=$(curl -s "$O/v2/stats/store")
echo "$st" | grep -q '"getsSuccess":1,"getsFail":1,"setsSuccess":1' && ok "stats/store counts gets and sets" \
  || ko "stats/store: $st"

# Add a member for real, start it, update its peer URLs, remove it.
np=$((base + 20))
add=$(curl -s -w ' %{http_code}' -XPOST "$O/v2/members" "${J[@]}" -d "{\"peerURLs\":[\"http://127.0.0.1:$((np + 1))\"]}")
nid=$(echo "$add" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
if [ "${add##* }" = 201 ] && echo "$add" | grep -q '"name":"","peerURLs":\["http://127.0.0.1:'$((np + 1))'"\],"clientURLs":\[\]'; then
  ok "POST /v2/members: 201 $add"
else
  ko "POST /v2/members: $add"
fi
"$ours" --name n2 --data-dir "$tmp/n2" --enable-v2 --initial-cluster-state existing \
  --listen-client-urls "http://127.0.0.1:$np" --advertise-client-urls "http://127.0.0.1:$np" \
  --listen-peer-urls "http://127.0.0.1:$((np + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((np + 1))" \
  --initial-cluster "ours=http://127.0.0.1:$((base + 1)),n2=http://127.0.0.1:$((np + 1))" >"$tmp/n2.log" 2>&1 &
pids+=($!)
wait_health "http://127.0.0.1:$np" && ok "the added member joined" || { ko "added member did not join"; tail "$tmp/n2.log"; }
[ "$(curl -s "$O/v2/members" | grep -o '"id"' | wc -l)" = 2 ] && ok "GET /v2/members lists 2" || ko "members: $(curl -s "$O/v2/members")"
leader=$(curl -s "$O/v2/members/leader" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
st=$(curl -s -o "$tmp/l" -w '%{http_code}' "http://127.0.0.1:$np/v2/stats/leader")
if [ "$leader" = "$oid" ] && [ "$st" = 403 ] && grep -q '"message":"not current leader"' "$tmp/l"; then
  ok "stats/leader on the follower: 403 not current leader"
else
  ko "leader $leader vs $oid; follower stats/leader $st $(cat "$tmp/l")"
fi
curl -s "$O/v2/stats/leader" | grep -q "\"$nid\":{\"latency\"" && ok "stats/leader lists the follower" \
  || ko "stats/leader: $(curl -s "$O/v2/stats/leader")"
curl -s "http://127.0.0.1:$np/v2/stats/self" | grep -q '"state":"StateFollower"' && ok "stats/self on the follower" \
  || ko "follower stats/self: $(curl -s "http://127.0.0.1:$np/v2/stats/self")"
up=$(curl -s -w '%{http_code}' -XPUT "$O/v2/members/$nid" "${J[@]}" -d "{\"peerURLs\":[\"http://localhost:$((np + 1))\"]}")
[ "$up" = 204 ] && curl -s "$O/v2/members" | grep -q "http://localhost:$((np + 1))" && ok "PUT /v2/members/<id>: 204, peer URLs updated" \
  || ko "PUT: $up $(curl -s "$O/v2/members")"
# The strict reconfig check refuses until the member has been connected for 5 s.
for _ in $(seq 1 40); do
  del=$(curl -s -o /dev/null -w '%{http_code}' -XDELETE "$O/v2/members/$nid")
  [ "$del" = 500 ] || break
  sleep 0.5
done
[ "$del" = 204 ] && [ "$(curl -s "$O/v2/members" | grep -o '"id"' | wc -l)" = 1 ] && ok "DELETE /v2/members/<id>: 204, 1 member left" \
  || ko "DELETE: $del $(curl -s "$O/v2/members")"
again=$(curl -s -w ' %{http_code}' -XDELETE "$O/v2/members/$nid")
# etcd says 410 "Member permanently removed"; ours 404 (the server's MemberRemove does not
# tell a removed member from an unknown one; docs/compatibility.md).
[ "$again" = "{\"message\":\"No such member: $nid\"} 404" ] && ok "DELETE a removed member: 404" \
  || ko "DELETE again: $again"
echo "$passed passed, $fail failed"
[ $fail = 0 ]
