// Request-level KV semantics (etcd's applier for Range/Put/DeleteRange/Txn/Compaction)
// on an mvcc::KvStore: range_end forms, limit/count/more, sorting and revision filters,
// prev_kv, ignore_value/ignore_lease, lease checks and attachment, transactions with
// compares and nested txns (one revision for all of a txn's writes), compaction.
// Requests are assumed to have passed server/kv_validation.h.
//
// Response headers: only `revision` is filled (the store revision after the op; for a
// read, the store's revision at read time); the server fills cluster_id, member_id and
// raft_term. Inner txn responses carry header{revision}; a nested txn's header is
// present but empty (as etcd 3.4 sends it).
//
// Thread safety: Range, ReadOnlyTxn and IsReadOnly may be called from any thread (they
// read committed data). Put, DeleteRange, Txn, Compact, DeleteKeys: applier thread
// only; the lease hooks are called from there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "etcdserverpb/rpc.pb.h"
#include "mvcc/kv_store.h"
#include "mvccpb/kv.pb.h"

namespace etcd::server {

// What the applier needs from the lessor (implemented by the server).
class LeaseHooks {
 public:
  virtual ~LeaseHooks();
  virtual bool Exists(int64_t lease) const = 0;
  virtual void Attach(int64_t lease, std::string_view key) = 0;
  virtual void Detach(int64_t lease, std::string_view key) = 0;
};

class KvApplier {
 public:
  // `hooks` may be null: then every non-zero lease is unknown (kLeaseNotFound).
  KvApplier(mvcc::KvStore* kv, LeaseHooks* hooks) : kv_(kv), hooks_(hooks) {}

  // --- any thread (committed data) ---
  absl::StatusOr<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& req) const;
  // True when `req` (nested txns included) contains no Put/DeleteRange: etcd serves such
  // txns without Raft (after a linearizable read barrier unless all ranges are
  // serializable).
  static bool IsReadOnly(const etcdserverpb::TxnRequest& req);
  // A read-only txn on committed data, every read at one revision.
  absl::StatusOr<etcdserverpb::TxnResponse> ReadOnlyTxn(const etcdserverpb::TxnRequest& req) const;

  // --- applier thread; events of the request are appended to *events ---
  absl::StatusOr<etcdserverpb::PutResponse> Put(const etcdserverpb::PutRequest& req,
                                                std::vector<mvccpb::Event>* events);
  absl::StatusOr<etcdserverpb::DeleteRangeResponse> DeleteRange(
      const etcdserverpb::DeleteRangeRequest& req, std::vector<mvccpb::Event>* events);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& req,
                                                std::vector<mvccpb::Event>* events);
  // Compacts the store (kCompacted / kFutureRev). A `physical` request is complete when
  // kv->FinishedCompactRev() >= req.revision() (after the server's CompactionStep
  // calls, commit and OnCommitted).
  absl::StatusOr<etcdserverpb::CompactionResponse> Compact(
      const etcdserverpb::CompactionRequest& req);
  // Deletes exactly these keys (the missing ones are skipped) in ONE revision, in key
  // order: lease revoke/expiry. Detach is called for each deleted key that had a lease.
  absl::Status DeleteKeys(const std::vector<std::string>& keys, std::vector<mvccpb::Event>* events);

 private:
  mvcc::KvStore* const kv_;
  LeaseHooks* const hooks_;
};

}  // namespace etcd::server
