#include "raft/quorum.h"

#include <algorithm>
#include <vector>

namespace etcd::raft {

const char* VoteResultName(VoteResult r) {
  switch (r) {
    case VoteResult::kPending:
      return "VotePending";
    case VoteResult::kLost:
      return "VoteLost";
    case VoteResult::kWon:
      return "VoteWon";
  }
  return "?";
}

uint64_t CommittedIndex(const std::set<uint64_t>& voters,
                        const std::function<std::optional<uint64_t>(uint64_t)>& acked) {
  if (voters.empty()) return UINT64_MAX;
  std::vector<uint64_t> idx;
  idx.reserve(voters.size());
  for (uint64_t id : voters) idx.push_back(acked(id).value_or(0));
  std::sort(idx.begin(), idx.end());
  // With n voters, a majority is n/2+1: the (n/2+1)-th largest value is acked by a
  // majority. In ascending order it sits at position n - (n/2+1).
  size_t n = idx.size();
  return idx[n - (n / 2 + 1)];
}

VoteResult TallyVoteResult(const std::set<uint64_t>& voters,
                           const std::map<uint64_t, bool>& votes) {
  if (voters.empty()) return VoteResult::kWon;
  size_t granted = 0, missing = 0;
  for (uint64_t id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) {
      ++missing;
    } else if (it->second) {
      ++granted;
    }
  }
  size_t q = voters.size() / 2 + 1;
  if (granted >= q) return VoteResult::kWon;
  if (granted + missing >= q) return VoteResult::kPending;
  return VoteResult::kLost;
}

}  // namespace etcd::raft
