// Helpers for the transport tests: a RaftHandler that records every call, bounded
// waits, and loopback sockets that refuse or swallow connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "transport/options.h"
#include "transport/raft_handler.h"

namespace etcd::transport::testing {

// Every wait in these tests is bounded by this.
inline constexpr absl::Duration kWait = absl::Seconds(5);

class RecordingHandler final : public RaftHandler {
 public:
  void Process(raftpb::Message msg) override;
  void ReportUnreachable(uint64_t id) override;
  void ReportSnapshot(uint64_t id, bool failed) override;
  bool IsRemoved(uint64_t id) override;
  std::vector<serverpb::Member> Members() override;
  absl::StatusOr<int64_t> LeaseRenew(int64_t id, absl::Time deadline) override;
  void OnPeerEvent(const PeerEvent& event) override;
  void OnRemovedFromCluster(uint64_t reported_by) override;

  // Test setup.
  void SetRemoved(uint64_t id);
  void SetMembers(std::vector<serverpb::Member> members);
  void SetLease(int64_t id, int64_t ttl);

  // Snapshots of what was recorded.
  std::vector<raftpb::Message> processed() const;
  int unreachable(uint64_t id) const;
  std::vector<std::pair<uint64_t, bool>> snapshot_reports() const;
  std::vector<PeerEvent> events() const;
  std::vector<PeerEvent> events(PeerEvent::Kind kind, uint64_t peer) const;
  int removed_reports() const;

  // Waits (at most `timeout`) until `pred` holds over the recorded state; returns it.
  bool WaitProcessed(size_t n, absl::Duration timeout = kWait);
  bool WaitUnreachable(uint64_t id, int n, absl::Duration timeout = kWait);
  bool WaitSnapshotReports(size_t n, absl::Duration timeout = kWait);
  bool WaitEvents(PeerEvent::Kind kind, uint64_t peer, size_t n, absl::Duration timeout = kWait);
  bool WaitRemovedReports(int n, absl::Duration timeout = kWait);

 private:
  bool Await(const std::function<bool()>& pred, absl::Duration timeout);

  mutable absl::Mutex mu_;
  std::vector<raftpb::Message> processed_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, int> unreachable_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<uint64_t, bool>> snapshots_ ABSL_GUARDED_BY(mu_);
  std::vector<PeerEvent> events_ ABSL_GUARDED_BY(mu_);
  int removed_reports_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<uint64_t> removed_ ABSL_GUARDED_BY(mu_);
  std::vector<serverpb::Member> members_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, int64_t> leases_ ABSL_GUARDED_BY(mu_);
};

// Polls `pred` every few milliseconds until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& pred, absl::Duration timeout = kWait);

// Options for a member listening on an ephemeral loopback port, with short timers.
TransportOptions LoopbackOptions(uint64_t member_id, uint64_t cluster_id,
                                 const std::string& listen = "http://127.0.0.1:0");

// A loopback port nothing listens on (bound then closed).
int ClosedPort();

// A loopback socket that listens but never accepts: connections hang in the backlog,
// so a gRPC handshake to it waits until its deadline.
class Blackhole {
 public:
  Blackhole();
  ~Blackhole();
  std::string url() const;

 private:
  int fd_ = -1;
  int port_ = 0;
};

raftpb::Message Msg(raftpb::MessageType type, uint64_t from, uint64_t to, uint64_t index);

}  // namespace etcd::transport::testing
