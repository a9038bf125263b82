// Small helpers shared by the Raft core: message classification, entry sizes, and the
// abort path for broken invariants.
//
// Thread safety: stateless functions; safe from any thread.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft {

// The id that means "no node" (no leader, no vote).
inline constexpr uint64_t kNone = 0;
// "No size limit" for entry slices.
inline constexpr uint64_t kNoLimit = UINT64_MAX;

// Messages that only ever travel from the application into its own node.
bool IsLocalMsg(raftpb::MessageType t);
// Messages that answer a request (their sender must be a known peer).
bool IsResponseMsg(raftpb::MessageType t);
// MsgVote -> MsgVoteResp, MsgPreVote -> MsgPreVoteResp. REQUIRES: t is a vote type.
raftpb::MessageType VoteRespType(raftpb::MessageType t);

// Wire size of one entry, as counted against max_size_per_msg and friends.
uint64_t EntrySize(const raftpb::Entry& e);
// Size of the payloads only (what the uncommitted-size limit counts).
uint64_t PayloadSize(const std::vector<raftpb::Entry>& ents);
uint64_t PayloadSize(const raftpb::Entry& e);
// Keeps the longest prefix of `ents` whose total size is <= max_size, but always at
// least one entry.
void LimitSize(std::vector<raftpb::Entry>* ents, uint64_t max_size);

bool IsEmptyHardState(const raftpb::HardState& hs);
bool IsEmptySnapshot(const raftpb::Snapshot& s);
bool HardStateEqual(const raftpb::HardState& a, const raftpb::HardState& b);

// Short names for logs and golden test output ("MsgApp", "MsgVoteResp", ...).
const char* MessageTypeName(raftpb::MessageType t);
// One-line rendering of a message, for logs and test traces.
std::string DescribeMessage(const raftpb::Message& m);
std::string DescribeEntry(const raftpb::Entry& e);

// A broken invariant: logs through `logger` (or stderr when there is none) and aborts.
[[noreturn]] void Panic(const log::Logger* logger, std::string_view msg,
                        std::source_location where = std::source_location::current());

}  // namespace etcd::raft
