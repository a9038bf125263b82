// Applies DNS SRV bootstrap to a member's configuration: when --discovery-srv is set and
// the member has no data yet, the SRV records become its --initial-cluster (etcd's rule:
// --discovery-srv replaces --initial-cluster). The composition root calls this before
// creating the member, and --check-config prints the table.
//
// Pure apart from the injected resolver.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/server_config.h"
#include "discovery/resolver.h"

namespace etcd::discovery {

struct SrvBootstrap {
  config::ServerConfig config;     // initial_cluster filled, discovery_srv cleared
  std::string initial_cluster;     // the text form, for the log line
  std::vector<std::string> table;  // FormatSrvTable lines
};

// Precondition: !cfg.discovery_srv.empty(). Errors are ClusterFromSrv's, prefixed with
// "--discovery-srv=<domain>: ".
absl::StatusOr<SrvBootstrap> ApplySrvBootstrap(Resolver& resolver, const config::ServerConfig& cfg);

}  // namespace etcd::discovery
