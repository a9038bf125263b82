#include "transport/peer_service.h"

#include <grpc/grpc_security_constants.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "transport/peer_client.h"

namespace etcd::transport {
namespace {

std::vector<std::string> Urls(const peerpb::HandshakeRequest& hello) {
  return std::vector<std::string>(hello.peer_urls().begin(), hello.peer_urls().end());
}

// Initial reservation for a snapshot payload; larger payloads grow as they arrive.
constexpr uint64_t kMaxReserve = 64 << 20;

}  // namespace

PeerService::PeerService(RaftHandler* handler, uint64_t max_snapshot_bytes)
    : handler_(handler), max_snapshot_bytes_(max_snapshot_bytes) {}

void PeerService::SetIdentity(LocalIdentity identity) {
  absl::MutexLock l(&mu_);
  identity_ = std::move(identity);
}

int PeerService::open_streams() const {
  absl::MutexLock l(&mu_);
  return open_streams_;
}

absl::StatusOr<LocalIdentity> PeerService::Identity() const {
  absl::MutexLock l(&mu_);
  if (!identity_.has_value()) return absl::UnavailableError("peer transport is starting");
  return *identity_;
}

absl::Status PeerService::Admit(const LocalIdentity& local, const peerpb::HandshakeRequest& hello,
                                bool allow_unknown_cluster) {
  bool removed = hello.member_id() != 0 && handler_->IsRemoved(hello.member_id());
  absl::Status s = CheckCaller(local, hello, removed, allow_unknown_cluster);
  if (s.ok()) {
    absl::MutexLock l(&mu_);
    last_rejection_.erase(hello.member_id());
    return s;
  }
  Reject(hello.member_id(), hello, s);
  return s;
}

void PeerService::Reject(uint64_t from, const peerpb::HandshakeRequest& hello,
                         const absl::Status& why) {
  {
    absl::MutexLock l(&mu_);
    std::string& last = last_rejection_[from];
    if (last == why.message()) return;
    last = std::string(why.message());
  }
  PeerEvent e;
  e.kind = PeerEvent::Kind::kRejected;
  e.peer_id = from;
  e.peer_urls = Urls(hello);
  e.status = why;
  handler_->OnPeerEvent(e);
}

absl::Status PeerService::CheckTlsCaller(const grpc::ServerContext* ctx) const {
  if (!tls_check_) return absl::OkStatus();
  std::shared_ptr<const grpc::AuthContext> auth = ctx->auth_context();
  if (auth == nullptr) return absl::OkStatus();
  std::vector<grpc::string_ref> type =
      auth->FindPropertyValues(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME);
  const std::string security = type.empty() ? "" : std::string(type[0].data(), type[0].size());
  if (security != GRPC_SSL_TRANSPORT_SECURITY_TYPE &&
      security != GRPC_TLS_TRANSPORT_SECURITY_TYPE) {
    return absl::OkStatus();  // a plain (http://) listen URL
  }
  std::string pem;
  std::vector<grpc::string_ref> certs = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (!certs.empty()) pem.assign(certs[0].data(), certs[0].size());
  return tls_check_(ctx->peer(), pem);
}

grpc::Status PeerService::Handshake(grpc::ServerContext* ctx, const peerpb::HandshakeRequest* req,
                                    peerpb::HandshakeResponse* resp) {
  absl::StatusOr<LocalIdentity> local = Identity();
  if (!local.ok()) return ToGrpcStatus(local.status());
  if (absl::Status t = CheckTlsCaller(ctx); !t.ok()) return ToGrpcStatus(t);
  absl::Status s = Admit(*local, *req, /*allow_unknown_cluster=*/false);
  if (!s.ok()) return ToGrpcStatus(s);
  *resp = local->Response();
  return grpc::Status::OK;
}

grpc::Status PeerService::Stream(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<peerpb::PeerEnvelope, peerpb::PeerEnvelope>* stream) {
  absl::StatusOr<LocalIdentity> local = Identity();
  if (!local.ok()) return ToGrpcStatus(local.status());
  if (absl::Status t = CheckTlsCaller(ctx); !t.ok()) return ToGrpcStatus(t);
  peerpb::PeerEnvelope env;
  if (!stream->Read(&env)) return grpc::Status(grpc::StatusCode::CANCELLED, "stream closed");
  if (!env.has_hello()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "peer stream must start with a handshake");
  }
  const peerpb::HandshakeRequest hello = env.hello();
  absl::Status admitted = Admit(*local, hello, /*allow_unknown_cluster=*/false);
  if (!admitted.ok()) return ToGrpcStatus(admitted);

  StreamOpened();
  grpc::Status result = grpc::Status::OK;
  while (stream->Read(&env)) {
    if (env.has_batch()) {
      absl::Status s = DeliverBatch(*local, hello, env.mutable_batch());
      if (!s.ok()) {
        result = ToGrpcStatus(s);
        break;
      }
    } else if (env.has_ping()) {
      peerpb::PeerEnvelope pong;
      pong.mutable_pong()->set_seq(env.ping().seq());
      if (!stream->Write(pong)) break;
    } else {
      result = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "unexpected frame on peer stream (only batches and pings)");
      break;
    }
  }
  StreamClosed();
  return result;
}

absl::StatusOr<LocalIdentity> PeerService::AdmitStream(const peerpb::HandshakeRequest& hello) {
  absl::StatusOr<LocalIdentity> local = Identity();
  if (!local.ok()) return local.status();
  RETURN_IF_ERROR(Admit(*local, hello, /*allow_unknown_cluster=*/false));
  return local;
}

