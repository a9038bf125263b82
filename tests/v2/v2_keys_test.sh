#!/bin/bash
# Differential test of the v2 keys API (--enable-v2): the same curl requests against
# Debian's etcd 3.4.23 and against our etcd; bodies and status codes must match after
# normalizing indexes (each server's first write is index 1), expiration timestamps and
# cluster IDs. Then a long poll (wait=true) and TTL expiry on ours.
# usage: v2_keys_test.sh OUR_ETCD ORACLE_ETCD PORT_BASE
set -uo pipefail
ours=$1 oracle=$2 base=${3:-31510}
command -v curl >/dev/null || { echo "curl missing: skip"; exit 77; }
[ -x "$oracle" ] || { echo "oracle $oracle missing: skip"; exit 77; }
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT

start() {  # start NAME BIN CLIENT_PORT PEER_PORT
  local name=$1 bin=$2 cp=$3 pp=$4
  "$bin" --name "$name" --data-dir "$tmp/$name" --enable-v2 \
    --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "$name=http://127.0.0.1:$pp" >"$tmp/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$cp/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "FAIL: $name did not become healthy"; cat "$tmp/$name.log"; exit 1
}

start oracle "$oracle" "$base" $((base + 1))
start ours "$ours" $((base + 2)) $((base + 3))

run_script() {  # run_script PORT OUT
  local E="http://127.0.0.1:$1/v2/keys" out=$2
  req() { local m=$1; shift; curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" "$@" >"$tmp/code"; \
          printf '%s %s\n' "$(cat "$tmp/code")" "$(cat "$tmp/body")" >>"$out"; }
  req GET "$E/"
  req PUT "$E/d/k1" -d value=v1
  req PUT "$E/d/k1" -d value=v2
  req PUT "$E/d/k1?prevExist=true" -d value=v3
  req PUT "$E/d/k1?prevExist=false" -d value=v4
  req PUT "$E/d/new?prevExist=true" -d value=x
  req PUT "$E/d/k1?prevValue=v3" -d value=v5
  req PUT "$E/d/k1?prevValue=nope" -d value=v6
  req PUT "$E/d/k1?prevIndex=1" -d value=v6
  req PUT "$E/d/k1?prevValue=" -d value=v6
  req PUT "$E/d/k1" -d value=a -d ttl=abc
  req PUT "$E/d/k1/child" -d value=x
  req GET "$E/d"
  req GET "$E/nope"
  req GET "$E/d/k1"
  req PUT "$E/dir2" -d dir=true
  req PUT "$E/dir2/a/b" -d value=deep
  req GET "$E/dir2?recursive=true&sorted=true"
  req GET "$E/dir2?recursive=false"
  req DELETE "$E/dir2"
  req DELETE "$E/dir2?dir=true"
  req DELETE "$E/dir2?recursive=true"
  req POST "$E/queue" -d value=job1
  req POST "$E/queue" -d value=job2
  req GET "$E/queue?sorted=true"
  req PUT "$E/tok/_config/size" -d value=3
  req PUT "$E/tok/m1?prevExist=false" -d 'value=infra0=http://10.0.0.1:2380'
  req GET "$E/tok?quorum=false&recursive=false&sorted=false"
  req PUT "$E/tok/m1?prevExist=false" -d 'value=again'
  req DELETE "$E/d/k1?prevValue=zzz"
  req DELETE "$E/d/k1?prevValue=v5"
  req DELETE "$E/"
  req PUT "$E/f" -d value=x
  req PUT "$E/f" -d dir=true
  # waitIndex relative to this server's first write (etcd 3.4 starts its v2 index at 4)
  first=$(sed -n 2p "$out" | grep -o '"modifiedIndex":[0-9]*' | head -1 | cut -d: -f2)
  req GET "$E/d/k1?wait=true&waitIndex=$((first + 1))"
}
run_script "$base" "$tmp/oracle.out"
run_script $((base + 2)) "$tmp/ours.out"

normalize() { python3 - "$1" <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
base = None
out = []
for line in lines:
    code, _, body = line.partition(' ')
    try:
        j = json.loads(body)
    except Exception:
        out.append(line); continue
    def walk(o):
        global base
        if isinstance(o, dict):
            for k in list(o):
                if k in ('modifiedIndex', 'createdIndex', 'index'):
                    if base is None and k == 'modifiedIndex': base = o[k] - 1
                    o[k] = o[k] - (base or 0) if o[k] else 0  # request errors: index 0
                elif k == 'expiration': o[k] = 'T'
                elif k == 'cause' and isinstance(o[k], str) and base is not None:
                    o[k] = re.sub(r'\[(\d+) != (\d+)\]', lambda m: '[%s != %d]' % (m.group(1), int(m.group(2)) - base), o[k])
                elif k == 'key' and isinstance(o[k], str):
                    o[k] = re.sub(r'/(\d{20})$', lambda m: '/Q', o[k])
                else: walk(o[k])
        elif isinstance(o, list):
            for x in o: walk(x)
    walk(j)
    out.append(code + ' ' + json.dumps(j, sort_keys=False))
print('\n'.join(out))
PY
}
fail=0
if diff <(normalize "$tmp/oracle.out") <(normalize "$tmp/ours.out") >"$tmp/diff"; then
  echo "PASS: $(wc -l <"$tmp/ours.out") v2 requests answer as etcd 3.4.23 does"
else
  echo "FAIL: v2 answers differ (< etcd 3.4.23, > ours)"; cat "$tmp/diff"; fail=1
fi

# Long poll on ours: a watcher waiting for the next change under /w gets it.
E="http://127.0.0.1:$((base + 2))/v2/keys"
curl -s -m 10 "$E/w?wait=true&recursive=true" >"$tmp/watch" &
wpid=$!
sleep 0.5
curl -s -XPUT "$E/w/x" -d value=1 >/dev/null
wait $wpid
if grep -q '"action":"set","node":{"key":"/w/x","value":"1"' "$tmp/watch"; then
  echo "PASS: wait=true long poll answered with the next event"
else
  echo "FAIL: long poll got: $(cat "$tmp/watch")"; fail=1
fi

# TTL expiry on ours (the leader's SYNC): a 1 s key is gone within 5 s.
curl -s -XPUT "$E/ttl" -d value=v -d ttl=1 >/dev/null
gone=0
for _ in $(seq 1 50); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$E/ttl")
  [ "$code" = 404 ] && { gone=1; break; }
  sleep 0.1
done
if [ $gone = 1 ]; then echo "PASS: a ttl=1 key expires"; else echo "FAIL: ttl key did not expire"; fail=1; fi

# Restart: the v2 store survives.
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null
start ours "$ours" $((base + 2)) $((base + 3))
if curl -s "$E/queue?sorted=true" | grep -q job2; then
  echo "PASS: v2 keys survive a restart"
else
  echo "FAIL: v2 keys lost at restart"; fail=1
fi
exit $fail
