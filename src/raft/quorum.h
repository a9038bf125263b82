// Majority quorum arithmetic over a set of voters (single-step membership changes
// only, so there is never a joint configuration).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>

namespace etcd::raft {

enum class VoteResult { kPending, kLost, kWon };
const char* VoteResultName(VoteResult r);

// The largest index that a majority of `voters` has acknowledged, given each
// voter's acked index (nullopt = unknown, counts as 0). An empty set of voters
// yields UINT64_MAX, so that it never constrains anything.
uint64_t CommittedIndex(const std::set<uint64_t>& voters,
                        const std::function<std::optional<uint64_t>(uint64_t)>& acked);

// The outcome of an election given the votes received so far (true = granted).
// Votes from non-voters are ignored; an empty set of voters wins by convention.
VoteResult TallyVoteResult(const std::set<uint64_t>& voters, const std::map<uint64_t, bool>& votes);

}  // namespace etcd::raft
