// PeerTransport: the member's real peer transport. It adapts transport::Transport
// (peer gRPC streams, docs/design/transport.md) to the server's outbound seam
// (server::Transport) and routes the transport's inbound side (RaftHandler) to the
// member's peer methods. docs/design/server.md "Replication across members".
//
//   PeerTransport pt(&clock, &logger);             // before the member exists
//   deps.transport = &pt;  member = EtcdServer::Create(cfg, deps);
//   pt.Start(member.get(), cfg);                    // binds --listen-peer-urls
//   member->Start();  ...  member->Stop();  pt.Stop();
//
// Thread safety: every method may be called from any thread. Before Start and after
// Stop the outbound methods drop (Send/AddPeer...) or fail (LeaseRenew, Unavailable).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/log.h"
#include "config/server_config.h"
#include "server/transport.h"
#include "transport/raft_handler.h"
#include "transport/transport.h"

namespace etcd::server {

class EtcdServer;

class PeerTransport final : public Transport, private transport::RaftHandler {
 public:
  PeerTransport(const Clock* clock, const log::Logger* logger);
  ~PeerTransport() override;
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Starts serving the peer port for `member` (created, not necessarily started) with
  // its member and cluster IDs. Unavailable when a peer port cannot be bound.
  absl::Status Start(EtcdServer* member, const config::ServerConfig& cfg);
  // After the member stopped. Idempotent.
  void Stop();
  // Peer TLS (docs/security.md): https:// peer URLs are served with `server` and dialed
  // with `channel` (tls::MakePeerCredentials). Call before Start; without it https://
  // peer URLs are refused.
  // `check_caller`: transport::TransportOptions::check_tls_caller (may be null).
  void SetTls(
      std::shared_ptr<grpc::ServerCredentials> server,
      std::shared_ptr<grpc::ChannelCredentials> channel,
      std::function<absl::Status(const std::string&, const std::string&)> check_caller = {});
  // The underlying transport (stats, tests); null before Start.
  transport::Transport* transport() { return transport_.get(); }

  // TEST ONLY (multi-process partition tests, docs/design/server.md "Partition tests"):
  // while the file at `path` exists, this member is cut off from every peer: all Raft
  // messages in and out and forwarded keep-alives are dropped (connections stay up).
  // Polled every 100 ms by a thread of its own. Call before Start.
  void SetTestIsolationFile(std::string path);

  // --- server::Transport ---
  void Send(std::vector<raftpb::Message> msgs) override;
  void AddPeer(uint64_t id, const std::vector<std::string>& peer_urls) override;
  void UpdatePeer(uint64_t id, const std::vector<std::string>& peer_urls) override;
  void RemovePeer(uint64_t id) override;
  std::optional<Clock::TimePoint> ActiveSince(uint64_t id) const override;
  void LeaseRenew(uint64_t leader, int64_t lease, std::chrono::milliseconds timeout,
                  LeaseRenewDone done) override;

 private:
  // --- transport::RaftHandler ---
  void Process(raftpb::Message msg) override;
  void ProcessAll(std::vector<raftpb::Message> msgs) override;
  void ReportUnreachable(uint64_t id) override;
  void ReportSnapshot(uint64_t id, bool failed) override;
  bool IsRemoved(uint64_t id) override;
  std::vector<serverpb::Member> Members() override;
  absl::StatusOr<int64_t> LeaseRenew(int64_t id, absl::Time deadline) override;
  void OnPeerEvent(const transport::PeerEvent& event) override;
  void OnRemovedFromCluster(uint64_t reported_by) override;

  bool Isolated() const { return isolated_.load(std::memory_order_relaxed); }
  void PollIsolation();

  const Clock* const clock_;
  const log::Logger* const logger_;
  EtcdServer* member_ = nullptr;                             // set by Start
  std::unique_ptr<transport::Transport> transport_;          // set by Start
  std::shared_ptr<grpc::ServerCredentials> server_creds_;    // set by SetTls
  std::shared_ptr<grpc::ChannelCredentials> channel_creds_;  // set by SetTls
  std::function<absl::Status(const std::string&, const std::string&)> check_caller_;
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_poll_ ABSL_GUARDED_BY(mu_) = false;
  std::string isolation_file_;
  std::atomic<bool> isolated_{false};
  std::thread poll_thread_;
};

}  // namespace etcd::server
