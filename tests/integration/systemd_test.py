#!/usr/bin/env python3
"""The daemon under a stand-in systemd: NOTIFY_SOCKET and the journal socket are unix
datagram sockets this test owns (docs/systemd.md).

usage: systemd_test.py ETCD_BINARY BASE_PORT

Cases:
  notify          single member: STATUS=starting ... READY=1 with STATUS=serving,
                  WATCHDOG=1 with WATCHDOG_USEC set, SIGTERM -> STOPPING=1, exit 0
  new-cluster     first member of a 3-member new cluster: READY=1 at once with
                  "waiting for quorum: 1/3 peers reachable" (a one-at-a-time rollout
                  cannot deadlock), SIGTERM still stops it
  restart         restart on the same data dir: "replaying WAL" before READY=1
  watchdog        WATCHDOG_USEC=1s: WATCHDOG=1 about every 0.5 s; with the raft loop
                  stalled (test-only ETCDCPP_TEST_RAFT_STALL_FILE) the pings stop after
                  the election timeout, and resume once it turns again
  journal         --log-outputs=systemd/journal: structured entries read back
                  (PRIORITY, SYSLOG_IDENTIFIER, ETCD_MEMBER_ID, ETCD_CLUSTER_ID,
                  ETCD_NAME, the entry's own fields)
  journal-stream  --log-outputs=default with JOURNAL_STREAM naming our stderr: the
                  journal, nothing on stderr
Every process is killed at exit; every wait is bounded.
"""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ETCD = os.path.abspath(sys.argv[1])
BASE = int(sys.argv[2])
WORK = tempfile.mkdtemp(prefix="etcd-systemd-test-")
PROCS = []
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    else:
        print("ok:", what, flush=True)


