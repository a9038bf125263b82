// The persisted form of a lease in the backend's lease bucket (storage::Bucket::kLease).
//
//   key   = lease ID as 8 bytes, big-endian (two's complement), so a bucket scan is in
//           ID order;
//   value = the protobuf wire encoding of etcd's leasepb.Lease message
//           {int64 ID = 1; int64 TTL = 2; int64 RemainingTTL = 3;} (proto3: zero fields
//           omitted), i.e. byte-for-byte what etcd keeps in its bbolt "lease" bucket.
//
// See docs/design/lease.md. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace etcd::lease {

struct LeaseRecord {
  int64_t id = 0;
  int64_t ttl = 0;            // granted TTL, seconds
  int64_t remaining_ttl = 0;  // last replicated checkpoint, seconds; 0 = none
  bool operator==(const LeaseRecord&) const = default;
};

std::string EncodeLeaseKey(int64_t id);
// nullopt unless `key` is exactly 8 bytes.
std::optional<int64_t> DecodeLeaseKey(std::string_view key);

std::string EncodeLeaseRecord(const LeaseRecord& record);
// Unknown fields are skipped (forward compatibility); a truncated or malformed
// buffer gives DataLoss.
absl::StatusOr<LeaseRecord> DecodeLeaseRecord(std::string_view value);

}  // namespace etcd::lease
