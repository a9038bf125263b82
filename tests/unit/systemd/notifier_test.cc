#include "systemd/notifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "systemd/progress_probe.h"

namespace etcd::systemd {
namespace {

using std::chrono::seconds;

class RecordingSender final : public NotifySender {
 public:
  void Send(std::string_view state) override {
    absl::MutexLock lock(&mu_);
    sent_.emplace_back(state);
  }
  std::vector<std::string> Take() {
    absl::MutexLock lock(&mu_);
    return std::exchange(sent_, {});
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> sent_;
};

NotifierOptions Options() {
  NotifierOptions o;
  o.keepalive = seconds(5);
  o.extend_timeout = seconds(30);
  o.quorum_grace = seconds(60);
  return o;
}

TEST(NotifierTest, RestartReportsEachPhaseAndReadyWhenServing) {
  RecordingSender sender;
  FakeClock clock;
  Notifier n(&sender, &clock, Options());
  n.SetPeerProbe([] { return PeerCount{2, 3}; });
  n.Starting();
  n.ReplayingWal();
  n.WaitingForQuorum(/*ready_now=*/false);
  EXPECT_FALSE(n.ReadySent());
  n.Serving();
  EXPECT_TRUE(n.ReadySent());
  EXPECT_EQ(sender.Take(),
            (std::vector<std::string>{
                "STATUS=starting\nEXTEND_TIMEOUT_USEC=30000000",
                "STATUS=replaying WAL\nEXTEND_TIMEOUT_USEC=30000000",
                "STATUS=waiting for quorum: 2/3 peers reachable\nEXTEND_TIMEOUT_USEC=30000000",
                "READY=1\nSTATUS=serving",
            }));
  n.Stopping();
  EXPECT_EQ(sender.Take(), (std::vector<std::string>{"STOPPING=1\nSTATUS=stopping"}));
}

TEST(NotifierTest, NewClusterIsReadyAtOnceAndReportsPeers) {
  RecordingSender sender;
  FakeClock clock;
  Notifier n(&sender, &clock, Options());
  PeerCount peers{1, 3};
  n.SetPeerProbe([&] { return peers; });
  n.WaitingForQuorum(/*ready_now=*/true);
  EXPECT_TRUE(n.ReadySent());
  EXPECT_EQ(sender.Take(),
            (std::vector<std::string>{"READY=1\nSTATUS=waiting for quorum: 1/3 peers reachable"}));
  // Nothing new: no message.
  n.Tick();
  EXPECT_TRUE(sender.Take().empty());
  peers = {2, 3};
  n.Tick();
  EXPECT_EQ(sender.Take(),
            (std::vector<std::string>{"STATUS=waiting for quorum: 2/3 peers reachable"}));
  n.Serving();  // READY=1 is not repeated
  EXPECT_EQ(sender.Take(), (std::vector<std::string>{"STATUS=serving"}));
}

TEST(NotifierTest, KeepAliveExtendsTheStartTimeoutUntilReady) {
  RecordingSender sender;
  FakeClock clock;
  Notifier n(&sender, &clock, Options());
  n.ReplayingWal();
  sender.Take();
  clock.Advance(seconds(4));
  n.Tick();
  EXPECT_TRUE(sender.Take().empty());
  clock.Advance(seconds(1));
  n.Tick();
  EXPECT_EQ(sender.Take(),
            (std::vector<std::string>{"STATUS=replaying WAL\nEXTEND_TIMEOUT_USEC=30000000"}));
  n.Serving();
  sender.Take();
  clock.Advance(seconds(10));
  n.Tick();
  EXPECT_TRUE(sender.Take().empty()) << "no keep-alive after READY=1";
}

TEST(NotifierTest, RestartWithoutQuorumBecomesReadyAfterTheGrace) {
  RecordingSender sender;
  FakeClock clock;
  Notifier n(&sender, &clock, Options());
  n.SetPeerProbe([] { return PeerCount{1, 3}; });
  n.WaitingForQuorum(/*ready_now=*/false);
  sender.Take();
  for (int i = 0; i < 11; ++i) {
    clock.Advance(seconds(5));
    n.Tick();
  }
  EXPECT_FALSE(n.ReadySent());
  clock.Advance(seconds(5));  // 60 s
  n.Tick();
  EXPECT_TRUE(n.ReadySent());
  auto sent = sender.Take();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back(), "READY=1\nSTATUS=waiting for quorum: 1/3 peers reachable");
}

TEST(NotifierTest, WatchdogOnlyWhileHealthy) {
  RecordingSender sender;
  FakeClock clock;
  NotifierOptions o = Options();
  o.watchdog = seconds(10);
  Notifier n(&sender, &clock, o);
  bool healthy = true;
  n.SetHealthProbe([&] { return healthy; });
  n.Serving();
  sender.Take();
  n.Tick();
  EXPECT_EQ(sender.Take(), (std::vector<std::string>{"WATCHDOG=1"}));
  clock.Advance(seconds(4));
  n.Tick();
  EXPECT_TRUE(sender.Take().empty());
  clock.Advance(seconds(1));  // half of WatchdogSec
  n.Tick();
  EXPECT_EQ(sender.Take(), (std::vector<std::string>{"WATCHDOG=1"}));
  healthy = false;
  clock.Advance(seconds(5));
  n.Tick();
  EXPECT_TRUE(sender.Take().empty()) << "a stalled member must let the watchdog fire";
  healthy = true;
  clock.Advance(seconds(5));
  n.Tick();
  EXPECT_EQ(sender.Take(), (std::vector<std::string>{"WATCHDOG=1"}));
  n.Stopping();
  sender.Take();
  clock.Advance(seconds(5));
  n.Tick();
  EXPECT_TRUE(sender.Take().empty()) << "nothing after STOPPING=1";
}

TEST(NotifierTest, WatchdogFollowsRaftLoopProgressAtTickPrecision) {
  // WatchdogSec=4s (a ping due every 2s), ticks every 250ms, election timeout 1s: the
  // probe is sampled on every tick, so a loop that stops turning loses the next ping.
  RecordingSender sender;
  FakeClock clock;
  NotifierOptions o = Options();
  o.watchdog = seconds(4);
  Notifier n(&sender, &clock, o);
  ProgressProbe probe(&clock);
  uint64_t turns = 0;
  probe.AddLoop("raft loop", std::chrono::milliseconds(1000), [&] { return turns; });
  n.SetHealthProbe([&] { return probe.Healthy(); });
  n.Serving();
  sender.Take();
  auto run = [&](int ticks, bool turning) {
    int pings = 0;
    for (int i = 0; i < ticks; ++i) {
      clock.Advance(std::chrono::milliseconds(250));
      if (turning) ++turns;
      n.Tick();
      for (const auto& m : sender.Take()) pings += m == "WATCHDOG=1";
    }
    return pings;
  };
  EXPECT_EQ(run(40, true), 5);  // 10s of progress: a ping every 2s
  // Pings went out at 0.25, 2.25, ..., 8.25 s; stuck from 10 s on: the ping due at
  // 10.25 s still goes (0.25 s after the last turn), every later one is withheld.
  EXPECT_EQ(run(40, false), 1);
  EXPECT_EQ(run(8, true), 1);  // turning again: pings resume
}

TEST(NotifierTest, NoWatchdogWhenNotRequested) {
  RecordingSender sender;
  FakeClock clock;
  Notifier n(&sender, &clock, Options());
  n.Serving();
  sender.Take();
  clock.Advance(seconds(100));
  n.Tick();
  EXPECT_TRUE(sender.Take().empty());
}

TEST(NotifierTest, ThreadStartsAndStops) {
  RecordingSender sender;
  RealClock clock;
  Notifier n(&sender, &clock, Options());
  n.StartThread(std::chrono::milliseconds(1));
  n.Serving();
  n.StopThread();
  n.StopThread();  // idempotent
  EXPECT_EQ(sender.Take().front(), "READY=1\nSTATUS=serving");
}

}  // namespace
}  // namespace etcd::systemd
