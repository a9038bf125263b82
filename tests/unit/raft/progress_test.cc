#include "raft/progress.h"

#include <gtest/gtest.h>

namespace etcd::raft {
namespace {

Progress P(ProgressState st, uint64_t match, uint64_t next) {
  Progress p(next, 256, false);
  p.state = st;
  p.match = match;
  return p;
}

TEST(ProgressTest, BecomeProbe) {
  struct Case {
    Progress p;
    uint64_t wnext;
  } cases[] = {
      {P(ProgressState::kReplicate, 1, 5), 2},
      {[] {
         Progress p = P(ProgressState::kSnapshot, 1, 5);
         p.pending_snapshot = 10;
         return p;
       }(),
       11},
      {P(ProgressState::kSnapshot, 1, 5), 2},
  };
  for (auto& tc : cases) {
    tc.p.BecomeProbe();
    EXPECT_EQ(tc.p.state, ProgressState::kProbe);
    EXPECT_EQ(tc.p.match, 1u);
    EXPECT_EQ(tc.p.next, tc.wnext);
  }
}

TEST(ProgressTest, BecomeReplicateAndSnapshot) {
  Progress p = P(ProgressState::kProbe, 1, 5);
  p.BecomeReplicate();
  EXPECT_EQ(p.state, ProgressState::kReplicate);
  EXPECT_EQ(p.next, 2u);
  p.BecomeSnapshot(10);
  EXPECT_EQ(p.state, ProgressState::kSnapshot);
  EXPECT_EQ(p.pending_snapshot, 10u);
  EXPECT_EQ(p.match, 1u);
}

TEST(ProgressTest, MaybeUpdate) {
  const uint64_t match = 3, next = 5;
  struct Case {
    uint64_t update, wmatch, wnext;
    bool wok;
  } cases[] = {
      {match - 1, match, next, false},  // stale
      {match, match, next, false},      // duplicate
      {match + 1, match + 1, next, true},
      {match + 2, match + 2, next + 1, true},
  };
  for (const auto& tc : cases) {
    Progress p = P(ProgressState::kProbe, match, next);
    p.probe_sent = true;
    EXPECT_EQ(p.MaybeUpdate(tc.update), tc.wok);
    EXPECT_EQ(p.match, tc.wmatch);
    EXPECT_EQ(p.next, tc.wnext);
    EXPECT_EQ(p.probe_sent, !tc.wok);
  }
}

TEST(ProgressTest, MaybeDecrTo) {
  struct Case {
    ProgressState st;
    uint64_t m, n, rejected, hint;
    bool w;
    uint64_t wn;
  } cases[] = {
      // Replicate, stale rejection.
      {ProgressState::kReplicate, 5, 10, 5, 5, false, 10},
      {ProgressState::kReplicate, 5, 10, 4, 4, false, 10},
      // Replicate, real rejection: back to match+1.
      {ProgressState::kReplicate, 5, 10, 9, 9, true, 6},
      // Probe: only the rejection of next-1 counts.
      {ProgressState::kProbe, 0, 0, 0, 0, false, 0},
      {ProgressState::kProbe, 0, 10, 5, 5, false, 10},
      {ProgressState::kProbe, 0, 10, 9, 9, true, 9},
      {ProgressState::kProbe, 0, 2, 1, 1, true, 1},
      {ProgressState::kProbe, 0, 1, 0, 0, true, 1},
      // The hint skips ahead.
      {ProgressState::kProbe, 0, 10, 9, 2, true, 3},
      {ProgressState::kProbe, 0, 10, 9, 0, true, 1},
      // Never below match+1.
      {ProgressState::kProbe, 5, 10, 9, 2, true, 6},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    Progress p = P(tc.st, tc.m, tc.n);
    p.probe_sent = true;
    EXPECT_EQ(p.MaybeDecrTo(tc.rejected, tc.hint), tc.w);
    EXPECT_EQ(p.match, tc.m);
    EXPECT_EQ(p.next, tc.wn);
    if (tc.w && tc.st == ProgressState::kProbe) {
      EXPECT_FALSE(p.probe_sent);
    }
  }
}

TEST(ProgressTest, IsPaused) {
  Progress p = P(ProgressState::kProbe, 0, 1);
  EXPECT_FALSE(p.IsPaused());
  p.probe_sent = true;
  EXPECT_TRUE(p.IsPaused());
  p.BecomeReplicate();
  EXPECT_FALSE(p.IsPaused());
  Progress small(1, 1, false);
  small.BecomeReplicate();
  small.inflights.Add(1);
  EXPECT_TRUE(small.IsPaused());
  p.BecomeSnapshot(1);
  EXPECT_TRUE(p.IsPaused());
}

TEST(ProgressTest, String) {
  Progress p = P(ProgressState::kReplicate, 1, 2);
  p.recent_active = true;
  p.inflights.Add(5);
  EXPECT_EQ(p.String(), "StateReplicate match=1 next=2 inflight=1");
}

}  // namespace
}  // namespace etcd::raft
