// The leader's bookkeeping for the whole cluster: the membership (voters and
// learners), a Progress per member, and the votes of the current election.
//
// Thread safety: not thread-safe; owned by the Raft state machine.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "raft/progress.h"
#include "raft/quorum.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft {

struct TrackerConfig {
  std::set<uint64_t> voters;
  std::set<uint64_t> learners;  // disjoint from voters
  std::string String() const;   // "voters=(1 2 3) learners=(4)"
};

class ProgressTracker {
 public:
  explicit ProgressTracker(size_t max_inflight) : max_inflight_(max_inflight) {}

  raftpb::ConfState ConfState() const;
  bool IsSingleton() const { return config.voters.size() == 1; }
  // Largest index acknowledged by a majority of voters (by Match).
  uint64_t Committed() const;
  // Whether a majority of voters were recently active.
  bool QuorumActive() const;
  std::vector<uint64_t> VoterNodes() const;
  std::vector<uint64_t> LearnerNodes() const;

  void ResetVotes() { votes_.clear(); }
  // Records the first vote of `id` in this election (later ones are ignored).
  void RecordVote(uint64_t id, bool granted) { votes_.emplace(id, granted); }
  VoteResult TallyVotes(int* granted, int* rejected) const;

  Progress* Get(uint64_t id) {
    auto it = progress.find(id);
    return it == progress.end() ? nullptr : &it->second;
  }
  const Progress* Get(uint64_t id) const {
    auto it = progress.find(id);
    return it == progress.end() ? nullptr : &it->second;
  }
  // A fresh Progress for a member joining with the log ending at last_index.
  Progress MakeProgress(uint64_t last_index, bool is_learner) const;
  size_t max_inflight() const { return max_inflight_; }

  TrackerConfig config;
  std::map<uint64_t, Progress> progress;  // ordered: iteration is deterministic

 private:
  std::map<uint64_t, bool> votes_;
  size_t max_inflight_;
};

}  // namespace etcd::raft
