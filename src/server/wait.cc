#include "server/wait.h"

namespace etcd::server {

bool WaitRegistry::Register(uint64_t id, Clock::TimePoint deadline, WaitFn fn) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = waits_.try_emplace(id, Entry{deadline, std::move(fn)});
  if (!inserted) return false;
  by_deadline_.emplace(deadline, id);
  return true;
}

bool WaitRegistry::IsRegistered(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  return waits_.count(id) > 0;
}

bool WaitRegistry::Trigger(uint64_t id, ApplyResult result) {
  WaitFn fn;
  {
    absl::MutexLock lock(&mu_);
    auto it = waits_.find(id);
    if (it == waits_.end()) return false;
    fn = std::move(it->second.fn);
    by_deadline_.erase({it->second.deadline, id});
    waits_.erase(it);
  }
  fn(std::move(result));
  return true;
}

size_t WaitRegistry::Expire(Clock::TimePoint now, const absl::Status& status) {
  std::vector<WaitFn> expired;
  {
    absl::MutexLock lock(&mu_);
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
      uint64_t id = by_deadline_.begin()->second;
      by_deadline_.erase(by_deadline_.begin());
      auto it = waits_.find(id);
      expired.push_back(std::move(it->second.fn));
      waits_.erase(it);
    }
  }
  for (auto& fn : expired) fn(ApplyResult{status, nullptr});
  return expired.size();
}

size_t WaitRegistry::CancelAll(const absl::Status& status) {
  std::map<uint64_t, Entry> all;
  {
    absl::MutexLock lock(&mu_);
    all.swap(waits_);
    by_deadline_.clear();
  }
  for (auto& [id, e] : all) e.fn(ApplyResult{status, nullptr});
  return all.size();
}

size_t WaitRegistry::Size() const {
  absl::MutexLock lock(&mu_);
  return waits_.size();
}

}  // namespace etcd::server
