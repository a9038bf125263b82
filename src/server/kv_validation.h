// Request checks run before a KV request is proposed (etcd does them in its gRPC
// layer, v3rpc/key.go): pure functions returning etcd's exact errors
// (common/errors.h), or OK.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "etcdserverpb/rpc.pb.h"

namespace etcd::server {

// etcd's default --max-txn-ops.
inline constexpr int64_t kDefaultMaxTxnOps = 128;

// kEmptyKey for an empty key; kInvalidSortOption for an unknown sort order/target.
absl::Status ValidateRange(const etcdserverpb::RangeRequest& req);
// kEmptyKey; kValueProvided (ignore_value with a value); kLeaseProvided (ignore_lease
// with a lease).
absl::Status ValidatePut(const etcdserverpb::PutRequest& req);
// kEmptyKey.
absl::Status ValidateDeleteRange(const etcdserverpb::DeleteRangeRequest& req);
// kTooManyOps when max(len(compare), len(success), len(failure)) > max_txn_ops at the
// top level, or above the budget left to a nested txn (max_txn_ops minus its parent's
// count); kEmptyKey for a compare with an empty key; each op checked as above, an empty
// RequestOp giving kKeyNotFound; then kDuplicateKey when, within one branch (nested
// txns included), a key is put twice or a put falls in a deleted range.
absl::Status ValidateTxn(const etcdserverpb::TxnRequest& req, int64_t max_txn_ops);
// Always OK (etcd checks compaction revisions at apply time).
absl::Status ValidateCompaction(const etcdserverpb::CompactionRequest& req);

}  // namespace etcd::server
