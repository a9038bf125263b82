#include "lease/lessor.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "lease/lease_record.h"

namespace etcd::lease {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

// a + b without overflowing past "forever".
int64_t SatAdd(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  return a + b;
}

int64_t SecondsToNs(int64_t s) {
  if (s > INT64_MAX / kNsPerSecond) return INT64_MAX;
  return s * kNsPerSecond;
}

}  // namespace

Lessor::Lessor(storage::Backend* backend, const Clock* clock, LessorOptions options)
    : backend_(backend), clock_(clock), options_(options) {}

int64_t Lessor::NowNs() const { return clock_->Now().time_since_epoch().count(); }

void Lessor::PersistRecord(int64_t id, int64_t ttl, int64_t remaining_ttl) {
  backend_->Put(storage::Bucket::kLease, EncodeLeaseKey(id),
                EncodeLeaseRecord(LeaseRecord{id, ttl, remaining_ttl}));
}

void Lessor::SetQueueLocked(int64_t id, Lease& l, int64_t queue_ns) const {
  if (l.queue_ns != kForever) expiry_queue_.erase({l.queue_ns, id});
  l.queue_ns = queue_ns;
  if (queue_ns != kForever) expiry_queue_.insert({queue_ns, id});
}

void Lessor::SetExpiryLocked(int64_t id, Lease& l, int64_t expiry_ns) {
  l.expiry_ns = expiry_ns;
  SetQueueLocked(id, l, expiry_ns);
}

void Lessor::ScheduleCheckpointLocked(int64_t id, Lease& l, int64_t now_ns) {
  if (!options_.checkpoint_enabled || !primary_) return;
  if (l.checkpoint_ns != kForever) return;  // already scheduled
  const auto interval_s =
      std::chrono::duration_cast<std::chrono::seconds>(options_.checkpoint_interval).count();
  if (RestartTtl(l) <= interval_s) return;  // expires before a checkpoint would help
  l.checkpoint_ns = SatAdd(
      now_ns,
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.checkpoint_interval).count());
  checkpoint_heap_.push({l.checkpoint_ns, id});
}

LeaseInfo Lessor::InfoLocked(int64_t id, const Lease& l, int64_t now_ns) const {
  LeaseInfo info;
  info.id = id;
  info.ttl = l.ttl;
  if (primary_ && l.expiry_ns != kForever) {
    info.remaining = std::max<int64_t>(0, (l.expiry_ns - now_ns) / kNsPerSecond);
  } else {
    info.remaining = RestartTtl(l);
  }
  info.keys.assign(l.keys.begin(), l.keys.end());
  std::sort(info.keys.begin(), info.keys.end());
  return info;
}

