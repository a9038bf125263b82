// Discovery bootstrap in the composition root: when the member has no data yet and
// --discovery-srv or --discovery is set, turn it into the member's --initial-cluster
// before the member is created (docs/discovery.md). DNS through the system resolver
// (res_nquery: /etc/resolv.conf decides, e.g. a dnsmasq), the discovery URL through
// libcurl with etcd's retry policy; progress goes to `status` (STATUS= lines, logs).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/log.h"
#include "config/server_config.h"

namespace etcd::tools {

//
// A member that finds the token full with --discovery-fallback=proxy (etcd's default)
// does not fail: the registered members' peer URLs go to *proxy_peers (when given) and
// the caller runs the proxy instead of a member (proxy_mode.h).
absl::Status ResolveDiscovery(config::ServerConfig* cfg, const log::Logger& logger,
                              const std::function<void(const std::string&)>& status,
                              std::vector<std::string>* proxy_peers = nullptr);

// --check-config with --discovery-srv: prints the SRV lookups and the match table to
// stdout; returns the exit code (0 when this member is found in the records, else 1).
// Without --discovery-srv prints nothing and returns 0.
int CheckSrvRecords(const config::ServerConfig& cfg);

}  // namespace etcd::tools
