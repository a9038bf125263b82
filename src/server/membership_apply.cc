// EtcdServer's membership plumbing around the raft loop: inbound peer messages, the
// transport's peer set kept in step with applied conf changes, the leader's replication
// progress (for MemberPromote), leader transfer (MoveLeader, Stop). See
// docs/design/server.md "Membership changes".
#include <algorithm>
#include <memory>

#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "membership/member.h"
#include "server/etcd_server.h"

namespace etcd::server {

void EtcdServer::ProcessPeerMessage(raftpb::Message msg) {
  if (stopped_.load()) return;
  {
    absl::MutexLock lock(&in_mu_);
    if (raft_stop_) return;
    in_msgs_.push_back(std::move(msg));
    in_wake_ = true;
  }
  in_cv_.Signal();
}

void EtcdServer::HandleRemovedFromCluster(uint64_t reported_by) {
  if (self_stop_requested_.load()) return;
  logger().Error("the member has been permanently removed from the cluster",
                 {{"local-member-id", membership::IdToHex(member_id_)},
                  {"reported-by", membership::IdToHex(reported_by)}});
  logger().Info("the data-dir used by this member must be removed",
                {{"data-dir", cfg_.data_dir}, {"to-rejoin", RejoinHint(cfg_)}});
  RequestSelfStop(absl::OkStatus());
}

void EtcdServer::AddTransportPeers() {
  std::vector<membership::Member> members = cluster_->Members();
  // A joining member knows the cluster only from the fetched list until the leader's
  // log (or snapshot) brings the membership records.
  if (members.empty()) members = join_peers_;
  for (const auto& m : members) {
    if (m.id == member_id_ || m.peer_urls.empty()) continue;
    transport_->AddPeer(m.id, m.peer_urls);
  }
}

void EtcdServer::OnConfChangeDecided(const ConfDecision& d) {
  if (!d.status.ok()) return;
  const uint64_t id = d.cc.node_id();
  if (id == member_id_) {
    if (d.cc.type() == raftpb::CONF_CHANGE_REMOVE_NODE) return;  // the applier stops us
    if (d.member.has_value()) {
      const bool was = is_learner_.exchange(d.member->is_learner);
      if (was && !d.member->is_learner) {
        logger().Info("this member was promoted from learner to voting member",
                      {{"local-member-id", membership::IdToHex(member_id_)}});
      }
    }
    return;
  }
  switch (d.cc.type()) {
    case raftpb::CONF_CHANGE_ADD_NODE:
    case raftpb::CONF_CHANGE_ADD_LEARNER_NODE:
      if (d.member.has_value()) transport_->AddPeer(id, d.member->peer_urls);
      break;
    case raftpb::CONF_CHANGE_UPDATE_NODE:
      if (d.member.has_value()) transport_->UpdatePeer(id, d.member->peer_urls);
      break;
    case raftpb::CONF_CHANGE_REMOVE_NODE:
      transport_->RemovePeer(id);
      break;
    default:
      break;
  }
}

absl::Status EtcdServer::ValidatePromotion(uint64_t id) const {
  if (cluster_->IsRemoved(id)) return errors::Make(errors::Err::kMemberNotFound);
  auto m = cluster_->Find(id);
  if (!m.has_value()) return errors::Make(errors::Err::kMemberNotFound);
  if (!m->is_learner) return errors::Make(errors::Err::kMemberNotLearner);
  return absl::OkStatus();
}

void EtcdServer::PublishRaftProgress() {
  std::optional<std::map<uint64_t, uint64_t>> match;
  bool single_voter_reads = false;
  if (is_leader_.load()) {
    raft::BasicStatus st = node_->Status();
    match.emplace();
    for (const auto& [id, pr] : st.progress) (*match)[id] = pr.match;
    // Raft answers a single voter's ReadIndex at once with its commit index, once an
    // entry of the leader's term is committed; LinearizableRead does the same inline.
    if (st.config.voters_size() == 1 && st.config.voters(0) == member_id_) {
      auto t = raft_storage_->Term(st.hard_state.commit());
      single_voter_reads = t.ok() && *t == st.hard_state.term();
    }
  }
  single_voter_reads_.store(single_voter_reads);
  absl::MutexLock lock(&progress_mu_);
  leader_match_ = std::move(match);
}

std::optional<std::map<uint64_t, uint64_t>> EtcdServer::LeaderMatch() const {
  absl::MutexLock lock(&progress_mu_);
  return leader_match_;
}

ReconfigView EtcdServer::View() const {
  ReconfigView v;
  v.self = member_id_;
  v.members = cluster_->Members();
  v.active_since = [this](uint64_t id) { return transport_->ActiveSince(id); };
  v.now = deps_.clock->Now();
  return v;
}

void EtcdServer::StartLeaderTransfer(uint64_t target, WaitFn fn) {
  if (stopping_.load()) {
    fn(ApplyResult{errors::Make(errors::Err::kStopped), nullptr});
    return;
  }
  uint64_t id = ids_->Next();
  waits_.Register(id, RequestDeadline(), [fn = std::move(fn)](ApplyResult r) {
    if (errors::Is(r.status, errors::Err::kTimeout)) {
      r.status = errors::Make(errors::Err::kTimeoutLeaderTransfer);
    }
    fn(std::move(r));
  });
  {
    absl::MutexLock lock(&in_mu_);
    in_transfer_ = std::make_pair(id, target);
    in_wake_ = true;
  }
  in_cv_.Signal();
}

void EtcdServer::TransferLeadershipOnStop() {
  if (!started_.load() || stopping_.load() || !is_leader_.load()) return;
  std::vector<uint64_t> voters = cluster_->VotingMemberIds();
  std::vector<uint64_t> candidates;
  for (uint64_t id : voters) {
    if (id != member_id_) candidates.push_back(id);
  }
  if (candidates.empty()) return;
  // Only peers we are connected to (etcd: no connected voter -> give up, unhealthy);
  // among them the one with the most of the log.
  std::vector<uint64_t> connected;
  for (uint64_t id : candidates) {
    if (transport_->ActiveSince(id).has_value()) connected.push_back(id);
  }
  if (connected.empty()) {
    logger().Warn("leadership transfer failed",
                  {{"local-member-id", membership::IdToHex(member_id_)},
                   {"error", "no connected voting member to transfer leadership to"}});
    return;
  }
  candidates.swap(connected);
  auto match = LeaderMatch().value_or(std::map<uint64_t, uint64_t>{});
  uint64_t target = candidates.front();
  for (uint64_t id : candidates) {
    if (match[id] > match[target]) target = id;
  }
  logger().Info("leadership transfer starting",
                {{"local-member-id", membership::IdToHex(member_id_)},
                 {"current-leader-member-id", membership::IdToHex(member_id_)},
                 {"transferee-member-id", membership::IdToHex(target)},
                 {"transferee-match-index", match[target]}});
  struct Result {
    absl::Notification done;
    absl::Status status;
  };
  auto result = std::make_shared<Result>();
  StartLeaderTransfer(target, [result](ApplyResult r) {
    result->status = r.status;
    result->done.Notify();
  });
  if (!result->done.WaitForNotificationWithTimeout(absl::FromChrono(request_timeout_))) {
    logger().Warn("leadership transfer failed",
                  {{"local-member-id", membership::IdToHex(member_id_)}, {"error", "timed out"}});
    return;
  }
  if (!result->status.ok()) {
    logger().Warn("leadership transfer failed",
                  {{"local-member-id", membership::IdToHex(member_id_)},
                   {"error", result->status.ToString()}});
    return;
  }
  logger().Info("leadership transfer finished",
                {{"local-member-id", membership::IdToHex(member_id_)},
                 {"new-leader-member-id", membership::IdToHex(target)}});
}

}  // namespace etcd::server