absl::Status Lessor::Recover() {
  std::vector<LeaseRecord> records;
  absl::Status decode_status;
  RETURN_IF_ERROR(backend_->Scan(
      storage::Bucket::kLease, "", "", [&](std::string_view key, std::string_view value) {
        auto rec = DecodeLeaseRecord(value);
        if (!rec.ok()) {
          decode_status = rec.status();
          return false;
        }
        const auto id = DecodeLeaseKey(key);
        if (!id.has_value() || *id != rec->id) {
          decode_status = absl::DataLossError(
              absl::StrCat("lease record: key does not match lease ID ", rec->id));
          return false;
        }
        records.push_back(*rec);
        return true;
      }));
  RETURN_IF_ERROR(decode_status);

  absl::MutexLock lock(&mu_);
  leases_.clear();
  key_to_lease_.clear();
  expiry_queue_.clear();
  checkpoint_heap_ = TimeHeap();
  pending_clears_.clear();
  const int64_t now = NowNs();
  for (const auto& rec : records) {
    Lease& l = leases_[rec.id];
    l.ttl = rec.ttl;
    l.remaining_ttl = rec.remaining_ttl;
    if (primary_) {
      SetExpiryLocked(rec.id, l, SatAdd(now, SecondsToNs(RestartTtl(l))));
      ScheduleCheckpointLocked(rec.id, l, now);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LeaseInfo> Lessor::Grant(int64_t id, int64_t ttl) {
  if (id == kNoLease) return errors::Make(errors::Err::kLeaseNotFound);
  if (ttl > kMaxLeaseTTL) return errors::Make(errors::Err::kLeaseTTLTooLarge);
  ttl = std::max(ttl, options_.min_ttl_seconds);
  LeaseInfo info;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = leases_.try_emplace(id);
    if (!inserted) return errors::Make(errors::Err::kLeaseExist);
    Lease& l = it->second;
    l.ttl = ttl;
    const int64_t now = NowNs();
    if (primary_) {
      SetExpiryLocked(id, l, SatAdd(now, SecondsToNs(ttl)));
      ScheduleCheckpointLocked(id, l, now);
    }
    info = LeaseInfo{id, ttl, ttl, {}};
  }
  PersistRecord(id, ttl, 0);
  return info;
}

absl::StatusOr<std::vector<std::string>> Lessor::Revoke(int64_t id) {
  std::vector<std::string> keys;
  {
    absl::MutexLock lock(&mu_);
    auto it = leases_.find(id);
    if (it == leases_.end()) return errors::Make(errors::Err::kLeaseNotFound);
    Lease& l = it->second;
    keys.reserve(l.keys.size());
    for (const auto& key : l.keys) {
      key_to_lease_.erase(key);
      keys.push_back(key);
    }
    SetQueueLocked(id, l, kForever);
    leases_.erase(it);  // its checkpoint heap entry, if any, is dropped when popped
  }
  std::sort(keys.begin(), keys.end());
  backend_->Delete(storage::Bucket::kLease, EncodeLeaseKey(id));
  return keys;
}

void Lessor::Attach(int64_t id, std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = leases_.find(id);
  if (it == leases_.end()) return;
  auto [pos, inserted] = key_to_lease_.try_emplace(std::string(key), id);
  if (!inserted) {
    if (pos->second == id) return;
    auto old = leases_.find(pos->second);
    if (old != leases_.end()) old->second.keys.erase(pos->first);
    pos->second = id;
  }
  it->second.keys.insert(pos->first);
}

void Lessor::Detach(int64_t id, std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto pos = key_to_lease_.find(std::string(key));
  if (pos == key_to_lease_.end() || pos->second != id) return;
  auto it = leases_.find(id);
  if (it != leases_.end()) it->second.keys.erase(pos->first);
  key_to_lease_.erase(pos);
}

bool Lessor::Exists(int64_t id) const {
  absl::MutexLock lock(&mu_);
  return leases_.contains(id);
}

absl::Status Lessor::Checkpoint(int64_t id, int64_t remaining_ttl) {
  int64_t ttl = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = leases_.find(id);
    if (it == leases_.end()) return absl::OkStatus();
    Lease& l = it->second;
    l.remaining_ttl = std::max<int64_t>(0, remaining_ttl);
    ttl = l.ttl;
    remaining_ttl = l.remaining_ttl;
    ScheduleCheckpointLocked(id, l, NowNs());
  }
  PersistRecord(id, ttl, remaining_ttl);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Lessor::Renew(int64_t id) {
  absl::MutexLock lock(&mu_);
  if (!primary_) return errors::Make(errors::Err::kNotLeader);
  auto it = leases_.find(id);
  if (it == leases_.end()) return errors::Make(errors::Err::kLeaseNotFound);
  Lease& l = it->second;
  const int64_t now = NowNs();
  // Expired but not yet revoked: the revoke is on its way (etcd waits for it).
  if (l.expiry_ns <= now) return errors::Make(errors::Err::kLeaseNotFound);
  if (options_.checkpoint_enabled && l.remaining_ttl > 0) {
    // Replicate the clearing so that a new leader does not resume from a stale
    // checkpoint; locally it takes effect now.
    l.remaining_ttl = 0;
    pending_clears_.push_back(id);
  }
  SetExpiryLocked(id, l, SatAdd(now, SecondsToNs(l.ttl)));
  ScheduleCheckpointLocked(id, l, now);
  return l.ttl;
}

std::optional<LeaseInfo> Lessor::Lookup(int64_t id) const {
  absl::MutexLock lock(&mu_);
  auto it = leases_.find(id);
  if (it == leases_.end()) return std::nullopt;
  return InfoLocked(id, it->second, NowNs());
}

std::vector<int64_t> Lessor::Leases() const {
  std::vector<std::pair<int64_t, int64_t>> by_expiry;
  {
    absl::MutexLock lock(&mu_);
    by_expiry.reserve(leases_.size());
    for (const auto& [id, l] : leases_) by_expiry.push_back({l.expiry_ns, id});
  }
  std::sort(by_expiry.begin(), by_expiry.end());
  std::vector<int64_t> ids;
  ids.reserve(by_expiry.size());
  for (const auto& e : by_expiry) ids.push_back(e.second);
  return ids;
}

int64_t Lessor::LeaseOf(std::string_view key) const {
  absl::MutexLock lock(&mu_);
  auto pos = key_to_lease_.find(std::string(key));
  return pos == key_to_lease_.end() ? kNoLease : pos->second;
}

size_t Lessor::Size() const {
  absl::MutexLock lock(&mu_);
  return leases_.size();
}

bool Lessor::IsPrimary() const {
  absl::MutexLock lock(&mu_);
  return primary_;
}

void Lessor::Promote(std::chrono::milliseconds extend) {
  absl::MutexLock lock(&mu_);
  primary_ = true;
  const int64_t now = NowNs();
  const int64_t extend_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(extend).count();
  checkpoint_heap_ = TimeHeap();
  for (auto& [id, l] : leases_) {
    l.checkpoint_ns = kForever;
    SetExpiryLocked(id, l, SatAdd(SatAdd(now, extend_ns), SecondsToNs(RestartTtl(l))));
    ScheduleCheckpointLocked(id, l, now);
  }
  if (leases_.size() >= static_cast<size_t>(kLeaseRevokeRate)) {
    SpreadPileUpLocked(now, extend_ns);
  }
}

// Leases whose expiries fall in the same one-second window beyond 3/4 of the revoke
// rate are pushed back proportionally, so that a new leader does not find thousands
// of leases expiring at once (etcd's Promote does the same).
void Lessor::SpreadPileUpLocked(int64_t now_ns, int64_t extend_ns) {
  std::vector<std::pair<int64_t, int64_t>> by_expiry;
  by_expiry.reserve(leases_.size());
  for (const auto& [id, l] : leases_) by_expiry.push_back({l.expiry_ns, id});
  std::sort(by_expiry.begin(), by_expiry.end());

  constexpr int64_t kTargetPerSecond = (3 * kLeaseRevokeRate) / 4;
  int64_t base_window = by_expiry.front().first - now_ns;
  int64_t next_window = SatAdd(base_window, kNsPerSecond);
  int64_t expires = 0;
  for (const auto& [expiry, id] : by_expiry) {
    const int64_t remaining = expiry - now_ns;
    if (remaining > next_window) {
      base_window = remaining;
      next_window = SatAdd(base_window, kNsPerSecond);
      expires = 1;
      continue;
    }
    ++expires;
    if (expires <= kTargetPerSecond) continue;
    const double rate_delay =
        static_cast<double>(kNsPerSecond) * (static_cast<double>(expires) / kTargetPerSecond) -
        static_cast<double>(remaining - base_window);
    const auto delay = static_cast<int64_t>(rate_delay);
    next_window = SatAdd(base_window, delay);
    Lease& l = leases_.at(id);
    SetExpiryLocked(id, l, SatAdd(SatAdd(now_ns, delay + extend_ns), SecondsToNs(RestartTtl(l))));
  }
}

void Lessor::Demote() {
  absl::MutexLock lock(&mu_);
  primary_ = false;
  for (auto& [id, l] : leases_) {
    l.expiry_ns = kForever;
    l.queue_ns = kForever;
    l.checkpoint_ns = kForever;
  }
  expiry_queue_.clear();
  checkpoint_heap_ = TimeHeap();
  pending_clears_.clear();
}

std::vector<int64_t> Lessor::ExpiredLeases(size_t max) const {
  absl::MutexLock lock(&mu_);
  std::vector<int64_t> out;
  if (!primary_) return out;
  const int64_t now = NowNs();
  for (auto it = expiry_queue_.begin();
       it != expiry_queue_.end() && it->first <= now && out.size() < max; ++it) {
    out.push_back(it->second);
  }
  const int64_t retry_ns = SatAdd(
      now,
      std::chrono::duration_cast<std::chrono::nanoseconds>(kExpiredLeaseRetryInterval).count());
  for (int64_t id : out) SetQueueLocked(id, leases_.at(id), retry_ns);
  return out;
}

std::vector<std::pair<int64_t, int64_t>> Lessor::CheckpointsDue(size_t max) {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<int64_t, int64_t>> out;
  if (!options_.checkpoint_enabled || !primary_) return out;
  size_t cleared = 0;
  for (; cleared < pending_clears_.size() && out.size() < max; ++cleared) {
    if (leases_.contains(pending_clears_[cleared])) {
      out.push_back({pending_clears_[cleared], 0});
    }
  }
  pending_clears_.erase(pending_clears_.begin(),
                        pending_clears_.begin() + static_cast<ptrdiff_t>(cleared));
  const int64_t now = NowNs();
  while (!checkpoint_heap_.empty() && out.size() < max) {
    const auto [at, id] = checkpoint_heap_.top();
    if (at > now) break;
    checkpoint_heap_.pop();
    auto it = leases_.find(id);
    if (it == leases_.end() || it->second.checkpoint_ns != at) continue;  // stale
    Lease& l = it->second;
    l.checkpoint_ns = kForever;
    if (l.expiry_ns <= now) continue;  // expired: being revoked
    const int64_t remaining = (l.expiry_ns - now + kNsPerSecond - 1) / kNsPerSecond;
    if (remaining >= l.ttl) {
      // Nothing to record (just renewed); keep the lease in the cycle.
      ScheduleCheckpointLocked(id, l, now);
      continue;
    }
    // The applied Checkpoint() schedules the next one.
    out.push_back({id, remaining});
  }
  return out;
}

int64_t Lessor::NextId(Rng* rng, uint64_t member_id) {
  const uint64_t prefix = (member_id & 0xffff) << 48;
  for (;;) {
    const uint64_t id =
        (prefix | (rng->Next() & ((uint64_t{1} << 48) - 1))) & static_cast<uint64_t>(INT64_MAX);
    if (id != 0) return static_cast<int64_t>(id);
  }
}

}  // namespace etcd::lease
