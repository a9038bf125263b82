#include "api/client_port.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_posix.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <thread>

#include "api/auth_service.h"
#include "api/cluster_service.h"
#include "api/gateway.h"
#include "api/h2_front.h"
#include "api/http_endpoints.h"
#include "api/http_server.h"
#include "api/kv_service.h"
#include "api/lease_service.h"
#include "api/maintenance_service.h"

namespace etcd::api {

struct ClientPort::Impl final : public ConnectionSink {
  Impl(server::ServerApi* api, const ClientPortOptions& opts, size_t max_recv)
      : options(opts),
        kv(api, max_recv),
        lease(api, max_recv),
        cluster(api, max_recv),
        maintenance(api, max_recv),
        auth(api) {}

  ~Impl() override {
    if (grpc_server != nullptr) grpc_server->Shutdown();  // no-op when already shut down
    cq_server.Shutdown();
  }

  void ServeHttp2(int fd) override {
    if (h2_front != nullptr) {
      h2_front->Add(fd);
    } else {
      grpc::AddInsecureChannelFromFd(grpc_server.get(), fd);
    }
  }
  void ServeHttp1(int fd, const sockaddr* addr, socklen_t len) override {
    http_server->AddConnection(fd, addr, len);
  }
  void ServeTls(int fd, const sockaddr* addr, socklen_t len) override {
    if (tls_front == nullptr) {
      close(fd);
      return;
    }
    tls_front->Add(fd, addr, len);
  }

