#include "systemd/progress_probe.h"

#include <gtest/gtest.h>

#include <atomic>

namespace etcd::systemd {
namespace {

using std::chrono::milliseconds;

TEST(ProgressProbeTest, NoLoopsIsHealthy) {
  FakeClock clock;
  ProgressProbe p(&clock);
  EXPECT_TRUE(p.Healthy());
}

TEST(ProgressProbeTest, IdleLoopMustTurnWithinTheWindow) {
  FakeClock clock;
  ProgressProbe p(&clock);
  std::atomic<uint64_t> turns{0};
  p.AddLoop("raft loop", milliseconds(1000), [&] { return turns.load(); });
  // Turning every heartbeat (100ms): healthy however long it runs.
  for (int i = 0; i < 50; ++i) {
    clock.Advance(milliseconds(100));
    ++turns;
    EXPECT_TRUE(p.Healthy()) << i;
  }
  // Stuck: still healthy up to the window, unhealthy after it.
  for (int i = 0; i < 10; ++i) {
    clock.Advance(milliseconds(100));
    EXPECT_TRUE(p.Healthy()) << i;
  }
  clock.Advance(milliseconds(1));
  EXPECT_FALSE(p.Healthy());
  EXPECT_EQ(p.Stalled(), std::vector<std::string>{"raft loop"});
  clock.Advance(milliseconds(5000));
  EXPECT_FALSE(p.Healthy());
  // One turn: healthy again at once.
  ++turns;
  EXPECT_TRUE(p.Healthy());
  EXPECT_TRUE(p.Stalled().empty());
}

TEST(ProgressProbeTest, StalledFromTheStartWhenTheLoopNeverTurns) {
  FakeClock clock;
  ProgressProbe p(&clock);
  p.AddLoop("raft loop", milliseconds(1000), [] { return uint64_t{7}; });
  clock.Advance(milliseconds(999));
  EXPECT_TRUE(p.Healthy());
  clock.Advance(milliseconds(2));
  EXPECT_FALSE(p.Healthy());
}

TEST(ProgressProbeTest, SparseSamplesSeeProgressBetweenThem) {
  // Sampled every 2s (longer than the window): any movement since the last sample counts.
  FakeClock clock;
  ProgressProbe p(&clock);
  uint64_t turns = 0;
  p.AddLoop("raft loop", milliseconds(1000), [&] { return turns; });
  for (int i = 0; i < 5; ++i) {
    clock.Advance(milliseconds(2000));
    turns += 20;
    EXPECT_TRUE(p.Healthy());
  }
  clock.Advance(milliseconds(2000));
  EXPECT_FALSE(p.Healthy());
}

TEST(ProgressProbeTest, WorkDrivenLoopIsJudgedOnlyWhileItHasWork) {
  FakeClock clock;
  ProgressProbe p(&clock);
  uint64_t applied = 10, committed = 10;
  p.AddLoop(
      "applier", milliseconds(5000), [&] { return applied; }, [&] { return committed > applied; });
  // Idle for a long time: healthy.
  for (int i = 0; i < 20; ++i) {
    clock.Advance(milliseconds(1000));
    EXPECT_TRUE(p.Healthy());
  }
  // Work arrives and is applied in time.
  committed = 20;
  EXPECT_TRUE(p.Healthy());
  clock.Advance(milliseconds(4000));
  applied = 15;
  EXPECT_TRUE(p.Healthy());
  clock.Advance(milliseconds(4000));
  EXPECT_TRUE(p.Healthy());
  // No progress for more than the window since the last one, with work left: stalled.
  clock.Advance(milliseconds(1001));
  EXPECT_FALSE(p.Healthy());
  EXPECT_EQ(p.Stalled(), std::vector<std::string>{"applier"});
  applied = 20;
  EXPECT_TRUE(p.Healthy());
}

TEST(ProgressProbeTest, AnyStalledLoopMakesTheMemberUnhealthy) {
  FakeClock clock;
  ProgressProbe p(&clock);
  uint64_t turns = 0, applied = 0, committed = 5;
  p.AddLoop("raft loop", milliseconds(1000), [&] { return turns; });
  p.AddLoop(
      "applier", milliseconds(3000), [&] { return applied; }, [&] { return committed > applied; });
  for (int i = 0; i < 31; ++i) {
    clock.Advance(milliseconds(100));
    ++turns;
  }
  EXPECT_FALSE(p.Healthy());  // the applier sat on 5 entries for 3.1s
  EXPECT_EQ(p.Stalled(), std::vector<std::string>{"applier"});
}

}  // namespace
}  // namespace etcd::systemd
