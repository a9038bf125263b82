// Running other programs from etcdctl: the exec modes of watch and lock, and the hook
// into etcdutl for what etcd 3.5 moved there (snapshot status/restore, defrag
// --data-dir): etcdctl runs the `etcdutl` installed next to it (or on PATH) with the
// same arguments, so the offline code lives in one place (src/tools/etcdutl, owned by
// the snapshot work).
#pragma once

#include <string>
#include <vector>

namespace etcd::etcdctl {

// Runs argv[0] (PATH lookup) with the current environment plus `env` ("K=V", which
// win over inherited ones); stdin/stdout/stderr are shared. Returns the exit status,
// 128+N for a signal, 127 if it could not be started. Flushes std::cout first.
int RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// The path of etcdutl: $ETCDUTL if set, else next to this executable, else "etcdutl".
std::string EtcdutlPath();
// RunProgram({EtcdutlPath(), args...}); prints an error and returns 1 when etcdutl
// is not installed.
int RunEtcdutl(const std::vector<std::string>& args);

}  // namespace etcd::etcdctl
