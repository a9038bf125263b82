#include "transport/peer_client.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "peerpb/peer.grpc.pb.h"
#include "transport/peer_url.h"

namespace etcd::transport {

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(
    const std::string& url, const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  absl::StatusOr<PeerUrl> parsed = ParsePeerUrl(url);
  if (!parsed.ok()) return parsed.status();
  // The scheme decides: https dials TLS with the given credentials, http plain.
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (parsed->scheme == "https") {
    if (credentials == nullptr) {
      return absl::UnimplementedError(
          absl::StrCat("peer URL ", url, ": https needs peer TLS credentials (not configured)"));
    }
    creds = credentials;
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  args.SetMaxSendMessageSize(-1);
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(parsed->Target(), creds, args);
}

absl::Status FromGrpcStatus(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

absl::StatusOr<peerpb::MembersResponse> FetchMembers(
    const std::vector<std::string>& peer_urls, const peerpb::HandshakeRequest& hello,
    std::chrono::milliseconds timeout,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  std::vector<std::string> failures;
  absl::Status last = absl::InvalidArgumentError("no peer URLs to fetch the member list from");
  for (const std::string& url : peer_urls) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakePeerChannel(url, credentials);
    if (!channel.ok()) {
      last = channel.status();
      failures.push_back(absl::StrCat(url, ": ", last.message()));
      continue;
    }
    auto stub = peerpb::Peer::NewStub(*channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    peerpb::MembersRequest req;
    *req.mutable_hello() = hello;
    peerpb::MembersResponse resp;
    grpc::Status s = stub->Members(&ctx, req, &resp);
    if (s.ok()) return resp;
    last = FromGrpcStatus(s);
    failures.push_back(absl::StrCat(url, ": ", last.message()));
  }
  if (failures.empty()) return last;
  return absl::Status(last.code(), absl::StrCat("cannot fetch the member list from peers: ",
                                                absl::StrJoin(failures, "; ")));
}

}  // namespace etcd::transport
