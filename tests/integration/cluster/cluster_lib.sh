# Helpers for multi-process cluster tests (cluster-core engineer): N members of our
# etcd, member i on 127.0.0.i with client port BASE+i and peer port BASE+50+i, driven
# by the real etcdctl 3.4.23. Sourced after ../lib.sh (TMP, PIDS, cleanup, fail, ctl).
#
# Partitions: a member started with ETCDCPP_TEST_ISOLATION_FILE=$TMP/isolate.i drops
# every Raft message in and out while that file exists (server::PeerTransport's
# test-only hook, docs/design/server.md "Partition tests").
N=${N:-3}
ELECTION_MS=${ELECTION_MS:-1000}
HEARTBEAT_MS=${HEARTBEAT_MS:-100}
declare -A MPID

host() { echo "127.0.0.$1"; }
cport() { echo $((BASE + $1)); }
pport() { echo $((BASE + 50 + $1)); }
ep() { echo "$(host "$1"):$(cport "$1")"; }
all_eps() { local i out=""; for i in $(seq 1 "$N"); do out+="${out:+,}$(ep "$i")"; done; echo "$out"; }
initial_cluster() {
  local i out=""
  for i in $(seq 1 "$N"); do out+="${out:+,}m$i=http://$(host "$i"):$(pport "$i")"; done
  echo "$out"
}

# start_member I [extra flags...]: starts (or restarts) member I in the background.
start_member() {
  local i=$1; shift
  local p
  for p in "$(cport "$i")" "$(pport "$i")"; do
    (exec 3<>"/dev/tcp/$(host "$i")/$p") 2>/dev/null && fail "port $(host "$i"):$p already in use"
  done
  ETCDCPP_TEST_ISOLATION_FILE="$TMP/isolate.$i" "$ETCD" --name "m$i" --data-dir "$TMP/m$i" \
    --listen-client-urls "http://$(host "$i"):$(cport "$i")" \
    --advertise-client-urls "http://$(host "$i"):$(cport "$i")" \
    --listen-peer-urls "http://$(host "$i"):$(pport "$i")" \
    --initial-advertise-peer-urls "http://$(host "$i"):$(pport "$i")" \
    --initial-cluster "$(initial_cluster)" --initial-cluster-state new \
    --initial-cluster-token "cc-test-$BASE" \
    --heartbeat-interval "$HEARTBEAT_MS" --election-timeout "$ELECTION_MS" "$@" \
    >>"$TMP/m$i.log" 2>&1 &
  MPID[$i]=$!
  PIDS+=("$!")
}

start_cluster() {
  local i
  for i in $(seq 1 "$N"); do start_member "$i" "$@"; done
  for i in $(seq 1 "$N"); do wait_member_healthy "$i"; done
}

# kill_member I [SIGNAL]: default SIGKILL.
kill_member() {
  local i=$1 sig=${2:-KILL}
  kill -"$sig" "${MPID[$i]}" 2>/dev/null
  local k
  for k in $(seq 1 100); do kill -0 "${MPID[$i]}" 2>/dev/null || break; sleep 0.1; done
  wait "${MPID[$i]}" 2>/dev/null
  MPID[$i]=""
}

dump_logs() { local f; for f in "$TMP"/m*.log; do echo "== $f"; tail -15 "$f"; done; }
die() { dump_logs; fail "$@"; }

# wait_member_healthy I [SECONDS]: endpoint health answers (needs a leader and quorum).
wait_member_healthy() {
  local i=$1 secs=${2:-30} k
  for k in $(seq 1 $((secs * 5))); do
    ctl "$(ep "$i")" endpoint health >/dev/null 2>&1 && return 0
    [ -n "${MPID[$i]}" ] && ! kill -0 "${MPID[$i]}" 2>/dev/null && die "member $i exited"
    sleep 0.2
  done
  die "member $i not healthy after $secs s"
}

# status_field I NAME: a field of `endpoint status -w fields` (empty on failure).
status_field() {
  ctl "$(ep "$1")" endpoint status -w fields 2>/dev/null |
    awk -v f="\"$2\"" '$1 == f { print $3; exit }'
}
hashkv_field() {
  ctl "$(ep "$1")" endpoint hashkv -w fields 2>/dev/null |
    awk -v f="\"$2\"" '$1 == f { print $3; exit }'
}
member_id() { status_field "$1" MemberID; }

# leader_index [MEMBERS...]: the index i whose member ID is the leader every listed
# member reports (default all running), or empty.
leader_index() {
  local members=("$@") i lead="" l
  [ ${#members[@]} -eq 0 ] && for i in $(seq 1 "$N"); do [ -n "${MPID[$i]}" ] && members+=("$i"); done
  for i in "${members[@]}"; do
    l=$(status_field "$i" Leader)
    [ -z "$l" ] || [ "$l" = 0 ] && return 0
    [ -n "$lead" ] && [ "$lead" != "$l" ] && return 0
    lead=$l
  done
  for i in "${members[@]}"; do
    [ "$(member_id "$i")" = "$lead" ] && { echo "$i"; return 0; }
  done
}

# wait_leader SECONDS [MEMBERS...]: prints the leader index once all agree.
wait_leader() {
  local secs=$1; shift
  local k l
  for k in $(seq 1 $((secs * 10))); do
    l=$(leader_index "$@")
    [ -n "$l" ] && { echo "$l"; return 0; }
    sleep 0.1
  done
  return 1
}

# converged [SECONDS] [MEMBERS...]: every listed member (default: all running) reports
# the same revision, raft applied index and HashKV.
converged() {
  local secs=${1:-20}; shift
  local members=("$@") i k ref cur
  [ ${#members[@]} -eq 0 ] && for i in $(seq 1 "$N"); do [ -n "${MPID[$i]}" ] && members+=("$i"); done
  for k in $(seq 1 $((secs * 5))); do
    ref=""
    local same=1
    for i in "${members[@]}"; do
      cur="$(status_field "$i" Revision)/$(hashkv_field "$i" Hash)"
      [ "$cur" = "/" ] && { same=0; break; }
      if [ -z "$ref" ]; then ref=$cur; elif [ "$ref" != "$cur" ]; then same=0; break; fi
    done
    if [ $same = 1 ]; then echo "converged: members ${members[*]} at revision/hash $ref"; return 0; fi
    sleep 0.2
  done
  for i in "${members[@]}"; do
    echo "member $i: revision $(status_field "$i" Revision) hash $(hashkv_field "$i" Hash) applied $(status_field "$i" RaftAppliedIndex)"
  done
  die "members ${members[*]} did not converge in $secs s"
}

# put_many I COUNT PREFIX: COUNT puts (COUNT raft entries) through member I, with the
# load generator when one was given (BENCH), else one etcdctl call each.
put_many() {
  local i=$1 count=$2 prefix=$3 k
  if [ -n "${BENCH:-}" ]; then
    "$BENCH" --endpoints "$(ep "$i")" --clients 8 --conns 2 put --total "$count" \
      --key-space-size "$count" --sequential-keys >/dev/null 2>&1 && return 0
  fi
  for ((k = 0; k < count; k++)); do ctl "$(ep "$i")" put "$prefix$k" "v$k" >/dev/null || return 1; done
}
