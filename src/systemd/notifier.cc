#include "systemd/notifier.h"

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#ifdef ETCD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace etcd::systemd {
namespace {

class SdNotifySender final : public NotifySender {
 public:
  void Send(std::string_view state) override {
#ifdef ETCD_HAVE_SYSTEMD
    std::string s(state);
    sd_notify(0, s.c_str());
#else
    (void)state;
#endif
  }
};

}  // namespace

std::unique_ptr<NotifySender> NewSdNotifySender() { return std::make_unique<SdNotifySender>(); }

std::chrono::microseconds WatchdogInterval() {
#ifdef ETCD_HAVE_SYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) return std::chrono::microseconds(usec);
#endif
  return std::chrono::microseconds(0);
}

Notifier::Notifier(NotifySender* sender, const Clock* clock, NotifierOptions options)
    : sender_(sender), clock_(clock), opts_(options) {
  absl::MutexLock lock(&mu_);
  next_watchdog_ = clock_->Now();
}

Notifier::~Notifier() { StopThread(); }

void Notifier::SetPeerProbe(std::function<PeerCount()> probe) {
  absl::MutexLock lock(&mu_);
  peer_probe_ = std::move(probe);
}

void Notifier::SetHealthProbe(std::function<bool()> probe) {
  absl::MutexLock lock(&mu_);
  health_probe_ = std::move(probe);
}

PeerCount Notifier::ProbePeers() const {
  std::function<PeerCount()> probe;
  {
    absl::MutexLock lock(&mu_);
    probe = peer_probe_;
  }
  return probe ? probe() : PeerCount{};
}

std::string Notifier::StatusFor(Phase phase, const PeerCount& peers) const {
  switch (phase) {
    case Phase::kInit:
    case Phase::kStarting:
      return "starting";
    case Phase::kReplayingWal:
      return "replaying WAL";
    case Phase::kWaitingForQuorum:
      return absl::StrCat("waiting for quorum: ", peers.reachable, "/", peers.total,
                          " peers reachable");
    case Phase::kServing:
      return "serving";
    case Phase::kStopping:
      return "stopping";
  }
  return "starting";
}

void Notifier::Starting() { SetPhase(Phase::kStarting, false); }
void Notifier::ReplayingWal() { SetPhase(Phase::kReplayingWal, false); }
void Notifier::WaitingForQuorum(bool ready_now) { SetPhase(Phase::kWaitingForQuorum, ready_now); }
void Notifier::Serving() { SetPhase(Phase::kServing, true); }
void Notifier::Stopping() { SetPhase(Phase::kStopping, false); }

void Notifier::SetPhase(Phase phase, bool ready_now) {
  const PeerCount peers = phase == Phase::kWaitingForQuorum ? ProbePeers() : PeerCount{};
  const Clock::TimePoint now = clock_->Now();
  // send_mu_ keeps the order of what systemd receives equal to the order of the
  // state changes (a tick's keep-alive never lands after a newer phase's STATUS).
  absl::MutexLock send_lock(&send_mu_);
  std::string msg;
  {
    absl::MutexLock lock(&mu_);
    if (phase_ == Phase::kStopping) return;  // nothing after STOPPING=1
    phase_ = phase;
    status_ = StatusFor(phase, peers);
    if (phase == Phase::kWaitingForQuorum) waiting_since_ = now;
    if (ready_now && !ready_sent_) {
      ready_sent_ = true;
      msg = "READY=1\n";
    }
    if (phase == Phase::kStopping) msg = "STOPPING=1\n";
    absl::StrAppend(&msg, "STATUS=", status_);
    if (!ready_sent_ && phase != Phase::kStopping) {
      absl::StrAppend(&msg, "\nEXTEND_TIMEOUT_USEC=", opts_.extend_timeout.count());
      next_keepalive_ = now + opts_.keepalive;
    }
  }
  sender_->Send(msg);
}

void Notifier::Tick() {
  const Clock::TimePoint now = clock_->Now();
  Phase phase;
  std::function<bool()> health;
  {
    absl::MutexLock lock(&mu_);
    phase = phase_;
    health = health_probe_;
  }
  if (phase == Phase::kStopping) return;
  const PeerCount peers = phase == Phase::kWaitingForQuorum ? ProbePeers() : PeerCount{};
  bool watchdog_due = false;
  {
    absl::MutexLock lock(&mu_);
    watchdog_due = opts_.watchdog.count() > 0 && now >= next_watchdog_;
    if (watchdog_due) next_watchdog_ = now + opts_.watchdog / 2;
  }
  // The probe runs on every tick while the watchdog is on (not only when a ping is
  // due): a progress probe measures "moved within the last election timeout" with the
  // tick's precision (systemd/progress_probe.h).
  const bool probed_healthy = opts_.watchdog.count() > 0 && (!health || health());
  const bool healthy = watchdog_due && probed_healthy;

  absl::MutexLock send_lock(&send_mu_);
  std::vector<std::string> msgs;
  {
    absl::MutexLock lock(&mu_);
    if (phase_ != phase) return;  // a phase change raced with this tick; next tick
    std::string status = StatusFor(phase_, peers);
    if (!ready_sent_ && phase_ != Phase::kInit) {
      if (phase_ == Phase::kWaitingForQuorum && now - waiting_since_ >= opts_.quorum_grace) {
        // Waited long enough: tell systemd we are up so that a one-at-a-time start of
        // the whole cluster cannot deadlock; STATUS keeps saying what we wait for.
        ready_sent_ = true;
        status_ = status;
        msgs.push_back(absl::StrCat("READY=1\nSTATUS=", status_));
      } else if (now >= next_keepalive_ || status != status_) {
        status_ = status;
        next_keepalive_ = now + opts_.keepalive;
        msgs.push_back(absl::StrCat("STATUS=", status_,
                                    "\nEXTEND_TIMEOUT_USEC=", opts_.extend_timeout.count()));
      }
    } else if (status != status_) {
      status_ = status;
      msgs.push_back(absl::StrCat("STATUS=", status_));
    }
    if (healthy) msgs.push_back("WATCHDOG=1");
  }
  for (const std::string& m : msgs) sender_->Send(m);
}

void Notifier::StartThread(std::chrono::milliseconds period) {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  thread_stop_ = false;
  thread_ = std::thread([this, period] {
    for (;;) {
      {
        absl::MutexLock l(&mu_);
        if (!thread_stop_) thread_cv_.WaitWithTimeout(&mu_, absl::FromChrono(period));
        if (thread_stop_) return;
      }
      Tick();
    }
  });
}

void Notifier::StopThread() {
  std::thread t;
  {
    absl::MutexLock lock(&mu_);
    thread_stop_ = true;
    thread_cv_.SignalAll();
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

bool Notifier::ReadySent() const {
  absl::MutexLock lock(&mu_);
  return ready_sent_;
}

std::string Notifier::Status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

}  // namespace etcd::systemd
