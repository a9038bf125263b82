#include "server/peer_transport.h"

#include <sys/stat.h>

#include "membership/member.h"
#include "server/etcd_server.h"

namespace etcd::server {
namespace {

std::string KindName(transport::PeerEvent::Kind k) {
  switch (k) {
    case transport::PeerEvent::Kind::kActive:
      return "active";
    case transport::PeerEvent::Kind::kInactive:
      return "inactive";
    case transport::PeerEvent::Kind::kRefused:
      return "refused";
    case transport::PeerEvent::Kind::kRejected:
      return "rejected";
    case transport::PeerEvent::Kind::kSnapshotFailed:
      return "snapshot-failed";
  }
  return "unknown";
}

}  // namespace

PeerTransport::PeerTransport(const Clock* clock, const log::Logger* logger)
    : clock_(clock), logger_(logger != nullptr ? logger : &log::Default()) {}

PeerTransport::~PeerTransport() { Stop(); }

absl::Status PeerTransport::Start(EtcdServer* member, const config::ServerConfig& cfg) {
  transport::TransportOptions o;
  o.member_id = member->MemberId();
  o.cluster_id = member->ClusterId();
  o.name = cfg.name;
  if (auto self = member->cluster().Find(member->MemberId());
      self.has_value() && !self->peer_urls.empty()) {
    o.advertise_peer_urls = self->peer_urls;
  } else {
    for (const auto& u : cfg.initial_advertise_peer_urls)
      o.advertise_peer_urls.push_back(u.ToString());
  }
  for (const auto& u : cfg.listen_peer_urls) {
    if (u.scheme == "unix" || u.scheme == "unixs") continue;
    config::Url l = u;
    if (l.host == "localhost") l.host = "127.0.0.1";
    o.listen_peer_urls.push_back(l.ToString());
  }
  o.server_credentials = server_creds_;
  o.channel_credentials = channel_creds_;
  o.check_tls_caller = check_caller_;
  o.rng_seed =
      member->MemberId() ^ static_cast<uint64_t>(clock_->WallNow().time_since_epoch().count());
  member_ = member;
  transport_ = std::make_unique<transport::Transport>(std::move(o), clock_);
  absl::Status s = transport_->Start(this);
  if (!s.ok()) {
    transport_.reset();
    return s;
  }
  absl::MutexLock lock(&mu_);
  running_ = true;
  return absl::OkStatus();
}

void PeerTransport::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_poll_ = true;
  }
  cv_.SignalAll();
  if (poll_thread_.joinable()) poll_thread_.join();
  {
    absl::MutexLock lock(&mu_);
    if (!running_) return;
    running_ = false;
  }
  transport_->Stop();
}

void PeerTransport::SetTls(
    std::shared_ptr<grpc::ServerCredentials> server,
    std::shared_ptr<grpc::ChannelCredentials> channel,
    std::function<absl::Status(const std::string&, const std::string&)> check_caller) {
  server_creds_ = std::move(server);
  channel_creds_ = std::move(channel);
  check_caller_ = std::move(check_caller);
}

void PeerTransport::SetTestIsolationFile(std::string path) {
  isolation_file_ = std::move(path);
  if (isolation_file_.empty()) return;
  poll_thread_ = std::thread([this] { PollIsolation(); });
}

void PeerTransport::PollIsolation() {
  absl::MutexLock lock(&mu_);
  while (!stop_poll_) {
    struct stat st {};
    const bool now = ::stat(isolation_file_.c_str(), &st) == 0;
    if (now != isolated_.exchange(now)) {
      logger_->Warn(now ? "TEST: isolated from every peer (isolation file present)"
                        : "TEST: isolation ended (isolation file removed)",
                    {{"file", isolation_file_}});
    }
    cv_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
  }
}

