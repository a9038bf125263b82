// The client listen URLs (--listen-client-urls) as the addresses the client port binds:
// TCP host:port ("localhost" bound as 127.0.0.1) or a unix socket path (unix://, unixs://,
// where "host:port" is part of the path as etcd reads it), TLS for https:// and unixs://.
// Shared by the member and the proxy modes of the daemon.
//
// Thread safety: stateless.
#pragma once

#include <vector>

#include "api/client_listener.h"
#include "config/server_config.h"

namespace etcd::tools {

std::vector<api::ListenAddress> ToListenAddresses(const std::vector<config::Url>& urls);

}  // namespace etcd::tools
