#include "server/alarm_store.h"

#include <string>

namespace etcd::server {
namespace {

std::string AlarmKey(uint64_t member, int type) {
  std::string k(12, '\0');
  for (int i = 0; i < 8; ++i) k[i] = static_cast<char>(member >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i)
    k[8 + i] = static_cast<char>(static_cast<uint32_t>(type) >> (24 - 8 * i));
  return k;
}

}  // namespace

absl::Status AlarmStore::Recover(const storage::Backend& backend) {
  std::set<std::pair<uint64_t, int>> alarms;
  RETURN_IF_ERROR(
      backend.Scan(storage::Bucket::kAlarm, "", "", [&](std::string_view key, std::string_view) {
        if (key.size() != 12) return true;
        uint64_t m = 0;
        uint32_t t = 0;
        for (int i = 0; i < 8; ++i) m = (m << 8) | static_cast<unsigned char>(key[i]);
        for (int i = 8; i < 12; ++i) t = (t << 8) | static_cast<unsigned char>(key[i]);
        alarms.emplace(m, static_cast<int>(t));
        return true;
      }));
  absl::MutexLock lock(&mu_);
  alarms_ = std::move(alarms);
  return absl::OkStatus();
}

bool AlarmStore::Activate(uint64_t member_id, etcdserverpb::AlarmType type,
                          storage::Backend* backend) {
  absl::MutexLock lock(&mu_);
  bool added = alarms_.emplace(member_id, static_cast<int>(type)).second;
  if (added && backend != nullptr) {
    backend->Put(storage::Bucket::kAlarm, AlarmKey(member_id, type), "");
  }
  return added;
}

bool AlarmStore::Deactivate(uint64_t member_id, etcdserverpb::AlarmType type,
                            storage::Backend* backend) {
  absl::MutexLock lock(&mu_);
  bool removed = alarms_.erase({member_id, static_cast<int>(type)}) > 0;
  if (removed && backend != nullptr) {
    backend->Delete(storage::Bucket::kAlarm, AlarmKey(member_id, type));
  }
  return removed;
}

std::vector<etcdserverpb::AlarmMember> AlarmStore::List(etcdserverpb::AlarmType type) const {
  absl::MutexLock lock(&mu_);
  std::vector<etcdserverpb::AlarmMember> out;
  for (const auto& [m, t] : alarms_) {
    if (type != etcdserverpb::NONE && t != type) continue;
    etcdserverpb::AlarmMember a;
    a.set_memberid(m);
    a.set_alarm(static_cast<etcdserverpb::AlarmType>(t));
    out.push_back(a);
  }
  return out;
}

bool AlarmStore::Has(etcdserverpb::AlarmType type) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [m, t] : alarms_) {
    if (t == type) return true;
  }
  return false;
}

}  // namespace etcd::server