void PeerTransport::Send(std::vector<raftpb::Message> msgs) {
  if (transport_ == nullptr || Isolated()) {
    for (const auto& m : msgs) {
      if (m.type() == raftpb::MSG_SNAP && member_ != nullptr) member_->ReportSnapshot(m.to(), true);
      if (member_ != nullptr) member_->ReportUnreachable(m.to());
    }
    return;
  }
  transport_->Send(std::move(msgs));
}

void PeerTransport::AddPeer(uint64_t id, const std::vector<std::string>& peer_urls) {
  if (transport_ == nullptr || peer_urls.empty()) return;
  absl::Status s = transport_->AddPeer(id, peer_urls);
  if (absl::IsAlreadyExists(s)) s = transport_->UpdatePeer(id, peer_urls);
  if (!s.ok()) {
    logger_->Warn("failed to add a peer",
                  {{"remote-peer-id", membership::IdToHex(id)}, {"error", s.ToString()}});
  }
}

void PeerTransport::UpdatePeer(uint64_t id, const std::vector<std::string>& peer_urls) {
  if (transport_ == nullptr || peer_urls.empty()) return;
  absl::Status s = transport_->UpdatePeer(id, peer_urls);
  if (absl::IsNotFound(s)) s = transport_->AddPeer(id, peer_urls);
  if (!s.ok()) {
    logger_->Warn("failed to update a peer",
                  {{"remote-peer-id", membership::IdToHex(id)}, {"error", s.ToString()}});
  }
}

void PeerTransport::RemovePeer(uint64_t id) {
  if (transport_ != nullptr) transport_->RemovePeer(id);
}

std::optional<Clock::TimePoint> PeerTransport::ActiveSince(uint64_t id) const {
  if (transport_ == nullptr) return std::nullopt;
  return transport_->ActiveSince(id);
}

void PeerTransport::LeaseRenew(uint64_t leader, int64_t lease, std::chrono::milliseconds timeout,
                               LeaseRenewDone done) {
  if (transport_ == nullptr) return done(absl::UnavailableError("peer transport not started"));
  if (Isolated()) return done(absl::UnavailableError("TEST: isolated from every peer"));
  transport_->LeaseRenewAsync(leader, lease, timeout, std::move(done));
}

void PeerTransport::Process(raftpb::Message msg) {
  if (Isolated()) return;
  member_->ProcessPeerMessage(std::move(msg));
}

void PeerTransport::ProcessAll(std::vector<raftpb::Message> msgs) {
  if (Isolated()) return;
  member_->ProcessPeerMessages(std::move(msgs));
}

void PeerTransport::ReportUnreachable(uint64_t id) { member_->ReportUnreachable(id); }

void PeerTransport::ReportSnapshot(uint64_t id, bool failed) {
  member_->ReportSnapshot(id, failed);
}

bool PeerTransport::IsRemoved(uint64_t id) { return member_->IsRemovedMember(id); }

std::vector<serverpb::Member> PeerTransport::Members() { return member_->PeerMembers(); }

absl::StatusOr<int64_t> PeerTransport::LeaseRenew(int64_t id, absl::Time deadline) {
  if (Isolated()) return absl::UnavailableError("TEST: isolated from every peer");
  return member_->RenewLeaseForPeer(id, deadline);
}

void PeerTransport::OnPeerEvent(const transport::PeerEvent& e) {
  std::vector<log::Field> f = {{"local-member-id", membership::IdToHex(member_->MemberId())},
                               {"remote-peer-id", membership::IdToHex(e.peer_id)},
                               {"event", KindName(e.kind)}};
  if (!e.status.ok()) f.emplace_back("error", std::string(e.status.message()));
  switch (e.kind) {
    case transport::PeerEvent::Kind::kActive:
      logger_->Info("peer became active", f);
      break;
    case transport::PeerEvent::Kind::kInactive:
      logger_->Warn("peer became inactive (message send to peer failed)", f);
      break;
    default:
      logger_->Warn("peer connection refused or failed", f);
      break;
  }
}

void PeerTransport::OnRemovedFromCluster(uint64_t reported_by) {
  member_->HandleRemovedFromCluster(reported_by);
}

}  // namespace etcd::server
