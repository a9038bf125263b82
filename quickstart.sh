#!/bin/bash
# Installs what is missing (Debian 12), builds, and starts a single-member etcd on the
# defaults, exactly as `etcd` with no flags does: name "default", data dir
# ./default.etcd, clients on http://localhost:2379, peers on http://localhost:2380.
# Stop it with Ctrl-C. Try it from another shell:
#   etcdctl put foo bar && etcdctl get foo
set -euo pipefail
cd "$(dirname "$0")"
./.ci/install-deps.sh
BUILD=${BUILD:-build}
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" -Dbuildtype=release
ninja -C "$BUILD" src/tools/etcd/etcd
exec "$BUILD/src/tools/etcd/etcd" "$@"
