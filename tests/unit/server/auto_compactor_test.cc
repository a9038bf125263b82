#include "server/auto_compactor.h"

#include <gtest/gtest.h>

namespace etcd::server {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TEST(AutoCompactorTest, DisabledByZeroRetention) {
  Clock::TimePoint t{};
  auto c = AutoCompactor::Periodic(Clock::Duration(0), t, 1);
  EXPECT_EQ(c.mode(), AutoCompactor::Mode::kDisabled);
  EXPECT_FALSE(c.Poll(t + hours(10), 100, true).has_value());
  EXPECT_EQ(AutoCompactor::Revision(0, t).mode(), AutoCompactor::Mode::kDisabled);
}

// etcd's periodic compactor with a 10-minute retention: samples every minute, first
// compaction after 10 minutes to the revision of 10 minutes ago, then every 10 minutes.
TEST(AutoCompactorTest, PeriodicCompactsToTheRevisionOneRetentionAgo) {
  Clock::TimePoint t{};
  auto c = AutoCompactor::Periodic(minutes(10), t, 1);
  std::optional<int64_t> got;
  int64_t rev = 1;
  for (int m = 1; m <= 10; ++m) {
    rev += 10;
    got = c.Poll(t + minutes(m), rev, true);
    if (m < 10) {
      EXPECT_FALSE(got.has_value()) << m;
    }
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, 1);  // the revision at start
  c.OnResult(t + minutes(10), *got, true);
  for (int m = 11; m < 20; ++m) {
    rev += 10;
    EXPECT_FALSE(c.Poll(t + minutes(m), rev, true).has_value()) << m;
  }
  got = c.Poll(t + minutes(20), rev + 10, true);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, 91);  // the sample taken one retention (10 minutes) earlier
}

TEST(AutoCompactorTest, PeriodicWaitsForLeadership) {
  Clock::TimePoint t{};
  auto c = AutoCompactor::Periodic(hours(1), t, 5);
  EXPECT_FALSE(c.Poll(t + hours(2), 50, false).has_value());
  auto got = c.Poll(t + hours(3), 60, true);
  ASSERT_TRUE(got.has_value());
}

TEST(AutoCompactorTest, RevisionModeEveryFiveMinutes) {
  Clock::TimePoint t{};
  auto c = AutoCompactor::Revision(100, t);
  EXPECT_FALSE(c.Poll(t + minutes(4), 1000, true).has_value());
  auto got = c.Poll(t + minutes(5), 1000, true);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, 900);
  c.OnResult(t + minutes(5), 900, true);
  EXPECT_FALSE(c.Poll(t + minutes(10), 1000, true).has_value());  // same revision
  EXPECT_FALSE(c.Poll(t + minutes(15), 50, true).has_value());    // not positive
  got = c.Poll(t + minutes(20), 1500, true);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, 1400);
}

}  // namespace
}  // namespace etcd::server
