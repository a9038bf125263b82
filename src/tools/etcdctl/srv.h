// DNS SRV discovery of client endpoints (etcdctl --discovery-srv): looks up
// _etcd-client-ssl._tcp.<domain> (https) and _etcd-client._tcp.<domain> (http), with
// "-<name>" after "etcd-client" when a service name is given. Targets keep their
// trailing dot, as Go's resolver returns them. Thread-safe (res_nquery per call).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace etcd::etcdctl {

// Endpoint URLs ("https://infra1.example.com.:2379"); the error text is etcdctl's
// ("dns lookup errors: lookup ... no such host and lookup ...").
absl::StatusOr<std::vector<std::string>> SrvClientEndpoints(const std::string& domain,
                                                            const std::string& service_name);

}  // namespace etcd::etcdctl
