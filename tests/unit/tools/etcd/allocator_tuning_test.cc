#include "tools/etcd/allocator_tuning.h"

#include <gtest/gtest.h>

namespace etcd::tools {
namespace {

constexpr int64_t kMs = 1'000'000;

// Polls every 10 ms with the given CPU use per poll (ms); returns the release decisions.
struct Driver {
  ReleasePolicy policy;
  int64_t now = 1000 * kMs;
  int64_t cpu = 0;
  bool Poll(int64_t cpu_ms) {
    now += 10 * kMs;
    cpu += cpu_ms * kMs;
    return policy.OnPoll(now, cpu);
  }
};

TEST(ReleasePolicyTest, ReleasesOnceWhenQuietAfterStartUp) {
  Driver d;
  EXPECT_FALSE(d.policy.OnPoll(d.now, d.cpu));  // first sample
  int releases = 0;
  for (int i = 0; i < 100; ++i) releases += d.Poll(0);
  EXPECT_EQ(releases, 1);
}

TEST(ReleasePolicyTest, BusyReleasesOncePerSecondThenOnceWhenQuiet) {
  Driver d;
  d.policy.OnPoll(d.now, d.cpu);
  for (int i = 0; i < 20; ++i) d.Poll(0);  // the start-up release
  int releases = 0;
  for (int i = 0; i < 300; ++i) releases += d.Poll(10);  // 3 s fully busy
  EXPECT_EQ(releases, 3);
  // The load stops: one release at the first quiet poll that is >= 100 ms after the last.
  int first_quiet_release = -1;
  for (int i = 0; i < 100; ++i) {
    if (d.Poll(0) && first_quiet_release < 0) first_quiet_release = i;
  }
  EXPECT_GE(first_quiet_release, 0);
  EXPECT_LE(first_quiet_release, 10);
  // And nothing more while quiet.
  releases = 0;
  for (int i = 0; i < 500; ++i) releases += d.Poll(1);  // 10 % of a CPU: quiet
  EXPECT_EQ(releases, 0);
}

TEST(ReleasePolicyTest, ReportsWhetherTheLastWindowWasBusy) {
  Driver d;
  d.policy.OnPoll(d.now, d.cpu);
  d.Poll(10);
  EXPECT_TRUE(d.policy.last_busy());
  d.Poll(1);
  EXPECT_FALSE(d.policy.last_busy());
}

TEST(ReleasePolicyTest, ShortBurstsAreRateLimited) {
  Driver d;
  d.policy.OnPoll(d.now, d.cpu);
  for (int i = 0; i < 20; ++i) d.Poll(0);
  int releases = 0;
  // 1 s of alternating busy/quiet polls: at most one release per 100 ms.
  for (int i = 0; i < 100; ++i) releases += d.Poll(i % 2 == 0 ? 10 : 0);
  EXPECT_LE(releases, 10);
  EXPECT_GE(releases, 5);
}

// The real thing: constructing and destroying the releaser (and the tuning call) work
// with whichever allocator the test binary has.
TEST(FreeMemoryReleaserTest, StartsAndStops) {
  TuneAllocator();
  FreeMemoryReleaser r;
}

}  // namespace
}  // namespace etcd::tools
