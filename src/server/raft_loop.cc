// The raft loop thread: owns the RawNode, the MemoryStorage, the WAL and the snapshot
// files (see etcd_server.h). Nothing here blocks on the applier or on clients.
#include <pthread.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "membership/member.h"
#include "raft/raft.h"
#include "server/etcd_server.h"

namespace etcd::server {
namespace {

constexpr uint64_t kSnapshotCatchUpEntries = 5000;  // entries kept behind a snapshot
constexpr auto kReadIndexRetry = std::chrono::milliseconds(500);
constexpr auto kLeaseRevokeWindow = std::chrono::milliseconds(500);
// A new commit index reaches the followers with the next MsgApp (the next write) or,
// at the latest, once the raft loop thread waited this long without work
// (raft::Config::lazy_commit_broadcast): a write at a time then costs one message and
// one ack per follower instead of two. (A wait on the condition variable, not the
// injected clock: with a fake clock the commit still reaches the followers.)
constexpr auto kCommitFlushDelay = std::chrono::milliseconds(2);
// Turns a thread other than the raft loop thread runs in a row (TurnHereOrWake).
constexpr int kMaxTurnsHere = 3;

double SecondsSince(const Clock& clock, Clock::TimePoint t0) {
  return std::chrono::duration<double>(clock.Now() - t0).count();
}

}  // namespace

void EtcdServer::RaftLoop() {
  pthread_setname_np(pthread_self(), "raft-loop");
  {
    absl::MutexLock turn(&turn_mu_);
    turns_open_ = true;
    absl::MutexLock lock(&in_mu_);
    wake_at_ = next_tick_;
  }
  for (;;) {
    {
      absl::MutexLock lock(&in_mu_);
      turn_active_ = false;  // from here on, new work signals in_cv_
      // Until there is work, the next tick, or a pending commit index is due.
      while (!in_wake_ && !raft_stop_) {
        Clock::Duration left = wake_at_ - deps_.clock->Now();
        left = std::clamp<Clock::Duration>(
            left, Clock::Duration(0),
            std::chrono::duration_cast<Clock::Duration>(cfg_.heartbeat_interval));
        if (left <= Clock::Duration(0)) break;
        bool flush_wait = false;
        if (commit_flush_armed_) {
          const auto flush_left =
              commit_flush_armed_at_ + kCommitFlushDelay - std::chrono::steady_clock::now();
          if (flush_left <= std::chrono::steady_clock::duration(0)) {
            commit_flush_due_ = true;
            break;
          }
          if (flush_left < left) {
            left = std::chrono::duration_cast<Clock::Duration>(flush_left);
            flush_wait = true;
          }
        }
        loop_wait_until_ = std::chrono::steady_clock::now() + left;
        const bool timed_out = in_cv_.WaitWithTimeout(&in_mu_, absl::FromChrono(left));
        // A flush deadline re-checks (the commit may have ridden an append meanwhile
        // and been re-armed later); a tick deadline runs the turn.
        if (timed_out && !flush_wait) break;
      }
      loop_wait_until_ = std::chrono::steady_clock::time_point::max();  // not waiting
      if (raft_stop_) break;
    }
    if (self_stop_requested_.load()) break;
    bool kick;
    {
      absl::MutexLock turn(&turn_mu_);
      kick = RunTurnLocked();
    }
    if (kick) KickApplier();
  }
  // Waits for a turn running on another thread; none starts after this.
  absl::MutexLock turn(&turn_mu_);
  turns_open_ = false;
}

bool EtcdServer::RunTurnLocked() {
  std::vector<Proposal> props;
  std::vector<uint64_t> reads;
  std::vector<raftpb::Message> msgs;
  bool flush_commit = false;
  {
    absl::MutexLock lock(&in_mu_);
    in_wake_ = false;
    turn_active_ = true;  // work arriving now is seen by this thread after the turn
    flush_commit = commit_flush_due_;
    commit_flush_due_ = false;
    props.swap(in_props_);
    reads.swap(in_reads_);
    msgs.swap(in_msgs_);
  }
  raft_loop_turns_.fetch_add(1, std::memory_order_relaxed);
  if (deps_.raft_turn_hook) deps_.raft_turn_hook();
  if (flush_commit) node_->FlushCommit();  // sent by this turn's Ready
  RaftTurn(std::move(props), std::move(reads), std::move(msgs));
  const bool armed = node_->CommitFlushPending();
  bool shorten_wait = false;
  {
    absl::MutexLock lock(&in_mu_);
    wake_at_ = next_tick_;
    if (armed && !commit_flush_armed_) {
      // Due kCommitFlushDelay from now; a raft loop thread asleep beyond that (waiting
      // for the next tick) shortens its wait. One that wakes earlier anyway, or is not
      // waiting, sees the deadline itself: no wake-up per write.
      commit_flush_armed_at_ = std::chrono::steady_clock::now();
      shorten_wait = loop_wait_until_ != std::chrono::steady_clock::time_point::max() &&
                     loop_wait_until_ > commit_flush_armed_at_ + kCommitFlushDelay;
    }
    commit_flush_armed_ = armed;
  }
  if (shorten_wait) in_cv_.Signal();
  const bool kick = apply_kick_;
  apply_kick_ = false;
  return kick;
}

void EtcdServer::ProcessPeerMessages(std::vector<raftpb::Message> msgs) {
  if (stopped_.load()) return;
  {
    absl::MutexLock lock(&in_mu_);
    if (raft_stop_) return;
    for (raftpb::Message& m : msgs) in_msgs_.push_back(std::move(m));
  }
  TurnHereOrWake();
}

void EtcdServer::TurnHereOrWake() {
  bool wake = true;
  bool kick = false;
  if (turn_mu_.TryLock()) {
    if (turns_open_ && !self_stop_requested_.load()) {
      // Work that arrived during the turn (an ack during the fsync, another proposal)
      // is taken by this thread, already awake, for a few more turns; what is left
      // after them goes to the raft loop thread.
      for (int turn = 0; turn < kMaxTurnsHere && wake; ++turn) {
        kick = RunTurnLocked() || kick;
        absl::MutexLock lock(&in_mu_);
        wake = in_wake_;
        if (!wake || turn + 1 == kMaxTurnsHere) turn_active_ = false;
      }
    }
    turn_mu_.Unlock();
  }
  if (wake) {
    bool signal;
    {
      absl::MutexLock lock(&in_mu_);
      in_wake_ = true;
      // A running turn's thread looks at in_wake_ when the turn ends: no wake-up needed.
      signal = !turn_active_;
    }
    if (signal) in_cv_.Signal();
  }
  if (kick) KickApplier();
}

void EtcdServer::RaftTurn(std::vector<Proposal> props, std::vector<uint64_t> reads,
                          std::vector<raftpb::Message> msgs) {
  const Clock::TimePoint now = deps_.clock->Now();
  const auto hb = std::chrono::duration_cast<Clock::Duration>(cfg_.heartbeat_interval);

  // Logical clock: one tick per heartbeat interval of the injected clock.
  int ticks = 0;
  while (now >= next_tick_) {
    node_->Tick();
    next_tick_ += hb;
    if (++ticks > cfg_.ElectionTicks() * 2) {
      next_tick_ = now + hb;
      break;
    }
  }
  for (const auto& m : msgs) {
    absl::Status s = node_->Step(m);
    (void)s;  // stale or unknown-peer messages are dropped by Raft
  }
  DrainPeerReports();  // cluster_peer.cc

  // A single voter elects itself at once instead of waiting an election timeout.
  bool single_voter = false;
  if (!is_leader_.load()) {
    raft::BasicStatus st = node_->Status();
    single_voter = st.config.voters_size() == 1 && st.config.voters(0) == member_id_;
    if (single_voter && st.soft_state.state != raft::StateType::kLeader) {
      (void)node_->Campaign();
    }
  }

  // Snapshot requested by the applier (it synced the backend up to that index).
  std::optional<std::pair<uint64_t, raftpb::ConfState>> snap;
  std::optional<std::pair<uint64_t, uint64_t>> transfer;
  std::optional<std::pair<int64_t, bool>> compact_result;
  {
    absl::MutexLock lock(&in_mu_);
    snap.swap(in_snapshot_);
    transfer.swap(in_transfer_);
  }
  if (snap.has_value()) TakeSnapshot(snap->first, snap->second);
  if (transfer.has_value()) {
    transfer_wait_id_ = transfer->first;
    transfer_target_ = transfer->second;
    node_->TransferLeader(transfer_target_);
  }

  // Proposals: those held back (no leader yet) first, in order.
  std::vector<Proposal> all;
  all.swap(held_props_);
  for (auto& p : props) all.push_back(std::move(p));
  // Consecutive normal proposals go to Raft as one MsgProp: one log append and, on a
  // leader, one MsgApp per follower for the whole batch instead of one per proposal.
  std::vector<Proposal*> batch;
  size_t batch_bytes = 0;
  auto settle = [this](Proposal& p, const absl::Status& s) {
    if (s.ok()) return;
    if (raft::IsProposalDropped(s)) {
      held_props_.push_back(std::move(p));
    } else if (p.wait_id != 0) {
      waits_.Trigger(p.wait_id, ApplyResult{s, nullptr});
    }
  };
  auto flush = [&] {
    if (batch.empty()) return;
    std::vector<const std::string*> data;
    data.reserve(batch.size());
    for (Proposal* p : batch) data.push_back(&p->data);
    absl::Status s = node_->ProposeAll(data);
    for (Proposal* p : batch) settle(*p, s);
    batch.clear();
    batch_bytes = 0;
  };
  constexpr size_t kMaxBatchBytes = 4u << 20;
  for (auto& p : all) {
    if (p.wait_id != 0 && !waits_.IsRegistered(p.wait_id)) continue;  // timed out
    if (p.conf_change) {
      flush();
      settle(p, node_->ProposeConfChange(p.cc));
      continue;
    }
    if (batch_bytes + p.data.size() > kMaxBatchBytes) flush();
    batch.push_back(&p);
    batch_bytes += p.data.size();
  }
  flush();

  // Linearizable reads: one ReadIndex serves every read queued while it is in flight.
  for (uint64_t id : reads) read_queue_.push_back(id);
  IssueReadIndex(now);

  static const absl::Status kTimedOut = errors::Make(errors::Err::kTimeout);  // once
  waits_.Expire(now, kTimedOut);
  RunLeaderTimers(now);

  if (node_->HasReady()) HandleReady();
  PublishRaftProgress();
  // Bootstrap conf changes are applied now: a single voter can campaign next turn.
  const bool retry_campaign = single_voter && !is_leader_.load() && !campaign_retried_;
  if (retry_campaign) campaign_retried_ = true;
  if (is_leader_.load()) campaign_retried_ = false;
  // A leader just became known: publish this member without waiting for a tick.
  const bool publish_now = !publish_proposed_ && lead_.load() != 0;
  if (node_->HasReady() || retry_campaign || publish_now ||
      (!read_queue_.empty() && read_ctx_.empty())) {
    absl::MutexLock lock(&in_mu_);
    in_wake_ = true;
  }
}

void EtcdServer::IssueReadIndex(Clock::TimePoint now) {
  if (!read_ctx_.empty()) {
    if (now - read_sent_ < kReadIndexRetry) return;
    // No answer (no leader, or the request was lost): ask again with a fresh ctx.
  } else {
    if (read_queue_.empty()) return;
    read_inflight_.swap(read_queue_);
    read_queue_.clear();
  }
  ++read_seq_;
  read_ctx_ = absl::StrCat("r", read_seq_);
  read_sent_ = now;
  read_index_requests_.fetch_add(1);
  node_->ReadIndex(read_ctx_);
}

void EtcdServer::DispatchReadBatch(ReadBatch batch) {
  bool ready = false;
  {
    absl::MutexLock lock(&applied_mu_);
    if (applied_index_.load() >= batch.index) {
      ready = true;
    } else {
      read_waiters_.emplace(batch.index, std::move(batch.wait_ids));
    }
  }
  if (ready) {
    RunOnWorker([this, ids = std::move(batch.wait_ids)] {
      for (uint64_t id : ids) waits_.Trigger(id, ApplyResult{absl::OkStatus(), nullptr});
    });
  }
}

void EtcdServer::ProposeInternal(const serverpb::InternalRaftRequest& req_in) {
  serverpb::InternalRaftRequest req = req_in;
  uint64_t id = req.header().id();
  if (id == 0) {
    id = ids_->Next();
    req.mutable_header()->set_id(id);
    req.set_id(id);
  }
  Proposal p{id, req.SerializeAsString(), false, {}};
  absl::Status s = node_->Propose(p.data);
  if (raft::IsProposalDropped(s)) held_props_.push_back(std::move(p));
}

void EtcdServer::RunLeaderTimers(Clock::TimePoint now) {
  // Publish this member's name and client URLs (etcd's publish); ready once applied.
  if (!ready_.load() && lead_.load() != 0 &&
      (!publish_proposed_ || now - publish_sent_ >= request_timeout_)) {
    serverpb::InternalRaftRequest r;
    auto* a = r.mutable_member_attributes();
    a->set_member_id(member_id_);
    a->set_name(cfg_.name);
    for (const auto& u : cfg_.advertise_client_urls) {
      std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
      a->add_client_urls(u.scheme + "://" + host + (u.port ? ":" + std::to_string(u.port) : "") +
                         u.path);
    }
    if (cfg_.advertise_client_urls.empty()) a->add_client_urls("http://localhost:2379");
    ProposeInternal(r);
    publish_proposed_ = true;
    publish_sent_ = now;
  }

  const bool leader = is_leader_.load();
  // Auto-compaction (keeps sampling revisions on followers).
  {
    std::optional<std::pair<int64_t, bool>> result;
    {
      absl::MutexLock lock(&in_mu_);
      result.swap(in_compact_result_);
    }
    if (result.has_value()) {
      compactor_.OnResult(now, result->first, result->second);
      compaction_inflight_.reset();
    }
    if (!compaction_inflight_.has_value()) {
      if (auto rev = compactor_.Poll(now, kv_->Rev(), leader); rev.has_value()) {
        logger().Info("starting auto compaction", {{"revision", *rev}});
        serverpb::InternalRaftRequest r;
        r.mutable_compaction()->set_revision(*rev);
        uint64_t id = ids_->Next();
        r.mutable_header()->set_id(id);
        r.set_id(id);
        int64_t target = *rev;
        waits_.Register(id, now + request_timeout_, [this, target](ApplyResult res) {
          bool ok = res.status.ok() || errors::Is(res.status, errors::Err::kCompacted);
          {
            absl::MutexLock lock(&in_mu_);
            in_compact_result_ = std::make_pair(target, ok);
            in_wake_ = true;
          }
          in_cv_.Signal();
        });
        compaction_inflight_ = target;
        ProposeInternal(r);
      }
    }
  }
  if (!leader) return;
  MaybeProposeV2Sync(now);  // v2_server.cc: TTL expiry of v2 keys

  // The cluster version, once a leader exists (single release: ours).
  if (!version_proposed_ && cluster_->Version().empty()) {
    serverpb::InternalRaftRequest r;
    r.mutable_cluster_version()->set_version(ETCD_CLUSTER_VERSION);
    ProposeInternal(r);
    version_proposed_ = true;
  }

  // Lease expiry: revoke expired leases through Raft, at most kLeaseRevokeRate/s.
  if (lessor_->IsPrimary()) {
    if (now - expiry_window_start_ >= kLeaseRevokeWindow) {
      expiry_window_start_ = now;
      expiry_budget_ = lease::kLeaseRevokeRate / 2;
    }
    if (expiry_budget_ > 0) {
      for (int64_t id : lessor_->ExpiredLeases(expiry_budget_)) {
        serverpb::InternalRaftRequest r;
        r.mutable_lease_revoke()->set_id(id);
        ProposeInternal(r);
        --expiry_budget_;
      }
    }
    if (cfg_.experimental_enable_lease_checkpoint) {
      auto due = lessor_->CheckpointsDue(1000);
      if (!due.empty()) {
        serverpb::InternalRaftRequest r;
        for (const auto& [id, remaining] : due) {
          auto* c = r.mutable_lease_checkpoint()->add_checkpoints();
          c->set_id(id);
          c->set_remaining_ttl(remaining);
        }
        ProposeInternal(r);
      }
    }
  }
}

void EtcdServer::HandleReady() {
  raft::Ready rd = node_->GetReady();
  if (rd.soft_state.has_value()) {
    uint64_t old_lead = lead_.exchange(rd.soft_state->lead);
    bool was_leader = is_leader_.exchange(rd.soft_state->state == raft::StateType::kLeader);
    if (rd.soft_state->lead != old_lead) {
      if (rd.soft_state->lead != 0) {
        leader_changes_.fetch_add(1);
        logger().Info("raft leader elected", {{"local-member-id", membership::IdToHex(member_id_)},
                                              {"leader", membership::IdToHex(rd.soft_state->lead)},
                                              {"term", rd.hard_state.term()}});
      } else {
        logger().Info("raft lost its leader", {{"local-member-id", membership::IdToHex(member_id_)},
                                               {"previous-leader", membership::IdToHex(old_lead)}});
      }
      // A read in flight may have been dropped with the old leader.
      if (!read_ctx_.empty()) read_sent_ = Clock::TimePoint{};
      if (transfer_wait_id_ != 0 && rd.soft_state->lead == transfer_target_) {
        auto resp = std::make_shared<etcdserverpb::MoveLeaderResponse>();
        waits_.Trigger(transfer_wait_id_, ApplyResult{absl::OkStatus(), resp});
        transfer_wait_id_ = 0;
      }
    }
    if (was_leader && !is_leader_.load()) {
      lessor_->Demote();
      version_proposed_ = false;
    }
  }
  if (rd.hard_state_changed) term_ = rd.hard_state.term();

  if (rd.has_snapshot && !InstallSnapshotFromLeader(rd.snapshot)) return;  // cluster_peer.cc

  // A leader sends its appends before its own fsync, so the followers' fsyncs overlap
  // it (RawNode contract, step 3); acks are only counted in a later turn, after this
  // Save returned. Followers and candidates send only after persisting.
  const bool send_early = is_leader_.load() && !rd.has_snapshot;
  if (send_early && !rd.messages.empty()) SendMessages(rd.messages);  // cluster_peer.cc
  auto t0 = deps_.clock->Now();
  absl::Status s =
      wal_->Save(rd.hard_state_changed ? rd.hard_state : raftpb::HardState(), rd.entries);
  if (!s.ok()) {
    FailFatal("failed to save raft entries to the WAL", s);
    return;
  }
  if (rd.must_sync) wal_fsync_seconds_.Observe(SecondsSince(*deps_.clock, t0));
  if (!rd.entries.empty()) {
    s = raft_storage_->Append(rd.entries);
    if (!s.ok()) {
      FailFatal("failed to append raft entries to the memory storage", s);
      return;
    }
  }
  if (rd.hard_state_changed) (void)raft_storage_->SetHardState(rd.hard_state);

  if (!send_early && !rd.messages.empty()) SendMessages(rd.messages);  // cluster_peer.cc

  // Published before the hand-off so that applied <= committed is always observed.
  committed_index_ = std::max(committed_index_.load(), rd.hard_state.commit());
  if (!rd.committed_entries.empty()) {
    ApplyTask task;
    for (const auto& e : rd.committed_entries) {
      if (e.type() == raftpb::ENTRY_CONF_CHANGE) task.conf[e.index()] = DecideConfChange(e);
    }
    task.commit_term = rd.hard_state.term();
    task.entries = rd.committed_entries;  // Advance(rd) still needs them
    {
      absl::MutexLock lock(&apply_mu_);
      apply_queue_.push_back(std::move(task));
    }
    apply_kick_ = true;  // KickApplier() once the turn is over (turn_mu_ released)
  }

  for (const auto& rs : rd.read_states) {
    if (!read_ctx_.empty() && rs.request_ctx == read_ctx_) {
      read_ctx_.clear();
      ReadBatch b;
      b.index = rs.index;
      b.wait_ids.swap(read_inflight_);
      DispatchReadBatch(std::move(b));
    }
  }
  node_->Advance(rd);
}

EtcdServer::ConfDecision EtcdServer::DecideConfChange(const raftpb::Entry& e) {
  ConfDecision d;
  if (!d.cc.ParseFromString(e.data())) {
    d.status = absl::InternalError("undecodable conf change entry");
    raftpb::ConfChange noop;
    d.conf_state = node_->ApplyConfChange(noop);
    return d;
  }
  const raftpb::ConfChange& cc = d.cc;
  if (!cc.context().empty()) {
    serverpb::Member pb;
    if (pb.ParseFromString(cc.context())) d.member = membership::Member::FromProto(pb);
  }
  auto existing = cluster_->Find(cc.node_id());
  if (cc.type() == raftpb::CONF_CHANGE_ADD_NODE && existing.has_value() && d.member.has_value() &&
      !existing->is_learner && existing->peer_urls == d.member->peer_urls) {
    d.status = absl::OkStatus();  // a bootstrap entry re-adding an initial member
  } else if (cc.type() == raftpb::CONF_CHANGE_ADD_NODE && cc.context().empty()) {
    d.status = ValidatePromotion(cc.node_id());  // MemberPromote (membership_apply.cc)
  } else {
    d.status = cluster_->ValidateConfChange(cc.type(), cc.node_id(), d.member);
  }
  if (!d.status.ok()) {
    raftpb::ConfChange noop = cc;
    noop.set_node_id(0);
    d.conf_state = node_->ApplyConfChange(noop);
    return d;
  }
  // Change the in-memory membership now so later conf changes are validated against
  // it; the applier persists the same change in log order.
  switch (cc.type()) {
    case raftpb::CONF_CHANGE_ADD_NODE:
      if (existing.has_value() && existing->is_learner) {
        cluster_->PromoteMember(cc.node_id(), nullptr);
      } else if (d.member.has_value()) {
        cluster_->AddMember(*d.member, nullptr);
      }
      break;
    case raftpb::CONF_CHANGE_ADD_LEARNER_NODE:
      if (d.member.has_value()) {
        d.member->is_learner = true;
        cluster_->AddMember(*d.member, nullptr);
      }
      break;
    case raftpb::CONF_CHANGE_REMOVE_NODE:
      cluster_->RemoveMember(cc.node_id(), nullptr);
      break;
    case raftpb::CONF_CHANGE_UPDATE_NODE:
      if (d.member.has_value())
        cluster_->UpdatePeerUrls(cc.node_id(), d.member->peer_urls, nullptr);
      break;
    default:
      break;
  }
  if (auto now_member = cluster_->Find(cc.node_id()); now_member.has_value()) {
    d.member = now_member;
  }
  d.conf_state = node_->ApplyConfChange(cc);
  OnConfChangeDecided(d);
  return d;
}

void EtcdServer::TakeSnapshot(uint64_t index, const raftpb::ConfState& cs) {
  auto t0 = deps_.clock->Now();
  auto snap = raft_storage_->CreateSnapshot(index, &cs, EncodeSnapshotData(index));
  if (!snap.ok()) {
    if (!raft::IsErrSnapOutOfDate(snap.status())) {
      logger().Warn("failed to create a raft snapshot", {{"error", snap.status().ToString()}});
    }
    return;
  }
  absl::Status s = snapshotter_->SaveSnap(*snap);
  if (s.ok()) s = wal_->SaveSnapshot({snap->metadata().index(), snap->metadata().term()});
  if (!s.ok()) {
    FailFatal("failed to save a raft snapshot", s);
    return;
  }
  snapshot_index_ = index;
  snapshot_save_seconds_.Observe(SecondsSince(*deps_.clock, t0));
  // Keep some entries behind the snapshot for slow followers.
  // (never more than --snapshot-count of them, so a small count really compacts).
  const uint64_t keep =
      std::min<uint64_t>(kSnapshotCatchUpEntries, std::max<uint64_t>(cfg_.snapshot_count, 1));
  if (index > keep) {
    uint64_t compact_to = index - keep;
    auto first = raft_storage_->FirstIndex();
    if (first.ok() && compact_to > *first) (void)raft_storage_->Compact(compact_to);
  }
  (void)wal_->ReleaseLockTo(index);
  (void)wal_->PurgeOldSegments(cfg_.max_wals);
  (void)snapshotter_->PurgeOld(cfg_.max_snapshots);
  logger().Debug("saved raft snapshot", {{"index", index}});
}

}  // namespace etcd::server