absl::Status PeerService::DeliverBatch(const LocalIdentity& local,
                                       const peerpb::HandshakeRequest& hello,
                                       peerpb::MessageBatch* batch) {
  const uint64_t from = hello.member_id();
  // Removal can happen while the stream is open: check per batch.
  if (handler_->IsRemoved(from)) {
    absl::Status s = CheckCaller(local, hello, /*caller_removed=*/true);
    Reject(from, hello, s);
    return s;
  }
  for (const raftpb::Message& m : batch->messages()) {
    if (m.to() != local.member_id || m.from() != from) {
      absl::Status bad = absl::InvalidArgumentError(absl::StrCat(
          "peer stream from member ", HexId(from), " carried a message from ", HexId(m.from()),
          " to ", HexId(m.to()), "; this is member ", HexId(local.member_id)));
      Reject(from, hello, bad);
      return bad;
    }
  }
  std::vector<raftpb::Message> msgs(static_cast<size_t>(batch->messages_size()));
  for (int i = 0; i < batch->messages_size(); ++i) {
    msgs[static_cast<size_t>(i)].Swap(batch->mutable_messages(i));
  }
  handler_->ProcessAll(std::move(msgs));
  return absl::OkStatus();
}

void PeerService::StreamOpened() {
  absl::MutexLock l(&mu_);
  ++open_streams_;
}

void PeerService::StreamClosed() {
  absl::MutexLock l(&mu_);
  --open_streams_;
}

grpc::Status PeerService::Snapshot(grpc::ServerContext* ctx,
                                   grpc::ServerReader<peerpb::SnapshotChunk>* reader,
                                   peerpb::SnapshotAck* ack) {
  absl::StatusOr<LocalIdentity> local = Identity();
  if (!local.ok()) return ToGrpcStatus(local.status());
  if (absl::Status t = CheckTlsCaller(ctx); !t.ok()) return ToGrpcStatus(t);
  peerpb::SnapshotChunk chunk;
  if (!reader->Read(&chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "stream closed");
  if (!chunk.has_hello() || !chunk.has_message()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "snapshot stream must start with a handshake and the message");
  }
  const peerpb::HandshakeRequest hello = chunk.hello();
  const uint64_t from = hello.member_id();
  absl::Status admitted = Admit(*local, hello, /*allow_unknown_cluster=*/false);
  if (!admitted.ok()) return ToGrpcStatus(admitted);

  raftpb::Message msg = std::move(*chunk.mutable_message());
  const uint64_t total = chunk.total_size();
  if (msg.type() != raftpb::MSG_SNAP || msg.to() != local->member_id || msg.from() != from) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("snapshot stream from member ", HexId(from),
                     " must carry a MSG_SNAP from it to member ", HexId(local->member_id)));
  }
  if (total > max_snapshot_bytes_) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("snapshot of ", total, " bytes exceeds the limit of ",
                                     max_snapshot_bytes_, " bytes"));
  }
  std::string data;
  data.reserve(std::min(total, kMaxReserve));
  do {
    if (chunk.offset() != data.size()) {
      return grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("snapshot chunk at offset ", chunk.offset(), ", expected ", data.size()));
    }
    if (data.size() + chunk.data().size() > total) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("snapshot payload exceeds its declared ", total, " bytes"));
    }
    data.append(chunk.data());
    chunk.Clear();
  } while (reader->Read(&chunk));
  if (data.size() != total) {
    return grpc::Status(
        grpc::StatusCode::DATA_LOSS,
        absl::StrCat("snapshot truncated: received ", data.size(), " of ", total, " bytes"));
  }
  // Removal may have happened during a long transfer.
  if (handler_->IsRemoved(from)) {
    absl::Status s = CheckCaller(*local, hello, /*caller_removed=*/true);
    Reject(from, hello, s);
    return ToGrpcStatus(s);
  }
  msg.mutable_snapshot()->set_data(std::move(data));
  handler_->Process(std::move(msg));
  ack->set_received_bytes(total);
  return grpc::Status::OK;
}

grpc::Status PeerService::Members(grpc::ServerContext* ctx, const peerpb::MembersRequest* req,
                                  peerpb::MembersResponse* resp) {
  absl::StatusOr<LocalIdentity> local = Identity();
  if (!local.ok()) return ToGrpcStatus(local.status());
  if (absl::Status t = CheckTlsCaller(ctx); !t.ok()) return ToGrpcStatus(t);
  absl::Status s = Admit(*local, req->hello(), /*allow_unknown_cluster=*/true);
  if (!s.ok()) return ToGrpcStatus(s);
  resp->set_cluster_id(local->cluster_id);
  resp->set_member_id(local->member_id);
  resp->set_version(local->version);
  std::vector<serverpb::Member> members = handler_->Members();
  std::sort(members.begin(), members.end(),
            [](const serverpb::Member& a, const serverpb::Member& b) { return a.id() < b.id(); });
  for (auto& m : members) *resp->add_members() = std::move(m);
  return grpc::Status::OK;
}

grpc::Status PeerService::LeaseRenew(grpc::ServerContext* ctx, const peerpb::LeaseRenewRequest* req,
                                     peerpb::LeaseRenewResponse* resp) {
  absl::StatusOr<LocalIdentity> local = Identity();
  if (!local.ok()) return ToGrpcStatus(local.status());
  if (absl::Status t = CheckTlsCaller(ctx); !t.ok()) return ToGrpcStatus(t);
  absl::Status s = Admit(*local, req->hello(), /*allow_unknown_cluster=*/false);
  if (!s.ok()) return ToGrpcStatus(s);
  absl::Time deadline = absl::FromChrono(ctx->deadline());
  absl::Time cap = absl::Now() + absl::Seconds(30);
  absl::StatusOr<int64_t> ttl = handler_->LeaseRenew(req->id(), std::min(deadline, cap));
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  resp->set_ttl(*ttl);
  return grpc::Status::OK;
}

}  // namespace etcd::transport
