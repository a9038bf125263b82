// The daemon's conversation with systemd (sd_notify): READY=1, STATUS= lines through
// start-up, EXTEND_TIMEOUT_USEC while a start is making progress, WATCHDOG=1 while the
// member is healthy, STOPPING=1. Policy (docs/systemd.md "When READY=1 is sent"):
//
//  * start-up reports STATUS=starting, STATUS=replaying WAL (restart), then
//    STATUS=waiting for quorum: 1/3 peers reachable, then STATUS=serving;
//  * READY=1 is sent when the member serves clients (etcd's point: published through
//    Raft), with two exceptions that keep rollouts from deadlocking:
//      - a member bootstrapping a NEW cluster with peers sends READY=1 as soon as its
//        listeners are up (WaitingForQuorum(/*ready_now=*/true)): there is no data to
//        protect yet, and the next member can only be started once this start returns;
//      - any other member that has waited `quorum_grace` for quorum sends READY=1 anyway
//        (a whole cluster started one member at a time after a full stop);
//  * until READY=1, every `keepalive` the current STATUS is re-sent with
//    EXTEND_TIMEOUT_USEC, so a long WAL replay never hits TimeoutStartSec;
//  * WATCHDOG=1 every half WatchdogSec, only while the health probe (raft loop turned
//    within the last election timeout, applier not stuck: progress_probe.h) says so; a
//    stalled member is then killed and restarted by systemd;
//  * STOPPING=1 on shutdown; no watchdog pings afterwards.
//
// Sending goes through a NotifySender: libsystemd's sd_notify (honours NOTIFY_SOCKET;
// a no-op outside systemd) in the daemon, a recorder in tests.
//
// Thread safety: all methods may be called from any thread. Probes are called with no
// lock held; notifications reach the sender in the order of the state changes (one
// send lock around the non-blocking datagram). Tick() is driven either by the caller
// (tests, FakeClock) or by the thread StartThread() creates.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"

namespace etcd::systemd {

class NotifySender {
 public:
  virtual ~NotifySender() = default;
  // One notification, "KEY=value" lines separated by '\n'.
  virtual void Send(std::string_view state) = 0;
};

// sd_notify(0, state) through libsystemd; a no-op when NOTIFY_SOCKET is unset or the
// build has no libsystemd.
std::unique_ptr<NotifySender> NewSdNotifySender();

// The watchdog interval systemd asks for (WatchdogSec=, via WATCHDOG_USEC and
// WATCHDOG_PID), or zero when the watchdog is off.
std::chrono::microseconds WatchdogInterval();

// Members of the cluster (voters, this member included) and how many of them this
// member can reach (itself included).
struct PeerCount {
  int reachable = 1;
  int total = 1;
};

struct NotifierOptions {
  std::chrono::microseconds watchdog{0};  // WatchdogSec; 0: no WATCHDOG=1
  Clock::Duration keepalive = std::chrono::seconds(5);
  std::chrono::microseconds extend_timeout = std::chrono::seconds(30);
  Clock::Duration quorum_grace = std::chrono::seconds(60);
};

class Notifier {
 public:
  // `sender` and `clock` must outlive the notifier.
  Notifier(NotifySender* sender, const Clock* clock, NotifierOptions options);
  ~Notifier();  // stops the thread
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Probes, called from Tick() without locks. Peer probe: for the "waiting for quorum"
  // line. Health probe: true while the member is healthy (WATCHDOG=1 is sent only then);
  // called on every Tick() while the watchdog is on.
  void SetPeerProbe(std::function<PeerCount()> probe);
  void SetHealthProbe(std::function<bool()> probe);

  // Start-up phases, in order (each may be skipped).
  void Starting();                        // STATUS=starting
  void ReplayingWal();                    // STATUS=replaying WAL
  void WaitingForQuorum(bool ready_now);  // STATUS=waiting for quorum: k/n peers reachable
  void Serving();                         // READY=1 (once) + STATUS=serving
  void Stopping();                        // STOPPING=1 + STATUS=stopping

  // Periodic work at clock->Now(): keep-alives, READY after the grace, STATUS refresh,
  // watchdog.
  void Tick();
  // A thread calling Tick() every `period` of real time until StopThread().
  void StartThread(std::chrono::milliseconds period = std::chrono::milliseconds(250));
  void StopThread();

  bool ReadySent() const;
  std::string Status() const;  // the last STATUS= text sent

 private:
  enum class Phase { kInit, kStarting, kReplayingWal, kWaitingForQuorum, kServing, kStopping };
  void SetPhase(Phase phase, bool ready_now);
  std::string StatusFor(Phase phase, const PeerCount& peers) const;
  PeerCount ProbePeers() const;

  NotifySender* const sender_;
  const Clock* const clock_;
  const NotifierOptions opts_;

  // Serializes computing and sending a notification (held around the non-blocking
  // datagram send only, never around a probe). Acquired before mu_.
  absl::Mutex send_mu_;
  mutable absl::Mutex mu_;
  std::function<PeerCount()> peer_probe_ ABSL_GUARDED_BY(mu_);
  std::function<bool()> health_probe_ ABSL_GUARDED_BY(mu_);
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kInit;
  bool ready_sent_ ABSL_GUARDED_BY(mu_) = false;
  std::string status_ ABSL_GUARDED_BY(mu_);
  Clock::TimePoint waiting_since_ ABSL_GUARDED_BY(mu_){};
  Clock::TimePoint next_keepalive_ ABSL_GUARDED_BY(mu_){};
  Clock::TimePoint next_watchdog_ ABSL_GUARDED_BY(mu_){};
  bool thread_stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar thread_cv_;
  std::thread thread_;
};

}  // namespace etcd::systemd
