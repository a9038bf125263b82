#include "server/reconfig_check.h"

#include <gtest/gtest.h>

#include <set>

#include "common/errors.h"

namespace etcd::server {
namespace {

using std::chrono::seconds;

membership::Member M(uint64_t id, bool started = true, bool learner = false) {
  membership::Member m;
  m.id = id;
  m.name = started ? "n" + std::to_string(id) : "";
  m.peer_urls = {"http://10.0.0." + std::to_string(id) + ":2380"};
  m.is_learner = learner;
  return m;
}

// Self = 1; `connected` peers have been up for a minute, the others are down.
ReconfigView View(std::vector<membership::Member> members, std::set<uint64_t> connected) {
  ReconfigView v;
  v.self = 1;
  v.members = std::move(members);
  v.now = Clock::TimePoint(seconds(1000));
  v.active_since = [connected, now = v.now](uint64_t id) -> std::optional<Clock::TimePoint> {
    if (connected.count(id) == 0) return std::nullopt;
    return now - seconds(60);
  };
  return v;
}

bool IsErr(const absl::Status& s, errors::Err e) { return errors::Is(s, e); }

TEST(ReconfigCheckTest, AddVoter) {
  auto three = View({M(1), M(2), M(3)}, {2, 3});
  EXPECT_TRUE(MayAddMember(three, true, false).ok());
  // Not strict: anything goes.
  EXPECT_TRUE(MayAddMember(View({M(1), M(2), M(3)}, {}), false, false).ok());
  // A voter down: unhealthy.
  EXPECT_TRUE(
      IsErr(MayAddMember(View({M(1), M(2), M(3)}, {2}), true, false), errors::Err::kUnhealthy));
  // Learners skip the started-quorum check, not the connection check (etcd 3.4.23).
  EXPECT_TRUE(
      IsErr(MayAddMember(View({M(1), M(2), M(3)}, {2}), true, true), errors::Err::kUnhealthy));
  auto unstarted = View({M(1), M(2), M(3), M(4, false), M(5, false)}, {2, 3, 4, 5});
  EXPECT_TRUE(MayAddMember(unstarted, true, true).ok());
  // One member may always grow to two.
  EXPECT_TRUE(MayAddMember(View({M(1)}, {}), true, false).ok());
  // 3 started of 5 voters: a 6th would need 4 started.
  auto five = View({M(1), M(2), M(3), M(4, false), M(5, false)}, {2, 3, 4, 5});
  EXPECT_TRUE(IsErr(MayAddMember(five, true, false), errors::Err::kMemberNotEnoughStarted));
  // 3 started of 4 voters: a 5th needs 3.
  auto four = View({M(1), M(2), M(3), M(4, false)}, {2, 3});
  EXPECT_TRUE(IsErr(MayAddMember(four, true, false), errors::Err::kUnhealthy));  // 4 not connected
  four = View({M(1), M(2), M(3), M(4, false)}, {2, 3, 4});
  EXPECT_TRUE(MayAddMember(four, true, false).ok());
}

TEST(ReconfigCheckTest, RecentlyConnectedPeersDoNotCount) {
  auto v = View({M(1), M(2), M(3)}, {2, 3});
  v.active_since = [now = v.now](uint64_t) -> std::optional<Clock::TimePoint> {
    return now - seconds(2);  // up for 2 s only (< 5 s health interval)
  };
  EXPECT_TRUE(IsErr(MayAddMember(v, true, false), errors::Err::kUnhealthy));
  EXPECT_EQ(ConnectedVoters(v), 1);
}

TEST(ReconfigCheckTest, RemoveMember) {
  // Removing a down member is safe.
  EXPECT_TRUE(MayRemoveMember(View({M(1), M(2), M(3)}, {2}), true, 3).ok());
  // Removing a connected member while another is down loses the active quorum.
  EXPECT_TRUE(
      IsErr(MayRemoveMember(View({M(1), M(2), M(3)}, {2}), true, 2), errors::Err::kUnhealthy));
  EXPECT_TRUE(MayRemoveMember(View({M(1), M(2), M(3)}, {2}), false, 2).ok());
  // All up: fine, even removing self.
  EXPECT_TRUE(MayRemoveMember(View({M(1), M(2), M(3)}, {2, 3}), true, 1).ok());
  // Learners skip the checks.
  EXPECT_TRUE(MayRemoveMember(View({M(1), M(2), M(3, true, true)}, {}), true, 3).ok());
  // 2 started of the 4 voters left: not enough.
  auto v = View({M(1), M(2), M(3), M(4, false), M(5, false)}, {2, 3});
  EXPECT_TRUE(IsErr(MayRemoveMember(v, true, 3), errors::Err::kMemberNotEnoughStarted));
  EXPECT_TRUE(MayRemoveMember(v, true, 4).ok());
}

TEST(ReconfigCheckTest, PromoteLearner) {
  auto v = View({M(1), M(2), M(3), M(4, true, true)}, {2, 3, 4});
  std::map<uint64_t, uint64_t> match{{1, 100}, {2, 100}, {3, 100}, {4, 90}};
  EXPECT_TRUE(MayPromoteMember(v, true, 4, match).ok());  // exactly 90%
  match[4] = 89;
  EXPECT_TRUE(IsErr(MayPromoteMember(v, true, 4, match), errors::Err::kLearnerNotReady));
  match[4] = 0;  // never started
  EXPECT_TRUE(IsErr(MayPromoteMember(v, false, 4, match), errors::Err::kLearnerNotReady));
  // Not the leader: no progress to look at.
  EXPECT_TRUE(IsErr(MayPromoteMember(v, true, 4, std::nullopt), errors::Err::kNotLeader));
  // Unknown member: left to the applier (kMemberNotFound there).
  EXPECT_TRUE(MayPromoteMember(v, true, 9, match).ok());
  // A known learner missing from the progress (published a turn late): not ready.
  match.erase(4);
  EXPECT_TRUE(IsErr(MayPromoteMember(v, true, 4, match), errors::Err::kLearnerNotReady));
  // Strict: with the learner counted as started, 2 started of 5 are not enough.
  auto weak = View({M(1), M(2, false), M(3, false), M(4, false), M(5, true, true)}, {});
  std::map<uint64_t, uint64_t> all{{1, 10}, {5, 10}};
  EXPECT_TRUE(IsErr(MayPromoteMember(weak, true, 5, all), errors::Err::kMemberNotEnoughStarted));
  EXPECT_TRUE(MayPromoteMember(weak, false, 5, all).ok());
}

}  // namespace
}  // namespace etcd::server
