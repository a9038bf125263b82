#include "tools/etcd/bootstrap_discovery.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/url.h"
#include "discovery/discovery_client.h"
#include "discovery/resolver.h"
#include "discovery/srv_bootstrap.h"
#include "membership/member.h"

namespace etcd::tools {

absl::Status ResolveDiscovery(config::ServerConfig* cfg, const log::Logger& logger,
                              const std::function<void(const std::string&)>& status,
                              std::vector<std::string>* proxy_peers) {
  if (!cfg->discovery_srv.empty()) {
    auto resolver = discovery::NewSystemResolver();
    if (status) status(absl::StrCat("resolving SRV records of ", cfg->discovery_srv));
    auto b = discovery::ApplySrvBootstrap(*resolver, *cfg);
    if (!b.ok()) return b.status();
    for (const auto& line : b->table) logger.Info("DNS SRV bootstrap", {{"record", line}});
    logger.Info("resolved the initial cluster from DNS SRV records",
                {{"discovery-srv", cfg->discovery_srv}, {"initial-cluster", b->initial_cluster}});
    *cfg = b->config;
    return absl::OkStatus();
  }
  if (cfg->discovery.empty()) return absl::OkStatus();

  std::vector<std::string> urls;
  for (const auto& u : cfg->initial_advertise_peer_urls) urls.push_back(u.ToString());
  if (urls.empty()) urls.push_back("http://localhost:2380");
  std::vector<std::string> parts;
  for (const auto& u : urls) parts.push_back(cfg->name + "=" + u);
  discovery::DiscoveryOptions o;
  o.url = cfg->discovery;
  o.member_id = membership::ComputeMemberId(urls, cfg->initial_cluster_token);
  o.name = cfg->name;
  o.value = absl::StrJoin(parts, ",");
  o.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  o.status = [&](const std::string& s) {
    logger.Info(s, {{"discovery", cfg->discovery}});
    if (status) status(s);
  };
  auto http = discovery::NewCurlHttpClient(cfg->discovery_proxy, 5000);
  auto cluster = discovery::JoinCluster(*http, o);
  if (!cluster.ok()) {
    if (cluster.status().code() == absl::StatusCode::kResourceExhausted &&
        cfg->discovery_fallback == config::DiscoveryFallback::kProxy && proxy_peers != nullptr) {
      logger.Warn(
          "discovery cluster full, falling back to proxy",
          {{"discovery", cfg->discovery}, {"error", std::string(cluster.status().message())}});
      auto peers = discovery::RegisteredPeerUrls(*http, o);
      if (!peers.ok()) return peers.status();
      *proxy_peers = *peers;
      return absl::OkStatus();
    }
    return cluster.status();
  }
  auto ic = config::ParseInitialCluster(*cluster);
  if (!ic.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("discovery: the token ", cfg->discovery,
                                                   " holds an invalid cluster \"", *cluster,
                                                   "\": ", ic.status().message()));
  }
  logger.Info("discovered the initial cluster",
              {{"discovery", cfg->discovery}, {"initial-cluster", *cluster}});
  cfg->initial_cluster = *ic;
  cfg->discovery.clear();
  return absl::OkStatus();
}

int CheckSrvRecords(const config::ServerConfig& cfg) {
  if (cfg.discovery_srv.empty()) return 0;
  auto resolver = discovery::NewSystemResolver();
  std::printf("\nDNS SRV bootstrap (--discovery-srv=%s):\n", cfg.discovery_srv.c_str());
  auto b = discovery::ApplySrvBootstrap(*resolver, cfg);
  if (!b.ok()) {
    std::printf("  error: %s\n", std::string(b.status().message()).c_str());
    return 1;
  }
  for (const auto& line : b->table) std::printf("  %s\n", line.c_str());
  std::printf("  initial cluster: %s\n", b->initial_cluster.c_str());
  return 0;
}

}  // namespace etcd::tools
