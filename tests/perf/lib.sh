# Shared by compare.sh and compare_cluster.sh: the binaries under test and the Markdown
# ratio. Source after `set -u` with the build directory as $1 (default: build).
BUILD=${1:-build}
CAND=$(readlink -f "$BUILD/src/tools/etcd/etcd")
BENCH=$(readlink -f "$BUILD/src/tools/benchmark/etcd-benchmark")
REF=${REF:-/usr/bin/etcd}
ETCDCTL=${ETCDCTL:-/usr/bin/etcdctl}
[ -x "$CAND" ] && [ -x "$BENCH" ] || { echo "build $BUILD first (etcd and etcd-benchmark)" >&2; exit 1; }

ratio() { python3 -c "a=float('$1' or 0); b=float('$2' or 0); print(f'{a/b:.2f}×' if b else 'n/a')"; }
machine_line() { echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(date -u +%Y-%m-%d)"; }
