#include "api/grpc_call.h"

#include "api/tls_peers.h"
#include "common/errors.h"

namespace etcd::api {

server::RequestContext ContextFromHeaders(HeaderLookup header, std::string cert_common_name) {
  server::RequestContext rc;
  if (std::optional<std::string_view> token = header("token")) {
    rc.token.assign(token->data(), token->size());
  } else if (std::optional<std::string_view> auth = header("authorization")) {
    rc.token.assign(auth->data(), auth->size());  // etcd's swagger name
  }
  if (std::optional<std::string_view> hl = header("hasleader")) rc.require_leader = *hl == "true";
  rc.cert_common_name = std::move(cert_common_name);
  return rc;
}

server::RequestContext ContextFromMetadata(const grpc::ServerContextBase& ctx) {
  const auto& md = ctx.client_metadata();
  std::string cn;
  // TLS connections reach gRPC as "fd:<n>" (tls_front.h hands over a socketpair end).
  if (std::optional<TlsPeer> peer = LookupTlsPeerByGrpcPeer(ctx.peer())) {
    cn = std::move(peer->common_name);
  }
  return ContextFromHeaders(
      [&md](std::string_view name) -> std::optional<std::string_view> {
        auto it = md.find(grpc::string_ref(name.data(), name.size()));
        if (it == md.end()) return std::nullopt;
        return std::string_view(it->second.data(), it->second.size());
      },
      std::move(cn));
}

absl::Status CheckRequestSize(const google::protobuf::Message& request, size_t max_bytes) {
  if (max_bytes == 0) return absl::OkStatus();
  const size_t n = request.ByteSizeLong();
  if (n <= max_bytes) return absl::OkStatus();
  return errors::MessageTooLarge(n, max_bytes);
}

}  // namespace etcd::api
