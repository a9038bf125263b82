#include "discovery/srv_bootstrap.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "config/url.h"
#include "discovery/srv.h"

namespace etcd::discovery {

absl::StatusOr<SrvBootstrap> ApplySrvBootstrap(Resolver& resolver,
                                               const config::ServerConfig& cfg) {
  SrvQuery q{cfg.name, cfg.discovery_srv, cfg.discovery_srv_name, cfg.initial_advertise_peer_urls};
  auto cluster = ClusterFromSrv(resolver, q);
  if (!cluster.ok()) {
    return absl::Status(cluster.status().code(), absl::StrCat("--discovery-srv=", cfg.discovery_srv,
                                                              ": ", cluster.status().message()));
  }
  auto ic = config::ParseInitialCluster(cluster->initial_cluster);
  if (!ic.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--discovery-srv=", cfg.discovery_srv, ": the SRV records give an invalid cluster \"",
        cluster->initial_cluster, "\": ", ic.status().message()));
  }
  SrvBootstrap out;
  out.config = cfg;
  out.config.initial_cluster = *ic;
  out.config.discovery_srv.clear();
  out.config.discovery_srv_name.clear();
  out.initial_cluster = cluster->initial_cluster;
  out.table = FormatSrvTable(*cluster);
  return out;
}

}  // namespace etcd::discovery
