// The callee side of the peer protocol: the peerpb::Peer gRPC service registered on
// the server listening on --listen-peer-urls. Every call starts with the caller's
// HandshakeRequest and is checked (CheckCaller: cluster ID, intended member, removed)
// before anything reaches the RaftHandler. Refusals are returned to the caller with
// the gRPC code and text of CheckCaller, and reported once per caller to the handler
// (PeerEvent::kRejected) for the member to log.
//
// Thread safety: gRPC calls the handlers on its server threads, concurrently (one
// thread per open Stream/Snapshot call). SetIdentity/SetServing may be called from
// any thread; calls that arrive before the identity is set are answered UNAVAILABLE.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "peerpb/peer.grpc.pb.h"
#include "transport/identity.h"
#include "transport/raft_handler.h"

namespace etcd::transport {

class PeerService final : public peerpb::Peer::Service {
 public:
  // `handler` must outlive the service (and the grpc::Server it is registered on).
  PeerService(RaftHandler* handler, uint64_t max_snapshot_bytes);

  void SetIdentity(LocalIdentity identity);
  // TransportOptions::check_tls_caller; call before serving.
  using TlsCallerCheck = std::function<absl::Status(const std::string&, const std::string&)>;
  void SetTlsCallerCheck(TlsCallerCheck check) { tls_check_ = std::move(check); }
  // Number of inbound Stream calls currently open (diagnostics, tests).
  int open_streams() const;

  // The raft pipe (pipe_server.h) serves the same Stream protocol outside gRPC:
  // AdmitStream checks its hello as Stream checks the first frame (the local identity,
  // or the refusal, reported as Stream reports it); DeliverBatch checks and hands one
  // batch to the handler as Stream does (an error ends the connection).
  absl::StatusOr<LocalIdentity> AdmitStream(const peerpb::HandshakeRequest& hello);
  absl::Status DeliverBatch(const LocalIdentity& local, const peerpb::HandshakeRequest& hello,
                            peerpb::MessageBatch* batch);
  void StreamOpened();
  void StreamClosed();

  grpc::Status Handshake(grpc::ServerContext* ctx, const peerpb::HandshakeRequest* req,
                         peerpb::HandshakeResponse* resp) override;
  grpc::Status Stream(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<peerpb::PeerEnvelope, peerpb::PeerEnvelope>* stream) override;
  grpc::Status Snapshot(grpc::ServerContext* ctx, grpc::ServerReader<peerpb::SnapshotChunk>* reader,
                        peerpb::SnapshotAck* ack) override;
  grpc::Status Members(grpc::ServerContext* ctx, const peerpb::MembersRequest* req,
                       peerpb::MembersResponse* resp) override;
  grpc::Status LeaseRenew(grpc::ServerContext* ctx, const peerpb::LeaseRenewRequest* req,
                          peerpb::LeaseRenewResponse* resp) override;

 private:
  // The identity, or UNAVAILABLE while starting.
  absl::StatusOr<LocalIdentity> Identity() const;
  // Checks `hello` against `local` and the handler's removed set; reports a refusal
  // once per caller (and forgets it when the caller is admitted again).
  absl::Status Admit(const LocalIdentity& local, const peerpb::HandshakeRequest& hello,
                     bool allow_unknown_cluster);
  // Reports a refusal that is not about identity (e.g. a malformed stream).
  void Reject(uint64_t from, const peerpb::HandshakeRequest& hello, const absl::Status& why);

  // Runs tls_check_ on TLS calls (OK for plain ones or without a check).
  absl::Status CheckTlsCaller(const grpc::ServerContext* ctx) const;

  RaftHandler* const handler_;
  const uint64_t max_snapshot_bytes_;
  TlsCallerCheck tls_check_;  // set before serving, then read-only
  mutable absl::Mutex mu_;
  std::optional<LocalIdentity> identity_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::string> last_rejection_ ABSL_GUARDED_BY(mu_);
  int open_streams_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace etcd::transport
