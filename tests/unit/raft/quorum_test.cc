#include "raft/quorum.h"

#include <gtest/gtest.h>

#include "raft/tracker.h"

namespace etcd::raft {
namespace {

TEST(QuorumTest, CommittedIndex) {
  struct Case {
    std::set<uint64_t> voters;
    std::map<uint64_t, uint64_t> acked;
    uint64_t want;
  } cases[] = {
      {{}, {}, UINT64_MAX},
      {{1}, {}, 0},
      {{1}, {{1, 12}}, 12},
      {{1, 2}, {{1, 12}, {2, 5}}, 5},
      {{1, 2, 3}, {{1, 12}, {2, 5}}, 5},
      {{1, 2, 3}, {{1, 12}, {2, 5}, {3, 7}}, 7},
      {{1, 2, 3}, {{1, 12}}, 0},
      {{1, 2, 3, 4}, {{1, 12}, {2, 5}, {3, 7}, {4, 9}}, 7},
      {{1, 2, 3, 4, 5}, {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}}, 3},
      // Acks from non-voters do not count.
      {{1, 2, 3}, {{1, 9}, {4, 9}, {5, 9}}, 0},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    auto acked = [&](uint64_t id) -> std::optional<uint64_t> {
      auto it = tc.acked.find(id);
      if (it == tc.acked.end()) return std::nullopt;
      return it->second;
    };
    EXPECT_EQ(CommittedIndex(tc.voters, acked), tc.want);
  }
}

TEST(QuorumTest, TallyVoteResult) {
  struct Case {
    std::set<uint64_t> voters;
    std::map<uint64_t, bool> votes;
    VoteResult want;
  } cases[] = {
      {{}, {}, VoteResult::kWon},
      {{1}, {}, VoteResult::kPending},
      {{1}, {{1, true}}, VoteResult::kWon},
      {{1}, {{1, false}}, VoteResult::kLost},
      {{1, 2}, {{1, true}}, VoteResult::kPending},
      {{1, 2}, {{1, true}, {2, false}}, VoteResult::kLost},
      {{1, 2, 3}, {{1, true}, {2, true}}, VoteResult::kWon},
      {{1, 2, 3}, {{1, true}, {2, false}}, VoteResult::kPending},
      {{1, 2, 3}, {{2, false}, {3, false}}, VoteResult::kLost},
      {{1, 2, 3}, {{1, true}, {4, true}, {5, true}}, VoteResult::kPending},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    EXPECT_EQ(TallyVoteResult(tc.voters, tc.votes), tc.want)
        << VoteResultName(TallyVoteResult(tc.voters, tc.votes));
  }
}

TEST(TrackerTest, CommittedVotesAndQuorumActive) {
  ProgressTracker tr(4);
  for (uint64_t id : {1, 2, 3}) {
    tr.config.voters.insert(id);
    tr.progress.emplace(id, tr.MakeProgress(10, false));
  }
  tr.config.learners.insert(4);
  tr.progress.emplace(4, tr.MakeProgress(10, true));
  tr.Get(1)->match = 10;
  tr.Get(2)->match = 8;
  tr.Get(4)->match = 10;  // a learner: never counted
  EXPECT_EQ(tr.Committed(), 8u);
  EXPECT_FALSE(tr.IsSingleton());

  tr.RecordVote(1, true);
  tr.RecordVote(4, true);
  int granted = 0, rejected = 0;
  EXPECT_EQ(tr.TallyVotes(&granted, &rejected), VoteResult::kPending);
  EXPECT_EQ(granted, 1);
  tr.RecordVote(2, false);
  tr.RecordVote(2, true);  // only the first vote counts
  EXPECT_EQ(tr.TallyVotes(&granted, &rejected), VoteResult::kPending);
  EXPECT_EQ(rejected, 1);
  tr.RecordVote(3, true);
  EXPECT_EQ(tr.TallyVotes(nullptr, nullptr), VoteResult::kWon);

  for (auto& [id, pr] : tr.progress) pr.recent_active = false;
  tr.Get(4)->recent_active = true;
  tr.Get(1)->recent_active = true;
  EXPECT_FALSE(tr.QuorumActive());
  tr.Get(3)->recent_active = true;
  EXPECT_TRUE(tr.QuorumActive());
  EXPECT_EQ(tr.config.String(), "voters=(1 2 3) learners=(4)");
}

}  // namespace
}  // namespace etcd::raft