class Datagrams:
    """A bound unix datagram socket collecting what the daemon sends."""

    def __init__(self, name):
        self.path = os.path.join(WORK, name)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.got = []

    def drain(self):
        while True:
            try:
                self.got.append(self.sock.recv(1 << 20))
            except (socket.timeout, BlockingIOError):
                return

    def wait_for(self, pred, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.drain()
            for i, d in enumerate(self.got):
                if pred(d):
                    return i
            time.sleep(0.05)
        return None


def notify_lines(msgs):
    return [m.decode() for m in msgs]


def parse_journal(d):
    """The journal native protocol (docs/systemd.md): KEY=value\\n, or KEY\\n<u64 le>value\\n."""
    fields = {}
    while d:
        nl = d.index(b"\n")
        line = d[:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            fields[k.decode()] = v.decode()
            d = d[nl + 1:]
        else:
            (n,) = struct.unpack("<Q", d[nl + 1:nl + 9])
            fields[line.decode()] = d[nl + 9:nl + 9 + n].decode()
            assert d[nl + 9 + n:nl + 10 + n] == b"\n"
            d = d[nl + 10 + n:]
    return fields


def start(name, args, env_extra, stderr_path=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ETCD_") and k not in ("NOTIFY_SOCKET", "JOURNAL_STREAM",
                                                      "WATCHDOG_USEC", "WATCHDOG_PID")}
    env.update(env_extra)
    err = open(stderr_path or os.path.join(WORK, name + ".stderr"), "ab")
    p = subprocess.Popen([ETCD] + args, env=env, stdout=subprocess.DEVNULL, stderr=err,
                         cwd=WORK)
    PROCS.append(p)
    return p


def member_args(name, cport, pport, cluster=None, state="new"):
    args = ["--name", name, "--data-dir", os.path.join(WORK, name + ".etcd"),
            "--listen-client-urls", "http://127.0.0.1:%d" % cport,
            "--advertise-client-urls", "http://127.0.0.1:%d" % cport,
            "--listen-peer-urls", "http://127.0.0.1:%d" % pport,
            "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % pport,
            "--initial-cluster-state", state]
    args += ["--initial-cluster", cluster or "%s=http://127.0.0.1:%d" % (name, pport)]
    return args


def stop(p, timeout=20):
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return "killed"


def case_notify():
    n = Datagrams("notify1.sock")
    p = start("n1", member_args("n1", BASE, BASE + 1),
              {"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "1000000"})
    i = n.wait_for(lambda d: d.startswith(b"READY=1"), 20)
    check(i is not None, "notify: READY=1 within 20 s")
    lines = notify_lines(n.got)
    check(any(l.startswith("STATUS=starting") for l in lines), "notify: STATUS=starting first")
    check(i is not None and "STATUS=serving" in lines[i], "notify: READY=1 comes with STATUS=serving")
    check(any("EXTEND_TIMEOUT_USEC=" in l for l in lines[:i or 0]),
          "notify: EXTEND_TIMEOUT_USEC before READY")
    w = n.wait_for(lambda d: d == b"WATCHDOG=1", 3)
    check(w is not None, "notify: WATCHDOG=1 with WATCHDOG_USEC=1s")
    rc = stop(p)
    n.drain()
    lines = notify_lines(n.got)
    check(rc == 0, "notify: SIGTERM exits 0 (got %r)" % (rc,))
    check(any(l.startswith("STOPPING=1") for l in lines), "notify: STOPPING=1 on SIGTERM")
    after = lines[[k for k, l in enumerate(lines) if l.startswith("STOPPING=1")][0] + 1:] \
        if any(l.startswith("STOPPING=1") for l in lines) else []
    check("WATCHDOG=1" not in after, "notify: no WATCHDOG=1 after STOPPING=1")
    return p


def case_watchdog():
    n = Datagrams("notify-wd.sock")
    stall = os.path.join(WORK, "stall-raft")
    p = start("wd", member_args("wd", BASE + 40, BASE + 41),
              {"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "1000000",
               "ETCDCPP_TEST_RAFT_STALL_FILE": stall})
    check(n.wait_for(lambda d: d.startswith(b"READY=1"), 20) is not None, "watchdog: READY=1")

    def pings(seconds):
        n.drain()
        n.got = []
        time.sleep(seconds)
        n.drain()
        return sum(1 for d in n.got if d == b"WATCHDOG=1")

    got = pings(3)
    check(got >= 4, "watchdog: WATCHDOG=1 every ~0.5 s while healthy (%d in 3 s)" % got)
    open(stall, "w").close()
    time.sleep(1.6)  # the election timeout (1 s) plus a ping period
    got = pings(2.5)
    check(got == 0, "watchdog: no WATCHDOG=1 while the raft loop is stalled (%d in 2.5 s)" % got)
    os.unlink(stall)
    got = pings(2)
    check(got >= 2, "watchdog: WATCHDOG=1 resumes once the raft loop turns (%d in 2 s)" % got)
    rc = stop(p)
    check(rc == 0, "watchdog: SIGTERM exits 0 (got %r)" % (rc,))


def case_restart():
    n = Datagrams("notify2.sock")
    p = start("n1", member_args("n1", BASE, BASE + 1), {"NOTIFY_SOCKET": n.path})
    i = n.wait_for(lambda d: d.startswith(b"READY=1"), 20)
    lines = notify_lines(n.got)
    check(any(l.startswith("STATUS=replaying WAL") for l in lines[:i or 0]),
          "restart: STATUS=replaying WAL before READY=1")
    check(i is not None and "STATUS=serving" in lines[i], "restart: READY=1 once serving")
    check(stop(p) == 0, "restart: exit 0")


def case_new_cluster():
    n = Datagrams("notify3.sock")
    cluster = ",".join("m%d=http://127.0.0.1:%d" % (k, BASE + 11 + 2 * k) for k in range(3))
    t0 = time.time()
    p = start("m0", member_args("m0", BASE + 10, BASE + 11, cluster), {"NOTIFY_SOCKET": n.path})
    i = n.wait_for(lambda d: d.startswith(b"READY=1"), 10)
    check(i is not None and time.time() - t0 < 10,
          "new-cluster: READY=1 without the other members")
    lines = notify_lines(n.got)
    check(i is not None and "STATUS=waiting for quorum: 1/3 peers reachable" in lines[i],
          "new-cluster: STATUS=waiting for quorum: 1/3 peers reachable (got %r)"
          % (lines[i] if i is not None else lines))
    rc = stop(p, 40)
    check(rc == 0, "new-cluster: SIGTERM without quorum exits 0 (got %r)" % (rc,))


def case_journal():
    j = Datagrams("journal.sock")
    p = start("j1", member_args("j1", BASE + 20, BASE + 21) +
              ["--logger", "zap", "--log-outputs", "systemd/journal"],
              {"ETCDCPP_JOURNAL_SOCKET": j.path})
    i = j.wait_for(lambda d: b"MESSAGE=ready to serve client requests" in d, 20)
    check(i is not None, "journal: 'ready to serve client requests' entry")
    entries = [parse_journal(d) for d in j.got]
    if i is not None:
        e = entries[i]
        check(e.get("PRIORITY") == "6", "journal: PRIORITY=6 for info")
        check(e.get("SYSLOG_IDENTIFIER") == "etcd", "journal: SYSLOG_IDENTIFIER=etcd")
        check(e.get("ETCD_NAME") == "j1", "journal: ETCD_NAME=j1")
        # IDs are written as etcd writes them (%x: no leading zeros), so 1-16 hex digits.
        check(re.fullmatch("[0-9a-f]{1,16}", e.get("ETCD_MEMBER_ID", "")) is not None,
              "journal: ETCD_MEMBER_ID is hex")
        check(re.fullmatch("[0-9a-f]{1,16}", e.get("ETCD_CLUSTER_ID", "")) is not None,
              "journal: ETCD_CLUSTER_ID is hex")
    warn = [e for e in entries if e.get("PRIORITY") == "4"]
    check(any(e.get("ADDRESS") for e in warn),
          "journal: a warning carries its own key/value as a field (ADDRESS)")
    running = [e for e in entries if e.get("MESSAGE", "").startswith("running etcd")]
    check(running and running[0].get("ETCD_VERSION"), "journal: ETCD_VERSION field from etcd-version")
    stop(p)
    err = open(os.path.join(WORK, "j1.stderr"), "rb").read()
    check(b"ready to serve" not in err, "journal: entries are not duplicated on stderr")


def case_journal_stream():
    j = Datagrams("journal2.sock")
    err_path = os.path.join(WORK, "j2.stderr")
    open(err_path, "wb").close()
    st = os.stat(err_path)
    p = start("j2", member_args("j2", BASE + 30, BASE + 31) + ["--logger", "zap"],
              {"ETCDCPP_JOURNAL_SOCKET": j.path,
               "JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)}, stderr_path=err_path)
    i = j.wait_for(lambda d: b"MESSAGE=ready to serve client requests" in d, 20)
    check(i is not None, "journal-stream: default output goes to the journal under systemd")
    stop(p)
    err = open(err_path, "rb").read()
    check(b"ready to serve" not in err, "journal-stream: nothing on stderr")


def main():
    try:
        case_notify()
        case_watchdog()
        case_restart()
        case_new_cluster()
        case_journal()
        case_journal_stream()
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        if FAILURES:
            for name in sorted(os.listdir(WORK)):
                if name.endswith(".stderr"):
                    print("----", name)
                    print(open(os.path.join(WORK, name), errors="replace").read()[-3000:])
        shutil.rmtree(WORK, ignore_errors=True)
    print("%d failures" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