  const ClientPortOptions options;
  KvService kv;
  LeaseService lease;
  ClusterService cluster;
  MaintenanceService maintenance;
  AuthService auth;
  std::unique_ptr<grpc::Server> grpc_server;
  // Drained before grpc_server is destroyed: gRPC's pending-call objects in the queues
  // refer to the server.
  CqServer cq_server;
  // Before gRPC's server is destroyed: its relays are gRPC connections.
  std::unique_ptr<H2Front> h2_front;
  std::unique_ptr<Gateway> gateway;
  std::unique_ptr<HttpEndpoints> endpoints;
  std::unique_ptr<HttpServer> http_server;
  std::unique_ptr<TlsFront> tls_front;
  std::unique_ptr<ClientListener> listener;
  bool shut_down = false;
};

ClientPort::ClientPort(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClientPort::~ClientPort() { Shutdown(); }

const std::vector<int>& ClientPort::ports() const { return impl_->listener->ports(); }

absl::StatusOr<std::unique_ptr<ClientPort>> ClientPort::Start(
    server::ServerApi* api, const ClientPortOptions& options,
    const std::vector<grpc::Service*>& extra_services) {
  // Go's limit (--max-request-bytes + 512 KiB) is checked by the services, with Go's
  // error text; gRPC's own, larger limit only bounds memory.
  const int64_t max_recv = int64_t{options.max_request_bytes} + 512 * 1024;
  auto impl = std::make_unique<Impl>(api, options, static_cast<size_t>(max_recv));

  // gRPC: no listening port; connections come from the front door.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<int64_t>(max_recv * 4 + (1 << 20), INT_MAX)));
  builder.SetMaxSendMessageSize(INT_MAX);
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONCURRENT_STREAMS,
      static_cast<int>(std::min<uint32_t>(options.max_concurrent_streams, INT_MAX)));
  auto ms = [](std::chrono::milliseconds d) {
    return static_cast<int>(std::min<int64_t>(d.count(), INT_MAX));
  };
  // Server pings (--grpc-keepalive-interval/-timeout), also on idle connections, as Go's
  // keepalive.ServerParameters does.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ms(options.keepalive_interval));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ms(options.keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Client pings more often than --grpc-keepalive-min-time are strikes (GOAWAY after
  // two), as Go's keepalive.EnforcementPolicy.MinTime.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             ms(options.keepalive_min_time));
  builder.RegisterService(&impl->kv);
  builder.RegisterService(&impl->lease);
  builder.RegisterService(&impl->cluster);
  builder.RegisterService(&impl->maintenance);
  builder.RegisterService(&impl->auth);
  for (grpc::Service* s : extra_services) builder.RegisterService(s);
  impl->cq_server.AddQueues(&builder, CqServer::DefaultThreads());
  impl->kv.AddAsyncMethods(&impl->cq_server);
  impl->grpc_server = builder.BuildAndStart();
  if (impl->grpc_server == nullptr) return absl::InternalError("cannot start the gRPC server");
  impl->cq_server.Start();

  // The h2 front door: native KV, everything else relayed to the gRPC server.
  if (options.native_kv) {
    H2FrontOptions fo;
    fo.threads = options.native_kv_threads > 0 ? options.native_kv_threads
                                               : (std::thread::hardware_concurrency() <= 2 ? 1 : 2);
    fo.max_request_bytes = static_cast<size_t>(max_recv);
    fo.max_concurrent_streams = options.max_concurrent_streams;
    fo.keepalive_min_time = options.keepalive_min_time;
    fo.keepalive_interval = options.keepalive_interval;
    fo.keepalive_timeout = options.keepalive_timeout;
    grpc::Server* server = impl->grpc_server.get();
    fo.serve_grpc = [server](int fd) { grpc::AddInsecureChannelFromFd(server, fd); };
    auto front = H2Front::Start(api, fo);
    if (!front.ok()) {
      impl->grpc_server->Shutdown();
      return front.status();
    }
    impl->h2_front = std::move(*front);
  }

  // HTTP/1.1.
  if (options.enable_grpc_gateway) impl->gateway = std::make_unique<Gateway>(api);
  HttpEndpointsOptions eo;
  eo.enable_pprof = options.enable_pprof;
  eo.set_log_level = options.set_log_level;
  eo.v2_handler = options.v2_handler;
  eo.gateway = impl->gateway.get();
  impl->endpoints = std::make_unique<HttpEndpoints>(api, std::move(eo));
  HttpServerOptions ho;
  ho.cors = options.cors;
  ho.host_whitelist = options.host_whitelist;
  ho.max_body_bytes = static_cast<size_t>(max_recv) * 4;
  ho.stream_check_interval = options.http_stream_check_interval;
  auto http = HttpServer::Start(impl->endpoints.get(), ho);
  if (!http.ok()) {
    impl->grpc_server->Shutdown();
    return http.status();
  }
  impl->http_server = std::move(*http);

  // TLS termination in front of both servers (https:// and unixs:// addresses).
  const bool any_tls = std::any_of(options.addresses.begin(), options.addresses.end(),
                                   [](const ListenAddress& a) { return a.tls; });
  if (any_tls) {
    if (options.tls == nullptr) {
      impl->http_server->Shutdown();
      impl->grpc_server->Shutdown();
      return absl::FailedPreconditionError(
          "TLS key/cert (--cert-file, --key-file) must be provided for a TLS client url");
    }
    TlsFrontOptions to = options.tls_front;
    if (to.handshake_timeout.count() <= 0) to.handshake_timeout = options.sniff_timeout;
    auto front = TlsFront::Start(options.tls, impl.get(), to);
    if (!front.ok()) {
      impl->http_server->Shutdown();
      impl->grpc_server->Shutdown();
      return front.status();
    }
    impl->tls_front = std::move(*front);
  }

  // The front door last: from here on connections arrive.
  ClientListenerOptions lo;
  lo.sniff_timeout = options.sniff_timeout;
  auto listener = ClientListener::Start(options.addresses, impl.get(), lo);
  if (!listener.ok()) {
    impl->http_server->Shutdown();
    impl->grpc_server->Shutdown();
    return listener.status();
  }
  impl->listener = std::move(*listener);
  return std::unique_ptr<ClientPort>(new ClientPort(std::move(impl)));
}

uint64_t ClientPort::native_kv_calls() const {
  return impl_->h2_front != nullptr ? impl_->h2_front->native_calls() : 0;
}

void ClientPort::Shutdown() {
  if (impl_ == nullptr || impl_->shut_down) return;
  impl_->shut_down = true;
  impl_->listener->Stop();
  const auto grace_end = std::chrono::steady_clock::now() + impl_->options.shutdown_grace;
  if (impl_->h2_front != nullptr) impl_->h2_front->BeginShutdown();  // GOAWAY
  impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + impl_->options.shutdown_grace);
  // Native calls get the same grace; then the front door closes its connections.
  if (impl_->h2_front != nullptr) impl_->h2_front->Stop(grace_end);
  impl_->cq_server.Shutdown();  // after the server: its queues drain the cancelled calls
  impl_->http_server->Shutdown();
  // Last: the pumps carried the servers' final bytes until now.
  if (impl_->tls_front != nullptr) impl_->tls_front->Stop();
}

}  // namespace etcd::api
