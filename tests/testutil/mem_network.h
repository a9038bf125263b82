// MemNetwork: an in-memory peer network for in-process multi-member tests. Each member
// gets a server::Transport endpoint (give it to ServerDeps::transport); a message sent
// through an endpoint is handed, on the sender's thread, to the receiver's Deliver
// function (typically EtcdServer::ProcessPeerMessage, which only queues) when
//   * the receiver is attached (running),
//   * the sender knows the receiver as a peer (AddPeer was called, as the real
//     transport requires), and
//   * the link between them is not cut.
// Otherwise the message is dropped and counted. Links are symmetric.
//
// ActiveSince(b) seen from a: the latest of (a attached, b attached, a added b as a
// peer, the link healed), on the given clock; nullopt while the link is down. This is
// what the strict reconfig check and the stop-time leader hand-over look at.
//
// ForwardPromote(leader, learner) calls the leader's PromoteHandler (typically
// EtcdServer::PromoteMemberOnLeader) outside the network lock; UNAVAILABLE when the
// leader is detached or cut off.
//
// Generic on purpose: nothing here knows EtcdServer, so the multi-member tests of
// other areas (replication, partitions, snapshots) can use it too.
//
// Thread safety: every method may be called from any thread. Deliver functions are
// called with the network mutex held (so Detach returning means no delivery to that
// member is running or will start); they must only queue and must not call back into
// the network. PromoteHandlers are called without the lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "raftpb/raft.pb.h"
#include "server/transport.h"

namespace etcd::testutil {

class MemNetwork {
 public:
  using Deliver = std::function<void(raftpb::Message)>;
  using PromoteHandler =
      std::function<void(uint64_t learner_id, server::Transport::PromoteDone done)>;

  explicit MemNetwork(const Clock* clock);
  ~MemNetwork();
  MemNetwork(const MemNetwork&) = delete;
  MemNetwork& operator=(const MemNetwork&) = delete;

  // Member `id`'s transport (created on first use, owned by the network, stable).
  server::Transport* Endpoint(uint64_t id);

  // `id` is running: deliveries go to `deliver`, forwarded promotes to `promote`.
  void Attach(uint64_t id, Deliver deliver, PromoteHandler promote = nullptr);
  // `id` is down: messages to it are dropped. Its endpoint stays valid; its peer set is
  // cleared (a restarted member's Start() adds its peers again).
  void Detach(uint64_t id);

  // Faults. Isolate cuts every link of `id`; Cut one link (both directions).
  void Isolate(uint64_t id);
  void Cut(uint64_t a, uint64_t b);
  void Heal(uint64_t a, uint64_t b);
  void HealAll();

  // What endpoint `id` was told (AddPeer/UpdatePeer minus RemovePeer): peer -> URLs.
  std::map<uint64_t, std::vector<std::string>> Peers(uint64_t id) const;
  uint64_t delivered() const;
  uint64_t dropped() const;

 private:
  class Endpoint_;
  friend class Endpoint_;
  struct Node {
    Deliver deliver;
    PromoteHandler promote;
    bool attached = false;
    Clock::TimePoint attached_at{};
    std::map<uint64_t, std::vector<std::string>> peers;
    std::map<uint64_t, Clock::TimePoint> peer_added_at;
  };
  static std::pair<uint64_t, uint64_t> Link(uint64_t a, uint64_t b) {
    return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
  }
  bool LinkUpLocked(uint64_t from, uint64_t to) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void Send(uint64_t from, std::vector<raftpb::Message> msgs);
  void SetPeer(uint64_t self, uint64_t id, const std::vector<std::string>& urls, bool add);
  void RemovePeer(uint64_t self, uint64_t id);
  std::optional<Clock::TimePoint> ActiveSince(uint64_t self, uint64_t id) const;
  void ForwardPromote(uint64_t self, uint64_t leader, uint64_t learner,
                      server::Transport::PromoteDone done);

  const Clock* const clock_;
  mutable absl::Mutex mu_;
  std::map<uint64_t, Node> nodes_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<uint64_t, uint64_t>> cut_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<uint64_t, uint64_t>, Clock::TimePoint> healed_at_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::unique_ptr<server::Transport>> endpoints_ ABSL_GUARDED_BY(mu_);
  uint64_t delivered_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace etcd::testutil
