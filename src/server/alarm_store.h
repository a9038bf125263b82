// The replicated alarms (NOSPACE, CORRUPT) of every member, persisted in the backend's
// alarm bucket (key: member id as 8 big-endian bytes + alarm type as 4 big-endian
// bytes; empty value; docs/design/server.md "Alarm records").
//
// Thread safety: all methods may be called from any thread; Activate/Deactivate with a
// backend, and Recover, on the applier thread only (the backend's pending batch).
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "etcdserverpb/rpc.pb.h"
#include "storage/backend.h"

namespace etcd::server {

class AlarmStore {
 public:
  absl::Status Recover(const storage::Backend& backend);
  // True when the alarm was not yet active.
  bool Activate(uint64_t member_id, etcdserverpb::AlarmType type, storage::Backend* backend);
  // True when the alarm was active.
  bool Deactivate(uint64_t member_id, etcdserverpb::AlarmType type, storage::Backend* backend);
  // Every alarm (type NONE) or those of one type, ordered by (member, type).
  std::vector<etcdserverpb::AlarmMember> List(
      etcdserverpb::AlarmType type = etcdserverpb::NONE) const;
  bool Has(etcdserverpb::AlarmType type) const;

 private:
  mutable absl::Mutex mu_;
  std::set<std::pair<uint64_t, int>> alarms_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::server
