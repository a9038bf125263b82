// Configuration of one Raft node (RawNode::Create). Everything the core needs from
// the outside world comes in here: the storage, the logger, the random seed.
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "common/log.h"

namespace etcd::raft {

class Storage;

enum class ReadOnlyOption {
  // ReadIndex is confirmed by a heartbeat round with a quorum (always safe).
  kSafe,
  // ReadIndex answered from the leader's lease (requires check_quorum; unsafe under
  // unbounded clock drift).
  kLeaseBased,
};

struct Config {
  // This node's id; must not be 0.
  uint64_t id = 0;
  // Ticks without hearing from a leader before a follower campaigns. The actual
  // timeout is drawn uniformly from [election_tick, 2*election_tick).
  int election_tick = 10;
  // Ticks between leader heartbeats. Must be < election_tick.
  int heartbeat_tick = 1;
  // Stable storage view (not owned; must outlive the node).
  Storage* storage = nullptr;
  // The last index the application has applied (on restart); entries up to here are
  // not delivered again in Ready::committed_entries.
  uint64_t applied = 0;
  // Bytes of entries per MsgApp (at least one entry is always sent).
  uint64_t max_size_per_msg = 1 << 20;
  // Bytes of committed entries per Ready (0 = unlimited; at least one entry).
  uint64_t max_committed_size_per_ready = 0;
  // Bytes of uncommitted entry payloads a leader accepts before dropping proposals
  // (0 = unlimited).
  uint64_t max_uncommitted_entries_size = 0;
  // Appends in flight per follower in replicate state.
  int max_inflight_msgs = 256;
  // The leader steps down if it has not heard from a quorum within an election
  // timeout; followers then ignore vote requests while they have a live leader.
  bool check_quorum = false;
  // Run a pre-election (no term bump) before a real one, so a partitioned node cannot
  // disrupt the cluster when it comes back.
  bool pre_vote = false;
  ReadOnlyOption read_only_option = ReadOnlyOption::kSafe;
  // Followers drop proposals instead of forwarding them to the leader.
  bool disable_proposal_forwarding = false;
  // A leader that learns a new commit index from an ack does not at once send every
  // follower a commit-only MsgApp: the commit index travels with the next MsgApp or
  // heartbeat, or when the application calls RawNode::FlushCommit (soon after
  // RawNode::CommitFlushPending turns true). At low concurrency this saves one message
  // and one ack per follower per write; followers learn commits a little later. A
  // commit that covers a conf change is still announced at once (a removed member must
  // learn it before the leader stops sending to it).
  bool lazy_commit_broadcast = false;
  // Seeds the randomized election timeout.
  uint64_t seed = 0;
  // Optional; not owned. Null means silent.
  const log::Logger* logger = nullptr;

  absl::Status Validate() const;
};

}  // namespace etcd::raft
