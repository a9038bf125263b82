// Single-step membership changes (add/remove/update a node, add a learner, promote a
// learner by adding it as a node, demote a voter by adding it as a learner), applied
// to a ProgressTracker. There is no joint consensus: every change moves at most one
// voter, which keeps any two successive majorities overlapping.
//
// Thread safety: pure functions over the tracker they are given.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "raft/tracker.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft {

// Applies `cc` to `tracker`. New members get a Progress whose next index follows
// last_index. On error (e.g. the change would remove the last voter) the tracker is
// left unchanged.
absl::Status ApplyConfChangeToTracker(ProgressTracker* tracker, const raftpb::ConfChange& cc,
                                      uint64_t last_index);

// Replaces the tracker's membership with `cs` (restart, snapshot). Every member gets
// a fresh Progress. Error if a node is both voter and learner.
absl::Status RestoreTracker(ProgressTracker* tracker, const raftpb::ConfState& cs,
                            uint64_t last_index);

// "v1 r2 l3 u4" style description of a change, for logs.
std::string DescribeConfChange(const raftpb::ConfChange& cc);

}  // namespace etcd::raft
