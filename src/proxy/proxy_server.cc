#include "proxy/proxy_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/server_posix.h>
#include <unistd.h>

#include <climits>

#include "api/http_server.h"
#include "proxy/grpc_forwarder.h"
#include "proxy/http_forwarder.h"

namespace etcd::proxy {

struct ProxyServer::Impl final : public api::ConnectionSink {
  Impl(UpstreamPool* pool, const ProxyServerOptions& o)
      : grpc_forwarder(pool),
        http_forwarder(pool, HttpForwarderOptions{o.read_only, o.connect_timeout_ms}) {}

  void ServeHttp2(int fd) override { grpc::AddInsecureChannelFromFd(grpc_server.get(), fd); }
  void ServeHttp1(int fd, const sockaddr* addr, socklen_t len) override {
    http_server->AddConnection(fd, addr, len);
  }
  void ServeTls(int fd, const sockaddr*, socklen_t) override { close(fd); }

  GrpcForwarder grpc_forwarder;
  HttpForwarder http_forwarder;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<api::HttpServer> http_server;
  std::unique_ptr<api::ClientListener> listener;
  bool shut_down = false;
};

ProxyServer::ProxyServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ProxyServer::~ProxyServer() { Shutdown(); }

const std::vector<int>& ProxyServer::ports() const { return impl_->listener->ports(); }

absl::StatusOr<std::unique_ptr<ProxyServer>> ProxyServer::Start(UpstreamPool* pool,
                                                                const ProxyServerOptions& options) {
  for (const auto& a : options.addresses) {
    if (a.tls) {
      return absl::InvalidArgumentError(
          "the proxy serves plain http:// client URLs only (no TLS termination yet): " +
          a.ToString());
    }
  }
  auto impl = std::make_unique<Impl>(pool, options);
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(INT_MAX);
  builder.SetMaxSendMessageSize(INT_MAX);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.RegisterCallbackGenericService(&impl->grpc_forwarder);
  impl->grpc_server = builder.BuildAndStart();
  if (impl->grpc_server == nullptr) return absl::InternalError("proxy: cannot start gRPC server");
  api::HttpServerOptions ho;
  ho.cors = options.cors;
  ho.host_whitelist = options.host_whitelist;
  auto http = api::HttpServer::Start(&impl->http_forwarder, ho);
  if (!http.ok()) return http.status();
  impl->http_server = std::move(*http);
  auto listener = api::ClientListener::Start(options.addresses, impl.get());
  if (!listener.ok()) {
    impl->grpc_server->Shutdown();
    impl->http_server->Shutdown();
    return listener.status();
  }
  impl->listener = std::move(*listener);
  return std::unique_ptr<ProxyServer>(new ProxyServer(std::move(impl)));
}

void ProxyServer::Shutdown() {
  if (impl_ == nullptr || impl_->shut_down) return;
  impl_->shut_down = true;
  impl_->listener->Stop();
  impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  impl_->http_forwarder.Shutdown();
  impl_->http_server->Shutdown();
}

}  // namespace etcd::proxy
