#!/bin/bash
# Every start-up misconfiguration of reference/server.md §4 and user-pain.md §1-§7 that
# a single process can show, run through the real binary: the exit status and the
# message a newcomer reads (etcd's own text plus where the value came from and what to
# do). The same errors are unit-tested closer to the code in tests/unit/config/; this
# table proves what reaches the operator's terminal (or journal).
# The second part runs a two-member cluster (a, b) and shows the multi-member mistakes:
# joining without `member add`, a peer URL that differs from the one added, nobody to
# join, another cluster's members, a wiped member restarted, a removed member restarted.
# usage: misconfig_test.sh ETCD BASE_PORT      (uses BASE_PORT .. BASE_PORT+29)
set -uo pipefail
ETCD=$(readlink -f "$1") P=$2
work=$(mktemp -d /tmp/etcd-misconfig-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
fail=0
C="http://127.0.0.1:$P" PEER="http://127.0.0.1:$((P + 1))"
base=(--data-dir "$work/d" --listen-client-urls "$C" --advertise-client-urls "$C"
      --listen-peer-urls "$PEER" --initial-advertise-peer-urls "$PEER")

# run ID EXPECTED_EXIT "substring|substring..." [VAR=value ...] -- args...
run() {
  local id=$1 want=$2 pats=$3; shift 3
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  local out rc
  out=$(cd "$work" && timeout 30 env -i PATH="$PATH" "${envs[@]}" "$ETCD" "$@" 2>&1)
  rc=$?
  out=$(sed 's/\\"/"/g' <<< "$out")  # fatal errors arrive inside JSON log lines
  local ok=1
  [ "$rc" = "$want" ] || ok=0
  IFS='|' read -ra parts <<< "$pats"
  for s in "${parts[@]}"; do
    grep -qF -- "$s" <<< "$out" || { ok=0; echo "  missing: $s"; }
  done
  if [ $ok = 1 ]; then echo "ok: $id"; else
    echo "FAIL: $id (exit $rc, want $want)"; echo "$out" | tail -5 | sed 's/^/  | /'; fail=1; fi
}

run E1-name-not-in-cluster 1 "couldn't find local name \"foo\" in the initial cluster configuration" \
  -- "${base[@]}" --name foo --initial-cluster "bar=$PEER"
run E2-advertise-differs 1 "--initial-cluster has foo=http://127.0.0.1:$((P + 5)) but missing from --initial-advertise-peer-urls=$PEER" \
  -- "${base[@]}" --name foo --initial-cluster "foo=http://127.0.0.1:$((P + 5))"
run E2b-advertise-extra 1 "--initial-advertise-peer-urls has http://127.0.0.1:$((P + 6)) but missing from --initial-cluster" \
  -- "${base[@]}" --name foo --initial-advertise-peer-urls "$PEER,http://127.0.0.1:$((P + 6))" --initial-cluster "foo=$PEER"
run E3-listen-without-advertise 1 "--advertise-client-urls is required when --listen-client-urls is set explicitly|from --listen-client-urls" \
  -- --data-dir "$work/d" --listen-client-urls "$C"
run E4-hostname-in-listen-url 1 "expected IP in URL for binding (http://example.com:$P)|host names belong in the advertise URLs" \
  -- --data-dir "$work/d" --listen-client-urls "http://example.com:$P" --advertise-client-urls "$C"
run E5-two-bootstrap-sources 1 "multiple discovery or bootstrap flags are set" \
  -- "${base[@]}" --initial-cluster "default=$PEER" --discovery-srv example.com
run E6-election-too-short 1 "--election-timeout[200ms] should be at least as 5 times as --heartbeat-interval[100ms]|raise --election-timeout" \
  -- "${base[@]}" --election-timeout 200
run E6-from-env 1 "ETCD_ELECTION_TIMEOUT" ETCD_ELECTION_TIMEOUT=200 -- "${base[@]}"
run E6b-election-too-long 1 "--election-timeout[60000ms] is too long, and should be set less than 50000ms" \
  -- "${base[@]}" --election-timeout 60000
run E12-https-without-cert 1 "TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:$P with HTTPS scheme" \
  -- --data-dir "$work/d" --listen-client-urls "https://127.0.0.1:$P" --advertise-client-urls "https://127.0.0.1:$P"
run E12b-https-peer-without-cert 1 "KeyFile and CertFile are not presented|--peer-cert-file and --peer-key-file" \
  -- --data-dir "$work/d" --listen-peer-urls "https://127.0.0.1:$((P + 1))" \
  --initial-advertise-peer-urls "https://127.0.0.1:$((P + 1))" --initial-cluster "default=https://127.0.0.1:$((P + 1))"
run E13-unknown-flag 2 "flag provided but not defined: -naem|did you mean --name" -- --naem x
run E14-bad-enum 2 "invalid value \"bogus\" for flag -initial-cluster-state: invalid value" \
  -- --initial-cluster-state bogus
run E14-bad-number 2 "invalid value \"abc\" for flag -heartbeat-interval: parse error" -- --heartbeat-interval abc
run E14-bad-enum-env 1 "ETCD_INITIAL_CLUSTER_STATE" ETCD_INITIAL_CLUSTER_STATE=bogus -- "${base[@]}"
run E16-missing-config-file 1 "open $work/none.yml: no such file or directory" -- --config-file "$work/none.yml"
run E22-duplicate-url 1 "has duplicate url" -- "${base[@]}" --initial-cluster "a=$PEER,b=$PEER"
run E26-bad-compaction-mode 1 "unknown auto-compaction-mode \"daily\"" -- "${base[@]}" --auto-compaction-mode daily
run E27-malformed-initial-cluster 1 "URL scheme must be http, https, unix, or unixs" \
  -- "${base[@]}" --initial-cluster "default=ftp://x:1"
run E29-bad-logger 1 "unknown logger option \"foo\"" -- "${base[@]}" --logger foo
run E30-log-file-unwritable 1 "open sink \"/nonexistent/dir/x.log\": open /nonexistent/dir/x.log: no such file or directory" \
  -- "${base[@]}" --logger zap --log-outputs /nonexistent/dir/x.log
run journal-absent 1 "can't find journal" -- "${base[@]}" --logger zap --log-outputs systemd/journal
run bad-log-level 1 "unknown level \"verbose\"" -- "${base[@]}" --log-level verbose
run stray-positional 1 "'foo' is not a valid flag" -- "${base[@]}" foo
run legacy-flag-value 1 "'5' is not a valid flag|takes no separate value" -- --max-retry-attempts 5
# user-pain §3: a flag and a different ETCD_* value: the flag wins with a warning that
# names both (etcd 3.4 exits 1). --check-config shows the effective value.
run pain3-flag-vs-env 0 "--name=\"b\" on the command line overrides ETCD_NAME=\"a\" in the environment|name = b" \
  ETCD_NAME=a -- --name b --check-config
run pain3-same-value 0 "name = a" ETCD_NAME=a -- --name a --check-config
run unknown-env 0 "unrecognized environment variable ETCD_FOO=bar" ETCD_FOO=bar -- --check-config
# user-pain §7: SRV discovery for a domain with no records (no network needed to fail).
run pain7-srv-missing 1 "_etcd-server" -- "${base[@]}" --discovery-srv nosuch.invalid

# E11: the peer port is taken (by a first member).
"$ETCD" "${base[@]}" --initial-cluster "default=$PEER" --data-dir "$work/first" > "$work/first.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "ready to serve" "$work/first.log" && break; sleep 0.1; done
run E11-port-in-use 1 "bind: address already in use" -- "${base[@]}" --initial-cluster "default=$PEER" --data-dir "$work/second"
# E23: a second etcd on the data dir in use (etcd 3.4 waits forever).
run E23-data-dir-in-use 1 "another process, most likely a second etcd, is using the data dir $work/first" \
  -- "${base[@]}" --initial-cluster "default=http://127.0.0.1:$((P + 3))" --data-dir "$work/first" \
  --listen-peer-urls "http://127.0.0.1:$((P + 3))" --initial-advertise-peer-urls "http://127.0.0.1:$((P + 3))" \
  --listen-client-urls "http://127.0.0.1:$((P + 2))" --advertise-client-urls "http://127.0.0.1:$((P + 2))"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null
# user-pain §1: a data dir that already holds a member ignores the bootstrap settings;
# the restart says so and names them.
run pain1-ignored-bootstrap-settings 0 "already holds a member|initial-cluster-token and the discovery settings are ignored" -- "${base[@]}" --data-dir "$work/first" \
  --initial-cluster "default=$PEER,other=http://127.0.0.1:$((P + 7))" --check-config

# ---- multi-member misconfigurations (reference/server.md §4 E8-E10, E24; user-pain
# §4, §5, §10). A two-member cluster a, b; c is the newcomer.
ETCDCTL=${ETCDCTL:-/usr/bin/etcdctl}
if [ ! -x "$ETCDCTL" ]; then echo "no etcdctl at $ETCDCTL: multi-member cases skipped"; exit $fail; fi
u() { echo "http://127.0.0.1:$(( P + $1 ))"; }   # u 10 -> http://127.0.0.1:P+10
CA=$(u 10) PA=$(u 11) CB=$(u 12) PB=$(u 13) CC=$(u 14) PC=$(u 15) PX=$(u 17)
IC2="a=$PA,b=$PB"
member() {  # member NAME CLIENT PEER INITIAL_CLUSTER STATE [extra...]
  local n=$1 c=$2 p=$3 ic=$4 st=$5; shift 5
  echo --name "$n" --data-dir "$work/m-$n" --listen-client-urls "$c" --advertise-client-urls "$c" \
    --listen-peer-urls "$p" --initial-advertise-peer-urls "$p" --initial-cluster "$ic" \
    --initial-cluster-state "$st" --initial-cluster-token "${TOK:-mc-tok}" "$@"
}
start_bg() {  # start_bg NAME args...: runs etcd in the background, log in $work/NAME.log
  local n=$1; shift
  (cd "$work" && exec "$ETCD" "$@" >> "$work/$n.log" 2>&1) &
  pids+=($!); eval "pid_$n=$!"
}
healthy() {  # healthy CLIENT_URL: bounded wait for a linearizable read
  for _ in $(seq 100); do
    "$ETCDCTL" --endpoints "$1" --command-timeout=1s get x > /dev/null 2>&1 && return 0; sleep 0.1
  done; return 1
}
ctl() {  # ctl ARGS...: etcdctl against a, retried while the cluster is "unhealthy" (a
  # reconfiguration needs every voter connected for 5 s: --strict-reconfig-check)
  for _ in $(seq 75); do "$ETCDCTL" --endpoints "$CA" "$@" > "$work/ctl.out" 2>&1 && return 0; sleep 0.2; done
  echo "FAIL: etcdctl $*: $(cat "$work/ctl.out")"; fail=1; return 1
}
start_bg a $(member a "$CA" "$PA" "$IC2" new)
start_bg b $(member b "$CB" "$PB" "$IC2" new)
if ! healthy "$CA" || ! healthy "$CB"; then
  echo "FAIL: two-member cluster did not start"; tail -5 "$work/a.log" "$work/b.log"; exit 1
fi

run E8-existing-nobody-reachable 1 "cannot fetch cluster info from peer urls|$(u 19)" \
  -- $(member c "$CC" "$PC" "c=$PC,z=$(u 19)" existing)
rm -rf "$work/m-c"
run E9-join-without-member-add 1 "member count is unequal|etcdctl member add c" \
  -- $(member c "$CC" "$PC" "$IC2,c=$PC" existing)
rm -rf "$work/m-c"
ctl member add c --peer-urls "$PX"
run E9b-added-with-other-url 1 "no match found for existing member|$PX" \
  -- $(member c "$CC" "$PC" "$IC2,c=$PC" existing)
rm -rf "$work/m-c"
id=$("$ETCDCTL" --endpoints "$CA" member list | awk -F', ' -v u="$PX" '$4 == u {print $1}')
ctl member remove "$id"
run E9c-other-cluster-new 1 "cluster ID mismatch|--initial-cluster-token=other-tok|already belongs to the running cluster" \
  -- $(TOK=other-tok member c "$CC" "$PC" "c=$PC,a=$PA" new)
rm -rf "$work/m-c"

# E24: a removed member restarted with its old data dir says what to do and exits 0
# (etcd 3.4's status; Restart=on-failure then leaves it stopped).
id=$("$ETCDCTL" --endpoints "$CA" member list | awk -F', ' '$3 == "b" {print $1}')
ctl member remove "$id"
for _ in $(seq 100); do kill -0 "$pid_b" 2>/dev/null || break; sleep 0.1; done
kill -9 "$pid_b" 2>/dev/null; wait "$pid_b" 2>/dev/null
run E24-removed-member-restarted 0 "permanently removed from the cluster|must be removed|member add" \
  -- $(member b "$CB" "$PB" "$IC2" new)

# E10: b is added again and joins with an empty data dir; then its data dir is lost and
# it is started again, as for the first bootstrap (new) or as a joiner (existing).
rm -rf "$work/m-b"
ctl member add b --peer-urls "$PB"
start_bg b $(member b "$CB" "$PB" "$IC2" existing)
healthy "$CB" || { echo "FAIL: b did not rejoin"; tail -5 "$work/b.log"; fail=1; }
kill -9 "$pid_b" 2>/dev/null; wait "$pid_b" 2>/dev/null
rm -rf "$work/m-b"
run E10a-wiped-member-state-new 1 "has already been bootstrapped|member remove" \
  -- $(member b "$CB" "$PB" "$IC2" new)
rm -rf "$work/m-b"
run E10b-wiped-member-state-existing 1 "has already been bootstrapped|member remove" \
  -- $(member b "$CB" "$PB" "$IC2" existing)
exit $fail
