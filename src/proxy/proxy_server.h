// The client-side proxy (--discovery-fallback=proxy, --proxy=on|readonly): listens on
// --listen-client-urls with the same front door as a member (one socket per URL, HTTP/2
// connections to gRPC, HTTP/1.1 ones to libmicrohttpd) and relays everything to the
// cluster's members: gRPC through GrpcForwarder (every service, streams included), HTTP
// through HttpForwarder. The upstream list is refreshed by the owner
// (UpstreamPool::SetEndpoints, from FetchClusterMembers every --proxy-refresh-interval).
// Design notes: docs/discovery.md "Proxy fallback".
//
// Usage (tools/etcd/proxy_mode.cc):
//   proxy::UpstreamPool pool(client_urls);
//   ASSIGN_OR_RETURN(auto server, proxy::ProxyServer::Start(&pool, options));
//   ... server->Shutdown();
//
// Thread safety: Start/Shutdown from the owner thread; the pool must outlive the server.
#pragma once

#include <memory>
#include <vector>

#include "api/client_listener.h"
#include "common/status.h"
#include "proxy/upstream_pool.h"

namespace etcd::proxy {

struct ProxyServerOptions {
  std::vector<api::ListenAddress> addresses;  // http only (no TLS termination in the proxy)
  bool read_only = false;                     // --proxy=readonly: HTTP GET/HEAD only
  long connect_timeout_ms = 1000;             // --proxy-dial-timeout (HTTP)
  std::vector<std::string> cors{"*"};
  std::vector<std::string> host_whitelist{"*"};
};

class ProxyServer {
 public:
  static absl::StatusOr<std::unique_ptr<ProxyServer>> Start(UpstreamPool* pool,
                                                            const ProxyServerOptions& options);
  ~ProxyServer();
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  const std::vector<int>& ports() const;
  // Stops accepting, cancels relayed calls and transfers. Idempotent.
  void Shutdown();

 private:
  struct Impl;
  explicit ProxyServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace etcd::proxy
