#include "api/grpc_call.h"

#include "api/tls_peers.h"
#include "common/errors.h"

namespace etcd::api {

server::RequestContext ContextFromMetadata(const grpc::ServerContextBase& ctx) {
  server::RequestContext rc;
  const auto& md = ctx.client_metadata();
  if (auto it = md.find("token"); it != md.end()) {
    rc.token.assign(it->second.data(), it->second.size());
  } else if (auto auth = md.find("authorization"); auth != md.end()) {
    rc.token.assign(auth->second.data(), auth->second.size());  // etcd's swagger name
  }
  if (auto it = md.find("hasleader"); it != md.end()) {
    rc.require_leader = std::string_view(it->second.data(), it->second.size()) == "true";
  }
  // TLS connections reach gRPC as "fd:<n>" (tls_front.h hands over a socketpair end).
  if (std::optional<TlsPeer> peer = LookupTlsPeerByGrpcPeer(ctx.peer())) {
    rc.cert_common_name = std::move(peer->common_name);
  }
  return rc;
}

absl::Status CheckRequestSize(const google::protobuf::Message& request, size_t max_bytes) {
  if (max_bytes == 0) return absl::OkStatus();
  const size_t n = request.ByteSizeLong();
  if (n <= max_bytes) return absl::OkStatus();
  return errors::MessageTooLarge(n, max_bytes);
}

}  // namespace etcd::api
