#include "transport/transport.h"

#include <unistd.h>

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "peerpb/peer.grpc.pb.h"
#include "transport/peer_client.h"
#include "transport/peer_url.h"
#include "transport/pipe_socket.h"

namespace etcd::transport {
namespace {

absl::Status CheckUrls(const std::vector<std::string>& urls) {
  if (urls.empty()) return absl::InvalidArgumentError("a peer needs at least one URL");
  for (const auto& u : urls) {
    absl::StatusOr<PeerUrl> parsed = ParsePeerUrl(u);
    if (!parsed.ok()) return parsed.status();
  }
  return absl::OkStatus();
}

}  // namespace

Transport::Transport(TransportOptions options, const Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

Transport::~Transport() { Stop(); }

absl::Status Transport::Start(RaftHandler* handler) {
  {
    absl::MutexLock l(&mu_);
    if (started_ || stopped_) return absl::FailedPreconditionError("transport already started");
  }
  env_.options = &options_;
  env_.handler = handler;
  env_.clock = clock_;
  env_.local.member_id = options_.member_id;
  env_.local.cluster_id = options_.cluster_id;
  env_.local.name = options_.name;
  env_.local.version = options_.version;
  env_.local.peer_urls = options_.advertise_peer_urls;

  if (!options_.listen_peer_urls.empty()) {
    std::vector<PeerUrl> listen;
    for (const auto& u : options_.listen_peer_urls) {
      absl::StatusOr<PeerUrl> parsed = ParsePeerUrl(u);
      if (!parsed.ok()) return parsed.status();
      if (parsed->scheme == "https" && options_.server_credentials == nullptr) {
        return absl::UnimplementedError(
            absl::StrCat("listen peer URL ", u, ": https needs peer TLS credentials"));
      }
      listen.push_back(*parsed);
    }
    service_ = std::make_unique<PeerService>(handler, options_.max_snapshot_bytes);
    service_->SetTlsCallerCheck(options_.check_tls_caller);
    grpc::ServerBuilder builder;
    ports_.assign(listen.size(), 0);
    // http:// URLs: our own sockets, sniffed by the PipeServer (raft pipe or gRPC).
    std::vector<int> plain_fds;
    bool bound = true;
    for (size_t i = 0; i < listen.size() && bound; ++i) {
      if (listen[i].scheme == "https") continue;
      absl::StatusOr<std::vector<int>> fds = ListenTcp(listen[i].host, listen[i].port, &ports_[i]);
      if (!fds.ok()) {
        bound = false;
        break;
      }
      plain_fds.insert(plain_fds.end(), fds->begin(), fds->end());
    }
    for (size_t i = 0; i < listen.size() && bound; ++i) {
      // https serves TLS with the given credentials (gRPC only).
      if (listen[i].scheme == "https") {
        builder.AddListeningPort(listen[i].Target(), options_.server_credentials, &ports_[i]);
      }
    }
    builder.RegisterService(service_.get());
    builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
    builder.SetMaxSendMessageSize(-1);
    // Our channels send keepalive pings every 10s while a stream is open.
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
    // gRPC sets SO_REUSEPORT by default: two members could then share a port.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    if (bound) server_ = builder.BuildAndStart();
    bound = bound && server_ != nullptr &&
            std::none_of(ports_.begin(), ports_.end(), [](int p) { return p == 0; });
    if (!bound) {
      for (int fd : plain_fds) close(fd);
      if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
      server_.reset();
      service_.reset();
      return absl::UnavailableError(absl::StrCat("cannot listen on peer URLs ",
                                                 JoinUrls(options_.listen_peer_urls),
                                                 " (address in use or not local)"));
    }
    pipe_server_ = std::make_unique<PipeServer>(
        service_.get(), server_.get(), static_cast<size_t>(options_.max_receive_message_bytes));
    for (int fd : plain_fds) pipe_server_->AddListener(fd);
    if (env_.local.peer_urls.empty()) {
      for (size_t i = 0; i < listen.size(); ++i) {
        PeerUrl u = listen[i];
        u.port = ports_[i];
        env_.local.peer_urls.push_back(u.ToString());
      }
    }
    service_->SetIdentity(env_.local);
  }
  absl::MutexLock l(&mu_);
  started_ = true;
  return absl::OkStatus();
}

void Transport::Stop() {
  std::map<uint64_t, std::shared_ptr<Peer>> peers;
  std::list<std::unique_ptr<SnapshotJob>> jobs;
  {
    absl::MutexLock l(&mu_);
    if (stopped_) return;
    stopped_ = true;
    peers.swap(peers_);
    for (auto& job : snapshots_) job->ctx.TryCancel();
  }
  // First: no new connection reaches gRPC after its shutdown, no pipe delivers after Stop.
  if (pipe_server_ != nullptr) pipe_server_->Stop();
  if (server_ != nullptr) {
    // A deadline in the past cancels the open streams at once.
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
  }
  for (auto& [id, peer] : peers) peer->Stop();
  {
    absl::MutexLock l(&mu_);
    jobs.swap(snapshots_);
  }
  for (auto& job : jobs) {
    if (job->thread.joinable()) job->thread.join();
  }
}

LocalIdentity Transport::local() const { return env_.local; }

std::vector<int> Transport::listening_ports() const { return ports_; }

std::shared_ptr<Peer> Transport::FindPeer(uint64_t id) const {
  absl::MutexLock l(&mu_);
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second;
}

absl::Status Transport::AddPeer(uint64_t id, std::vector<std::string> urls) {
  RETURN_IF_ERROR(CheckUrls(urls));
  if (id == 0 || id == options_.member_id) {
    return absl::InvalidArgumentError(absl::StrCat("cannot add member ", HexId(id), " as a peer"));
  }
  std::shared_ptr<Peer> peer;
  {
    absl::MutexLock l(&mu_);
    if (!started_ || stopped_) return absl::FailedPreconditionError("transport is not running");
    if (peers_.count(id) != 0) {
      return absl::AlreadyExistsError(absl::StrCat("peer ", HexId(id), " already added"));
    }
    peer = std::make_shared<Peer>(id, std::move(urls), &env_);
    peers_[id] = peer;
    peer->Start();
  }
  return absl::OkStatus();
}

void Transport::RemovePeer(uint64_t id) {
  std::shared_ptr<Peer> peer;
  {
    absl::MutexLock l(&mu_);
    auto it = peers_.find(id);
    if (it == peers_.end()) return;
    peer = std::move(it->second);
    peers_.erase(it);
    for (auto& job : snapshots_) {
      if (job->to == id) job->ctx.TryCancel();
    }
  }
  peer->Stop();
}

absl::Status Transport::UpdatePeer(uint64_t id, std::vector<std::string> urls) {
  RETURN_IF_ERROR(CheckUrls(urls));
  std::shared_ptr<Peer> peer = FindPeer(id);
  if (peer == nullptr) return absl::NotFoundError(absl::StrCat("unknown peer ", HexId(id)));
  peer->UpdateUrls(std::move(urls));
  return absl::OkStatus();
}

bool Transport::HasPeer(uint64_t id) const { return FindPeer(id) != nullptr; }

void Transport::Send(std::vector<raftpb::Message> msgs) {
  std::set<uint64_t> unreachable;
  std::vector<raftpb::Message> snapshots;
  {
    absl::MutexLock l(&mu_);
    if (!started_ || stopped_) return;
    // Runs of consecutive messages to one peer go to it under one lock acquisition
    // (a raft Ready lists its messages grouped by destination).
    size_t i = 0;
    while (i < msgs.size()) {
      raftpb::Message& m = msgs[i];
      if (m.type() == raftpb::MSG_SNAP) {
        snapshots.push_back(std::move(m));
        ++i;
        continue;
      }
      const uint64_t to = m.to();
      auto it = peers_.find(to);
      if (it == peers_.end()) {
        ++unknown_peer_drops_;
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < msgs.size() && msgs[j].to() == to && msgs[j].type() != raftpb::MSG_SNAP) ++j;
      if (it->second->EnqueueAll(&msgs[i], j - i) > 0) unreachable.insert(to);
      i = j;
    }
  }
  for (uint64_t id : unreachable) env_.handler->ReportUnreachable(id);
  for (raftpb::Message& m : snapshots) {
    std::string data = std::move(*m.mutable_snapshot()->mutable_data());
    m.mutable_snapshot()->clear_data();
    SendSnapshot(std::move(m), NewStringSnapshotSource(std::move(data)));
  }
}

void Transport::SendSnapshot(raftpb::Message msg, std::unique_ptr<SnapshotSource> source) {
  ReapSnapshots();
  const uint64_t to = msg.to();
  std::shared_ptr<Peer> peer;
  {
    absl::MutexLock l(&mu_);
    if (!started_ || stopped_) return;  // after Stop: no handler calls
    auto it = peers_.find(to);
    bool busy = std::any_of(snapshots_.begin(), snapshots_.end(),
                            [&](const auto& j) { return j->to == to && !j->done; });
    if (it != peers_.end() && !busy) {
      peer = it->second;
      auto job = std::make_unique<SnapshotJob>();
      job->to = to;
      job->ctx.set_deadline(std::chrono::system_clock::now() + options_.snapshot_timeout);
      SnapshotJob* raw = job.get();
      snapshots_.push_back(std::move(job));
      raw->thread =
          std::thread([this, raw, peer, m = std::move(msg), src = std::move(source)]() mutable {
            RunSnapshot(raw, std::move(peer), std::move(m), std::move(src));
          });
      return;
    }
  }
  if (peer == nullptr) {
    // Unknown peer or a snapshot already in flight: fail now so Raft retries later.
    if (auto known = FindPeer(to)) known->RecordSnapshot(/*failed=*/true);
    env_.handler->ReportSnapshot(to, /*failed=*/true);
  }
}

void Transport::RunSnapshot(SnapshotJob* job, std::shared_ptr<Peer> peer, raftpb::Message msg,
                            std::unique_ptr<SnapshotSource> source) {
  absl::Status s;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = peer->RpcChannel();
  if (!channel.ok()) {
    s = channel.status();
  } else {
    auto stub = peerpb::Peer::NewStub(*channel);
    s = StreamSnapshot(stub.get(), &job->ctx, env_.local.Hello(job->to), msg, source.get(),
                       options_.snapshot_chunk_bytes);
  }
  bool failed = !s.ok();
  peer->RecordSnapshot(failed);
  {
    // Done before reporting: Raft may retry from inside ReportSnapshot's aftermath,
    // and the retry must not find this job still "in flight". Stop still joins it.
    absl::MutexLock l(&mu_);
    job->done = true;
  }
  if (failed) {
    PeerEvent e;
    e.kind = PeerEvent::Kind::kSnapshotFailed;
    e.peer_id = job->to;
    e.peer_urls = peer->urls();
    e.status = s;
    env_.handler->OnPeerEvent(e);
    env_.handler->ReportUnreachable(job->to);
    if (IsRemovedError(s)) env_.handler->OnRemovedFromCluster(job->to);
  }
  env_.handler->ReportSnapshot(job->to, failed);
}

void Transport::ReapSnapshots() {
  std::list<std::unique_ptr<SnapshotJob>> finished;
  {
    absl::MutexLock l(&mu_);
    for (auto it = snapshots_.begin(); it != snapshots_.end();) {
      if ((*it)->done) {
        finished.push_back(std::move(*it));
        it = snapshots_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& job : finished) {
    if (job->thread.joinable()) job->thread.join();
  }
}

std::vector<uint64_t> Transport::ActivePeers() const {
  std::vector<std::shared_ptr<Peer>> peers;
  {
    absl::MutexLock l(&mu_);
    for (const auto& [id, p] : peers_) peers.push_back(p);
  }
  std::vector<uint64_t> out;
  for (const auto& p : peers) {
    if (p->active()) out.push_back(p->id());
  }
  return out;
}

std::optional<Clock::TimePoint> Transport::ActiveSince(uint64_t id) const {
  std::shared_ptr<Peer> peer = FindPeer(id);
  if (peer == nullptr) return std::nullopt;
  return peer->active_since();
}

std::vector<PeerStats> Transport::Stats() const {
  std::vector<std::shared_ptr<Peer>> peers;
  {
    absl::MutexLock l(&mu_);
    for (const auto& [id, p] : peers_) peers.push_back(p);
  }
  std::vector<PeerStats> out;
  for (const auto& p : peers) out.push_back(p->Stats());
  return out;
}

uint64_t Transport::unknown_peer_drops() const {
  absl::MutexLock l(&mu_);
  return unknown_peer_drops_;
}

void Transport::LeaseRenewAsync(uint64_t leader_id, int64_t lease_id,
                                std::chrono::milliseconds timeout, LeaseRenewCallback done) {
  std::shared_ptr<Peer> peer = FindPeer(leader_id);
  if (peer == nullptr) {
    done(absl::UnavailableError(absl::StrCat("unknown leader member ", HexId(leader_id))));
    return;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = peer->RpcChannel();
  if (!channel.ok()) {
    done(channel.status());
    return;
  }
  struct Call {
    std::unique_ptr<peerpb::Peer::Stub> stub;
    grpc::ClientContext ctx;
    peerpb::LeaseRenewRequest req;
    peerpb::LeaseRenewResponse resp;
    LeaseRenewCallback done;
  };
  auto* call = new Call;
  call->stub = peerpb::Peer::NewStub(*channel);
  call->ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  *call->req.mutable_hello() = env_.local.Hello(leader_id);
  call->req.set_id(lease_id);
  call->done = std::move(done);
  call->stub->async()->LeaseRenew(&call->ctx, &call->req, &call->resp, [call](grpc::Status s) {
    std::unique_ptr<Call> owned(call);
    if (s.ok()) {
      owned->done(owned->resp.ttl());
    } else {
      owned->done(FromGrpcStatus(s));
    }
  });
}

absl::StatusOr<int64_t> Transport::LeaseRenew(uint64_t leader_id, int64_t lease_id,
                                              std::chrono::milliseconds timeout) {
  std::shared_ptr<Peer> peer = FindPeer(leader_id);
  if (peer == nullptr) {
    return absl::UnavailableError(absl::StrCat("unknown leader member ", HexId(leader_id)));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, peer->RpcChannel());
  auto stub = peerpb::Peer::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  peerpb::LeaseRenewRequest req;
  *req.mutable_hello() = env_.local.Hello(leader_id);
  req.set_id(lease_id);
  peerpb::LeaseRenewResponse resp;
  grpc::Status s = stub->LeaseRenew(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp.ttl();
}

absl::StatusOr<peerpb::MembersResponse> Transport::FetchMembers(uint64_t id,
                                                                std::chrono::milliseconds timeout) {
  std::shared_ptr<Peer> peer = FindPeer(id);
  if (peer == nullptr) return absl::NotFoundError(absl::StrCat("unknown peer ", HexId(id)));
  return transport::FetchMembers(peer->urls(), env_.local.Hello(id), timeout,
                                 options_.channel_credentials);
}

}  // namespace etcd::transport
