#include "server/promote_forwarder.h"

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace etcd::server {
namespace {

// "http://h:p" -> "h:p", "unix://path" / "unix:path" -> "unix:path"; "" when unusable.
std::string GrpcTarget(const std::string& url) {
  if (url.rfind("http://", 0) == 0) {
    std::string rest = url.substr(7);
    auto slash = rest.find('/');
    return slash == std::string::npos ? rest : rest.substr(0, slash);
  }
  if (url.rfind("unix://", 0) == 0) return "unix:" + url.substr(7);
  if (url.rfind("unix:", 0) == 0) return url;
  return "";
}

// Channels and stubs live for the process: a channel released right after a callback
// call completes has crashed gRPC 1.51 (see client/), and leaders are few.
etcdserverpb::Cluster::Stub* StubFor(const std::string& target) {
  static absl::Mutex mu;
  static auto* stubs = new std::map<std::string, std::unique_ptr<etcdserverpb::Cluster::Stub>>();
  absl::MutexLock lock(&mu);
  auto& stub = (*stubs)[target];
  if (stub == nullptr) {
    stub = etcdserverpb::Cluster::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  }
  return stub.get();
}

struct Call {
  grpc::ClientContext ctx;
  etcdserverpb::MemberPromoteRequest req;
  etcdserverpb::MemberPromoteResponse resp;
  Transport::PromoteDone done;
};

}  // namespace

void ForwardPromoteOverClientUrls(const std::vector<std::string>& client_urls, uint64_t learner_id,
                                  const std::string& token, std::chrono::milliseconds timeout,
                                  Transport::PromoteDone done) {
  std::string target;
  for (const auto& u : client_urls) {
    target = GrpcTarget(u);
    if (!target.empty()) break;
  }
  if (target.empty()) {
    done(
        absl::UnavailableError("cannot forward member promote to the leader: no http:// or "
                               "unix:// client URL published by the leader"));
    return;
  }
  auto call = std::make_shared<Call>();
  etcdserverpb::Cluster::Stub* stub = StubFor(target);
  call->ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  if (!token.empty()) call->ctx.AddMetadata("token", token);
  call->req.set_id(learner_id);
  call->done = std::move(done);
  stub->async()->MemberPromote(&call->ctx, &call->req, &call->resp, [call](grpc::Status s) {
    if (!s.ok()) {
      call->done(absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message()));
      return;
    }
    std::vector<serverpb::Member> members;
    for (const auto& m : call->resp.members()) {
      serverpb::Member pb;
      pb.set_id(m.id());
      pb.set_name(m.name());
      for (const auto& u : m.peerurls()) pb.add_peer_urls(u);
      for (const auto& u : m.clienturls()) pb.add_client_urls(u);
      pb.set_is_learner(m.islearner());
      members.push_back(std::move(pb));
    }
    call->done(std::move(members));
  });
}

}  // namespace etcd::server
