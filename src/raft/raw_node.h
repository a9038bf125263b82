// RawNode: the application's handle on one Raft member. It wraps the pure state
// machine (raft.h) and batches its outputs into a Ready.
//
// THE CONTRACT (one owner thread, usually the server's raft loop):
//
//   loop:
//     feed inputs:  Tick() every tick interval; Step(m) for every peer message;
//                   Propose/ProposeConfChange/ReadIndex/TransferLeader/Campaign;
//                   ReportUnreachable/ReportSnapshot from the transport.
//     if HasReady():
//       Ready rd = GetReady();
//       1. if rd.has_snapshot: persist it, then MemoryStorage::ApplySnapshot.
//       2. persist rd.entries and (if rd.hard_state_changed) rd.hard_state to stable
//          storage (one fsync when rd.must_sync), then MemoryStorage::Append(rd.entries)
//          and SetHardState(rd.hard_state).
//       3. send rd.messages. A leader may send before step 2 completes (its MsgApp
//          carries entries it is persisting in parallel); a follower or candidate
//          must not (its acks and votes promise persisted state).
//       4. apply rd.committed_entries in order (for ENTRY_CONF_CHANGE entries: parse
//          the raftpb::ConfChange and call ApplyConfChange). Never apply before step 2:
//          with a single voter an entry can be in rd.entries and rd.committed_entries
//          of the same Ready - it is committed as soon as it is in the leader's own
//          log, so persist first, then apply.
//       5. hand rd.read_states to the waiting reads (serve each once applied >= index).
//       6. Advance(rd).
//
// Restart: replay the WAL into a MemoryStorage (ApplySnapshot, SetHardState, Append),
// then Create() with Config::applied = the application's applied index. Conf changes
// between the storage's snapshot and `applied` are re-applied to the membership by
// Create, since they will not be delivered again.
//
// Snapshots: a MsgSnap in rd.messages carries the storage's latest snapshot (its
// data is whatever the application stored with MemoryStorage::CreateSnapshot). The
// transport delivers it and calls ReportSnapshot(to, failed); until then the leader
// sends nothing else to that follower. A follower receiving it gets it back in
// rd.snapshot: restore the application state from it (step 1 above).
//
// Bootstrap of a new cluster: Create() on an empty storage, then Bootstrap(peers). The
// first Ready carries the initial ENTRY_CONF_CHANGE entries (term 1, one per peer, in
// the given order) as both entries and committed_entries; the node cannot campaign
// until they have been applied and Advance()d.
//
// Thread safety: not thread-safe; use from one thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "raft/config.h"
#include "raft/progress.h"
#include "raft/raft.h"
#include "raft/ready.h"
#include "raft/storage.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft {

struct Peer {
  uint64_t id = 0;
  std::string context;  // opaque to Raft; carried in the bootstrap ConfChange
};

struct BasicStatus {
  uint64_t id = 0;
  raftpb::HardState hard_state;
  SoftState soft_state;
  uint64_t applied = 0;
  uint64_t lead_transferee = 0;
  raftpb::ConfState config;
  // Only filled on the leader: every member's replication progress.
  std::map<uint64_t, Progress> progress;
};

class RawNode {
 public:
  static absl::StatusOr<std::unique_ptr<RawNode>> Create(const Config& config);

  // New cluster only: the storage must be empty. Appends one committed
  // ENTRY_CONF_CHANGE (CONF_CHANGE_ADD_NODE, node_id, context) per peer at term 1.
  absl::Status Bootstrap(const std::vector<Peer>& peers);

  // Advances the logical clock (elections, heartbeats).
  void Tick();
  // Starts an election now. FailedPrecondition if this node cannot (learner, not a
  // member, conf changes waiting to be applied); OK (no-op) if already leader.
  absl::Status Campaign();
  // Proposes data for the log. ErrProposalDropped() (IsProposalDropped) when no leader
  // is known, forwarding is disabled, a transfer is in progress, or the
  // uncommitted-size limit is hit. Acceptance does not mean it will commit.
  absl::Status Propose(std::string data);
  // Proposes several entries as one MsgProp: one log append and, on a leader, one MsgApp
  // per follower for all of them. Accepted or dropped together (errors as Propose).
  absl::Status ProposeAll(const std::vector<const std::string*>& data);
  // Proposes a membership change (one at a time: a change proposed while another is
  // unapplied is replaced by an empty entry).
  absl::Status ProposeConfChange(const raftpb::ConfChange& cc);
  // Applies a committed conf change; returns the resulting membership. Call it for
  // every committed ENTRY_CONF_CHANGE (with node_id = 0 to reject it as a no-op).
  raftpb::ConfState ApplyConfChange(const raftpb::ConfChange& cc);
  // Feeds a message received from a peer. Local message types are refused.
  absl::Status Step(const raftpb::Message& m);

  bool HasReady() const;
  // Config::lazy_commit_broadcast: the leader's followers have not been sent its latest
  // commit index yet; FlushCommit sends it now (commit-only MsgApps in the next Ready).
  bool CommitFlushPending() const { return raft_->CommitFlushPending(); }
  void FlushCommit() { raft_->FlushCommit(); }
  // Collects everything to persist, send and apply since the last Ready.
  Ready GetReady();
  // Tells the node that `rd` (the last Ready returned) has been fully handled.
  void Advance(const Ready& rd);

  // Requests a read index; the answer comes in Ready::read_states with the same
  // request_ctx (use a unique ctx per request). Dropped silently without a leader.
  void ReadIndex(std::string request_ctx);
  // Asks the leader to hand leadership to `transferee`.
  void TransferLeader(uint64_t transferee);
  // The transport could not deliver a message to `id`.
  void ReportUnreachable(uint64_t id);
  // The result of sending a snapshot to `id`.
  void ReportSnapshot(uint64_t id, bool failed);

  BasicStatus Status() const;

  // The state machine itself (tests, diagnostics).
  Raft& raft() { return *raft_; }
  const Raft& raft() const { return *raft_; }

 private:
  explicit RawNode(std::unique_ptr<Raft> r);

  std::unique_ptr<Raft> raft_;
  SoftState prev_soft_state_;
  raftpb::HardState prev_hard_state_;
};

}  // namespace etcd::raft
