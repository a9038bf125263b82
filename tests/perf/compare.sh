#!/bin/bash
# Side-by-side performance run: the same load generator (our `benchmark`) against
# Debian's etcd 3.4.23 and against our etcd, one server at a time, on 127.0.0.1.
# Prints a Markdown table of figures and ratios (paste into docs/performance.md).
#   tests/perf/compare.sh [BUILD_DIR]
# Environment: REF (default /usr/bin/etcd), QUICK=1 for smaller totals.
# Not part of the test suite: figures are measurements, never assertions.
set -u
. "$(dirname "$0")/lib.sh"
PORT=${PORT:-26379}
EP=127.0.0.1:$PORT
TMP=$(mktemp -d /tmp/etcd-perf-XXXXXX)
if [ -n "${QUICK:-}" ]; then N_MANY=20000; N_ONE=500; N_RANGE=20000; N_KEYS=20000; else N_MANY=100000; N_ONE=2000; N_RANGE=100000; N_KEYS=100000; fi
pid=

server_args() {  # BIN DATADIR: the server's command line, one argument per line
  printf '%s\n' "$1" --name perf --data-dir "$2" --listen-client-urls "http://$EP" --advertise-client-urls "http://$EP" \
    --listen-peer-urls "http://127.0.0.1:$((PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((PORT + 1))" \
    --initial-cluster "perf=http://127.0.0.1:$((PORT + 1))" --quota-backend-bytes 8589934592
}
start() {  # BIN DATADIR
  local args; mapfile -t args < <(server_args "$1" "$2")
  "${args[@]}" >>"$TMP/server.log" 2>&1 &
  pid=$!
}
# Starts BIN and sets STARTUP to the seconds from exec to the first answered /health
# (polling every 1 ms, at most 30 s). The poller starts the server itself, so neither
# the interpreter's start-up nor a `date` fork is counted. Not in a subshell: it must set
# `pid` (the server outlives the poller; stop() kills it by pid).
start_timed() {
  local out
  out=$(server_args "$1" "$2" | python3 -c '
import socket, subprocess, sys, time
host, port = sys.argv[1].split(":")
argv = sys.stdin.read().splitlines()
log = open(sys.argv[2], "ab")
t0 = time.monotonic()
p = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
ok = False
while time.monotonic() - t0 < 30 and p.poll() is None:
    try:
        s = socket.create_connection((host, int(port)), timeout=1)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = s.recv(4096)
        s.close()
        if b" 200 " in data.split(b"\r\n")[0]:
            ok = True
            break
    except OSError:
        pass
    time.sleep(0.001)
t1 = time.monotonic()
print(p.pid, f"{t1 - t0:.3f}" if ok else "n/a")
' "$EP" "$TMP/server.log")
  read -r pid STARTUP <<<"$out"
}
stop() { [ -n "$pid" ] && { kill -TERM "$pid"; for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=; }; sync; }
trap 'stop; rm -rf "$TMP"' EXIT
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

# bench NAME ARGS...: runs the benchmark, prints "rps cpu_us_per_req"
bench() {
  local c0 c1 out rps total
  c0=$(cpu_ticks)
  out=$("$BENCH" --endpoints "$EP" --json "$@" 2>>"$TMP/bench.err")
  c1=$(cpu_ticks)
  rps=$(echo "$out" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["requests_per_sec"]))')
  total=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
  python3 -c "print($rps, round(($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / max($total, 1), 1))"
}

declare -A R
run_server() {  # LABEL BIN
  local label=$1 bin=$2 dir="$TMP/$1"
  rm -rf "$dir"
  start_timed "$bin" "$dir/data"; R[$label,start]=$STARTUP
  read -r R[$label,put1000] R[$label,put1000cpu] < <(bench --conns 100 --clients 1000 put --total "$N_MANY" --key-size 8 --val-size 256)
  read -r R[$label,put1] R[$label,put1cpu] < <(bench --conns 1 --clients 1 put --total "$N_ONE" --key-size 8 --val-size 256)
  "$BENCH" --endpoints "$EP" --conns 10 --clients 10 put --total 1 --key-size 3 --val-size 16 >/dev/null 2>&1
  read -r R[$label,range1000] R[$label,range1000cpu] < <(bench --conns 100 --clients 1000 range foo --consistency l --total "$N_RANGE")
  read -r R[$label,watch] R[$label,watchcpu] < <(bench --conns 10 --clients 10 watch --streams 10 --watch-per-stream 100 --put-total 2000 --key-size 8)
  stop
  # RSS after 100k puts into a fresh store, then restart time with those keys.
  rm -rf "$dir"
  start "$bin" "$dir/data"; sleep 1
  "$BENCH" --endpoints "$EP" --conns 50 --clients 200 put --total "$N_KEYS" --key-size 16 --val-size 256 --sequential-keys --key-space-size "$N_KEYS" >/dev/null 2>>"$TMP/bench.err"
  R[$label,rss]=$(rss_kb)
  stop
  start_timed "$bin" "$dir/data"; R[$label,restart]=$STARTUP
  stop
}

run_server ref "$REF"
run_server ours "$CAND"

cat <<MD
| measure | etcd 3.4.23 | ours | ours / etcd |
|---|---|---|---|
| put, 1000 clients (req/s) | ${R[ref,put1000]} | ${R[ours,put1000]} | $(ratio "${R[ours,put1000]}" "${R[ref,put1000]}") |
| put, 1000 clients, server CPU per request (µs) | ${R[ref,put1000cpu]} | ${R[ours,put1000cpu]} | $(ratio "${R[ours,put1000cpu]}" "${R[ref,put1000cpu]}") |
| put, 1 client (req/s) | ${R[ref,put1]} | ${R[ours,put1]} | $(ratio "${R[ours,put1]}" "${R[ref,put1]}") |
| range (linearizable), 1000 clients (req/s) | ${R[ref,range1000]} | ${R[ours,range1000]} | $(ratio "${R[ours,range1000]}" "${R[ref,range1000]}") |
| watch fan-out, 1000 watchers (events/s) | ${R[ref,watch]} | ${R[ours,watch]} | $(ratio "${R[ours,watch]}" "${R[ref,watch]}") |
| RSS after ${N_KEYS} puts (KiB) | ${R[ref,rss]} | ${R[ours,rss]} | $(ratio "${R[ours,rss]}" "${R[ref,rss]}") |
| fresh start to first served request (s) | ${R[ref,start]} | ${R[ours,start]} | $(ratio "${R[ours,start]}" "${R[ref,start]}") |
| restart with ${N_KEYS} keys to first served request (s) | ${R[ref,restart]} | ${R[ours,restart]} | $(ratio "${R[ours,restart]}" "${R[ref,restart]}") |
MD
echo
machine_line
