// The client port (--listen-client-urls): the composition root's one entry point to
// the api module. It owns
//   - the front door (ClientListener: one listening socket per URL, one accept thread),
//   - one gRPC server without listening ports: HTTP/2 connections are added to it with
//     grpc::AddInsecureChannelFromFd; services KV, Lease, Cluster, Maintenance, Auth,
//     grpc.health.v1.Health (gRPC's built-in, service "" SERVING), plus the services
//     the caller creates and passes in: Watch (api::WatchService, src/watch/), later
//     Lock and Election,
//   - one HTTP/1.1 server (libmicrohttpd, one thread) with /health, /version,
//     /metrics, ... and the /v3 JSON gateway.
//
// Usage (tools/etcd/main.cc):
//   api::ClientPortOptions opts = ...;            // from config::ServerConfig
//   api::WatchService watch(&server);             // src/watch/watch_service.h
//   ASSIGN_OR_RETURN(auto port, api::ClientPort::Start(&server, opts, {&watch}));
//   ...
//   port->Shutdown();                             // before the server stops
//
// Thread safety: Start/Shutdown from the owner thread. The ServerApi and the extra
// services must outlive the ClientPort (or at least its Shutdown()).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/client_listener.h"
#include "api/tls_front.h"
#include "common/status.h"
#include "server/server_api.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace etcd::api {

class HttpHandler;

struct ClientPortOptions {
  // Where to listen: one socket each (http only for now; https comes with TLS).
  std::vector<ListenAddress> addresses;
  // --max-request-bytes: gRPC accepts messages up to this + 512 KiB.
  uint32_t max_request_bytes = 1572864;
  // --max-concurrent-streams (per HTTP/2 connection; capped at INT32_MAX).
  uint32_t max_concurrent_streams = 4294967295u;
  // --grpc-keepalive-min-time / -interval / -timeout.
  std::chrono::milliseconds keepalive_min_time{5000};
  std::chrono::milliseconds keepalive_interval{2 * 3600 * 1000};
  std::chrono::milliseconds keepalive_timeout{20000};
  // --enable-grpc-gateway: the /v3 JSON gateway.
  bool enable_grpc_gateway = true;
  // --enable-pprof (no profiles in C++: /debug/pprof stays 404, see client-port.md).
  bool enable_pprof = false;
  // --cors and --host-whitelist (empty or "*": all).
  std::vector<std::string> cors{"*"};
  std::vector<std::string> host_whitelist{"*"};
  // How long a new connection may take to send its first bytes.
  std::chrono::milliseconds sniff_timeout{10000};
  // PUT /config/local/log; may be empty.
  std::function<absl::Status(const std::string& level)> set_log_level;
  // /v2/* when --enable-v2 (not owned; null: 404).
  HttpHandler* v2_handler = nullptr;
  // How often idle HTTP streams (/v3/watch) are checked for a client that hung up.
  std::chrono::milliseconds http_stream_check_interval{1000};
  // How long Shutdown lets in-flight gRPC calls finish before cancelling them.
  std::chrono::milliseconds shutdown_grace{2000};
  // TLS for the addresses marked `tls` (https://, unixs://): the certificate context
  // (not owned; must outlive the port) and the front door's settings and hooks
  // (tls_front.h). Required when any address is TLS.
  tls::ServerTlsContext* tls = nullptr;
  TlsFrontOptions tls_front;
  // HTTP/2 connections go to the h2 front door (h2_front.h), which answers KV Range,
  // Put, DeleteRange and Txn itself and relays every other stream to gRPC C++. false:
  // every HTTP/2 connection is served by gRPC C++ directly.
  bool native_kv = true;
  // The front door's worker threads (0: 1 on machines with up to 2 CPUs, else 2).
  int native_kv_threads = 0;
};

class ClientPort {
 public:
  // Binds every address, starts the gRPC and HTTP servers and the accept thread.
  // `extra_services` (not owned; the Watch service, later Lock and Election) are registered on the
  // gRPC server. Errors name the address ("listen tcp 127.0.0.1:2379: bind: address already in
  // use").
  static absl::StatusOr<std::unique_ptr<ClientPort>> Start(
      server::ServerApi* api, const ClientPortOptions& options,
      const std::vector<grpc::Service*>& extra_services = {});

  ~ClientPort();
  ClientPort(const ClientPort&) = delete;
  ClientPort& operator=(const ClientPort&) = delete;

  // The bound TCP ports in the order of options.addresses (useful with port 0).
  const std::vector<int>& ports() const;

  // Stops accepting, lets in-flight gRPC calls finish for `shutdown_grace`, then
  // cancels the rest (streams end with CANCELLED), answers waiting HTTP requests with
  // 503 and closes every connection. Idempotent; the destructor calls it.
  void Shutdown();

  // KV calls answered by the h2 front door without gRPC C++ (0 with native_kv false).
  uint64_t native_kv_calls() const;

 private:
  struct Impl;
  explicit ClientPort(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace etcd::api
