// What the Raft core hands to the application: soft state, the Ready batch, read
// states. See raw_node.h for the loop that consumes a Ready.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raftpb/raft.pb.h"

namespace etcd::raft {

enum class StateType { kFollower, kCandidate, kLeader, kPreCandidate };
const char* StateTypeName(StateType s);  // "StateFollower", ...

// Volatile state, useful for logging and for knowing the leader; never persisted.
struct SoftState {
  uint64_t lead = 0;
  StateType state = StateType::kFollower;
  bool operator==(const SoftState&) const = default;
};

// The answer to a ReadIndex request: once the application has applied `index`, a
// read issued with `request_ctx` is linearizable.
struct ReadState {
  uint64_t index = 0;
  std::string request_ctx;
  bool operator==(const ReadState&) const = default;
};

struct Ready {
  // Set when lead or role changed since the last Ready.
  std::optional<SoftState> soft_state;
  // The current HardState; persist it when hard_state_changed.
  raftpb::HardState hard_state;
  bool hard_state_changed = false;
  // Answers to ReadIndex requests.
  std::vector<ReadState> read_states;
  // Entries to persist (append) BEFORE sending messages or applying.
  std::vector<raftpb::Entry> entries;
  // A snapshot to persist (valid when has_snapshot).
  raftpb::Snapshot snapshot;
  bool has_snapshot = false;
  // Entries to apply, in order; they are already committed (and persisted once the
  // entries above are).
  std::vector<raftpb::Entry> committed_entries;
  // Messages to send once entries/hard state are persisted.
  std::vector<raftpb::Message> messages;
  // Whether the hard state and entries must be synced to disk before proceeding
  // (false when only the commit index moved).
  bool must_sync = false;
};

}  // namespace etcd::raft
