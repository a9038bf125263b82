#include "server/auto_compactor.h"

#include <algorithm>

namespace etcd::server {

AutoCompactor AutoCompactor::Periodic(Clock::Duration period, Clock::TimePoint now, int64_t rev) {
  AutoCompactor c;
  if (period <= Clock::Duration::zero()) return c;
  c.mode_ = Mode::kPeriodic;
  c.period_ = period;
  Clock::Duration capped = std::min<Clock::Duration>(period, std::chrono::hours(1));
  c.interval_ = capped / 10;
  if (c.interval_ <= Clock::Duration::zero()) c.interval_ = Clock::Duration(1);
  c.retentions_ = static_cast<size_t>(period / c.interval_) + 1;
  c.base_ = period;
  c.last_success_ = now;
  c.next_ = now + c.interval_;
  c.revs_.push_back(rev);
  return c;
}

AutoCompactor AutoCompactor::Revision(int64_t retention, Clock::TimePoint now) {
  AutoCompactor c;
  if (retention <= 0) return c;
  c.mode_ = Mode::kRevision;
  c.retention_revs_ = retention;
  c.interval_ = kRevisionInterval;
  c.next_ = now + c.interval_;
  return c;
}

std::optional<int64_t> AutoCompactor::Poll(Clock::TimePoint now, int64_t current_rev, bool leader) {
  if (mode_ == Mode::kDisabled || now < next_) return std::nullopt;
  next_ = now + interval_;
  std::optional<int64_t> out;
  if (mode_ == Mode::kPeriodic) {
    if (leader && now - last_success_ >= base_) {
      base_ = std::min<Clock::Duration>(period_, std::chrono::hours(1));
      out = revs_.front();
    }
    revs_.push_back(current_rev);
    while (revs_.size() > retentions_) revs_.pop_front();
    return out;
  }
  int64_t rev = current_rev - retention_revs_;
  if (!leader || rev <= 0 || rev == prev_) return std::nullopt;
  return rev;
}

void AutoCompactor::OnResult(Clock::TimePoint now, int64_t rev, bool ok) {
  if (!ok) return;
  if (mode_ == Mode::kPeriodic) last_success_ = now;
  if (mode_ == Mode::kRevision) prev_ = rev;
}

}  // namespace etcd::server
