#include "raft/tracker.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace etcd::raft {

std::string TrackerConfig::String() const {
  std::string s = absl::StrCat("voters=(", absl::StrJoin(voters, " "), ")");
  if (!learners.empty()) absl::StrAppend(&s, " learners=(", absl::StrJoin(learners, " "), ")");
  return s;
}

raftpb::ConfState ProgressTracker::ConfState() const {
  raftpb::ConfState cs;
  for (uint64_t id : config.voters) cs.add_voters(id);
  for (uint64_t id : config.learners) cs.add_learners(id);
  return cs;
}

uint64_t ProgressTracker::Committed() const {
  return CommittedIndex(config.voters, [this](uint64_t id) -> std::optional<uint64_t> {
    const Progress* pr = Get(id);
    if (pr == nullptr) return std::nullopt;
    return pr->match;
  });
}

bool ProgressTracker::QuorumActive() const {
  std::map<uint64_t, bool> active;
  for (const auto& [id, pr] : progress) {
    if (!pr.is_learner) active[id] = pr.recent_active;
  }
  return TallyVoteResult(config.voters, active) == VoteResult::kWon;
}

std::vector<uint64_t> ProgressTracker::VoterNodes() const {
  return {config.voters.begin(), config.voters.end()};
}

std::vector<uint64_t> ProgressTracker::LearnerNodes() const {
  return {config.learners.begin(), config.learners.end()};
}

VoteResult ProgressTracker::TallyVotes(int* granted, int* rejected) const {
  int g = 0, r = 0;
  for (const auto& [id, pr] : progress) {
    if (pr.is_learner) continue;
    auto it = votes_.find(id);
    if (it == votes_.end()) continue;
    if (it->second) {
      ++g;
    } else {
      ++r;
    }
  }
  if (granted) *granted = g;
  if (rejected) *rejected = r;
  return TallyVoteResult(config.voters, votes_);
}

Progress ProgressTracker::MakeProgress(uint64_t last_index, bool is_learner) const {
  Progress pr(last_index + 1, max_inflight_, is_learner);
  // A new member is considered active: otherwise check-quorum could step the leader
  // down right after adding it.
  pr.recent_active = true;
  return pr;
}

}  // namespace etcd::raft
