// The composition root's proxy mode: an etcd process that is not a member but relays
// clients to the cluster (proxy/proxy_server.h). Entered when a member finds its
// discovery token full with --discovery-fallback=proxy (etcd's default), or with
// --proxy=on|readonly. docs/discovery.md "Proxy fallback".
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/log.h"
#include "config/server_config.h"
#include "systemd/notifier.h"

namespace etcd::tools {

// --proxy=on|readonly: the peer URLs to learn the cluster from: the members registered
// with --discovery when set, else --initial-cluster's.
absl::StatusOr<std::vector<std::string>> ProxyPeerUrls(const config::ServerConfig& cfg,
                                                       const log::Logger& logger);

// Learns the client URLs from `peer_urls` (retrying until it works or a signal comes),
// serves --listen-client-urls as a proxy, sends READY=1 and STATUS=proxying to ...,
// refreshes the member list every --proxy-refresh-interval, and returns the exit code on
// SIGTERM/SIGINT. Stops `notifier`'s thread: the proxy sends its own notifications.
int RunProxy(const config::ServerConfig& cfg, const std::vector<std::string>& peer_urls,
             const log::Logger& logger, systemd::NotifySender* sender, systemd::Notifier* notifier);

}  // namespace etcd::tools
