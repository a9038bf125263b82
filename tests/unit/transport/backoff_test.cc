#include "transport/backoff.h"

#include <gtest/gtest.h>

#include <chrono>

namespace etcd::transport {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesUpToTheCapWithoutJitter) {
  FakeClock clock;
  Backoff b(milliseconds(50), milliseconds(300), /*jitter=*/0.0, /*seed=*/1);
  EXPECT_TRUE(b.Due(clock.Now()));
  milliseconds expected[] = {milliseconds(50), milliseconds(100), milliseconds(200),
                             milliseconds(300), milliseconds(300)};
  for (milliseconds want : expected) {
    Clock::TimePoint now = clock.Now();
    Clock::TimePoint due = b.Fail(now);
    EXPECT_EQ(due - now, want);
    EXPECT_FALSE(b.Due(now));
    EXPECT_EQ(b.Remaining(now), want);
    clock.Advance(want - milliseconds(1));
    EXPECT_FALSE(b.Due(clock.Now()));
    clock.Advance(milliseconds(1));
    EXPECT_TRUE(b.Due(clock.Now()));
    EXPECT_EQ(b.Remaining(clock.Now()), Clock::Duration(0));
  }
  EXPECT_EQ(b.failures(), 5);
}

TEST(BackoffTest, ResetStartsOver) {
  FakeClock clock;
  Backoff b(milliseconds(10), milliseconds(1000), 0.0, 1);
  for (int i = 0; i < 4; ++i) b.Fail(clock.Now());
  EXPECT_EQ(b.BaseDelay(), milliseconds(160));
  b.Reset();
  EXPECT_EQ(b.failures(), 0);
  EXPECT_TRUE(b.Due(clock.Now()));
  EXPECT_EQ(b.Fail(clock.Now()) - clock.Now(), milliseconds(10));
}

TEST(BackoffTest, JitterStaysInBoundsAndIsSeeded) {
  FakeClock clock;
  Backoff a(milliseconds(100), milliseconds(100), 0.2, 42);
  Backoff same(milliseconds(100), milliseconds(100), 0.2, 42);
  Backoff other(milliseconds(100), milliseconds(100), 0.2, 43);
  bool differs = false;
  for (int i = 0; i < 50; ++i) {
    Clock::Duration d = a.Fail(clock.Now()) - clock.Now();
    EXPECT_GE(d, milliseconds(80));
    EXPECT_LE(d, milliseconds(120));
    EXPECT_EQ(d, same.Fail(clock.Now()) - clock.Now());
    differs |= d != other.Fail(clock.Now()) - clock.Now();
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace etcd::transport
