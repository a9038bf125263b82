#include "server/kv_applier.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "common/errors.h"

namespace etcd::server {

LeaseHooks::~LeaseHooks() = default;

namespace {

using errors::Err;
using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::RequestOp;
using etcdserverpb::ResponseOp;
using google::protobuf::RepeatedPtrField;
using mvccpb::KeyValue;

// What request execution reads through: a write txn (applied state) or committed data
// pinned at one revision.
class Reader {
 public:
  virtual ~Reader() = default;
  virtual absl::StatusOr<mvcc::RangeResult> Range(std::string_view key, std::string_view end,
                                                  const mvcc::RangeOptions& o) const = 0;
  virtual int64_t Rev() const = 0;
};

class TxnReader final : public Reader {
 public:
  explicit TxnReader(const mvcc::KvStore::WriteTxn* txn) : txn_(txn) {}
  absl::StatusOr<mvcc::RangeResult> Range(std::string_view key, std::string_view end,
                                          const mvcc::RangeOptions& o) const override {
    return txn_->Range(key, end, o);
  }
  int64_t Rev() const override { return txn_->Rev(); }

 private:
  const mvcc::KvStore::WriteTxn* txn_;
};

class CommittedReader final : public Reader {
 public:
  explicit CommittedReader(const mvcc::KvStore* kv) : kv_(kv), rev_(kv->CommittedRev()) {}
  absl::StatusOr<mvcc::RangeResult> Range(std::string_view key, std::string_view end,
                                          const mvcc::RangeOptions& o) const override {
    mvcc::RangeOptions pinned = o;
    if (pinned.rev <= 0) pinned.rev = rev_;
    ASSIGN_OR_RETURN(mvcc::RangeResult r, kv_->Range(key, end, pinned));
    r.rev = rev_;
    return r;
  }
  int64_t Rev() const override { return rev_; }

 private:
  const mvcc::KvStore* kv_;
  const int64_t rev_;
};

// ---- Range ----

int64_t CompareBytes(const std::string& a, const std::string& b) { return a.compare(b); }

bool SortLess(RangeRequest::SortTarget target, const KeyValue& a, const KeyValue& b) {
  switch (target) {
    case RangeRequest::VERSION:
      return a.version() < b.version();
    case RangeRequest::CREATE:
      return a.create_revision() < b.create_revision();
    case RangeRequest::MOD:
      return a.mod_revision() < b.mod_revision();
    case RangeRequest::VALUE:
      return CompareBytes(a.value(), b.value()) < 0;
    case RangeRequest::KEY:
    default:
      return CompareBytes(a.key(), b.key()) < 0;
  }
}

absl::StatusOr<etcdserverpb::RangeResponse> DoRange(const Reader& reader, const RangeRequest& req) {
  const bool filtered = req.min_mod_revision() != 0 || req.max_mod_revision() != 0 ||
                        req.min_create_revision() != 0 || req.max_create_revision() != 0;
  RangeRequest::SortOrder order = req.sort_order();
  if (req.sort_target() != RangeRequest::KEY && order == RangeRequest::NONE) {
    order = RangeRequest::ASCEND;  // etcd: a non-key target sorts ascending by default
  }
  mvcc::RangeOptions o;
  o.rev = req.revision();
  o.count_only = req.count_only();
  o.keys_only = req.keys_only() && req.sort_target() != RangeRequest::VALUE;
  if (req.sort_order() == RangeRequest::NONE && !filtered && req.limit() > 0) {
    o.limit = req.limit() + 1;  // one extra to learn `more`
  }
  ASSIGN_OR_RETURN(mvcc::RangeResult rr, reader.Range(req.key(), req.range_end(), o));

  std::vector<KeyValue>& kvs = rr.kvs;
  if (filtered) {
    std::erase_if(kvs, [&req](const KeyValue& kv) {
      return (req.max_mod_revision() != 0 && kv.mod_revision() > req.max_mod_revision()) ||
             (req.min_mod_revision() != 0 && kv.mod_revision() < req.min_mod_revision()) ||
             (req.max_create_revision() != 0 && kv.create_revision() > req.max_create_revision()) ||
             (req.min_create_revision() != 0 && kv.create_revision() < req.min_create_revision());
    });
  }
  const RangeRequest::SortTarget target = req.sort_target();
  if (order == RangeRequest::ASCEND && target != RangeRequest::KEY) {
    std::stable_sort(kvs.begin(), kvs.end(), [target](const KeyValue& a, const KeyValue& b) {
      return SortLess(target, a, b);
    });
  } else if (order == RangeRequest::DESCEND) {
    std::stable_sort(kvs.begin(), kvs.end(), [target](const KeyValue& a, const KeyValue& b) {
      return SortLess(target, b, a);
    });
  }

  etcdserverpb::RangeResponse resp;
  resp.mutable_header()->set_revision(rr.rev);
  resp.set_count(rr.count);
  size_t n = kvs.size();
  if (req.limit() > 0 && n > static_cast<size_t>(req.limit())) {
    n = static_cast<size_t>(req.limit());
    resp.set_more(true);
  }
  resp.mutable_kvs()->Reserve(static_cast<int>(n));
  for (size_t i = 0; i < n; ++i) {
    KeyValue* kv = resp.add_kvs();
    *kv = std::move(kvs[i]);
    if (req.keys_only()) kv->clear_value();
  }
  return resp;
}

// ---- Compare ----

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool CompareKv(const Compare& c, const KeyValue& kv) {
  int result = 0;
  switch (c.target()) {
    case Compare::VALUE:
      result = Cmp<std::string>(kv.value(), c.value());
      break;
    case Compare::VERSION:
      result = Cmp(kv.version(), c.version());
      break;
    case Compare::CREATE:
      result = Cmp(kv.create_revision(), c.create_revision());
      break;
    case Compare::MOD:
      result = Cmp(kv.mod_revision(), c.mod_revision());
      break;
    case Compare::LEASE:
      result = Cmp(kv.lease(), c.lease());
      break;
    default:
      return false;
  }
  switch (c.result()) {
    case Compare::EQUAL:
      return result == 0;
    case Compare::NOT_EQUAL:
      return result != 0;
    case Compare::GREATER:
      return result > 0;
    case Compare::LESS:
      return result < 0;
    default:
      return false;
  }
}

bool ApplyCompare(const Reader& reader, const Compare& c) {
  absl::StatusOr<mvcc::RangeResult> rr = reader.Range(c.key(), c.range_end(), {});
  if (!rr.ok()) return false;
  if (rr->kvs.empty()) {
    if (c.target() == Compare::VALUE) return false;  // a missing key has no value
    return CompareKv(c, KeyValue());
  }
  for (const KeyValue& kv : rr->kvs) {
    if (!CompareKv(c, kv)) return false;
  }
  return true;
}

// The branch each txn (outer and nested, in execution order) takes, decided before any
// write as etcd does.
struct TxnPath {
  bool succeeded = false;
  std::vector<TxnPath> nested;  // one per RequestTxn op in the chosen branch, in order
};

TxnPath DecidePath(const Reader& reader, const etcdserverpb::TxnRequest& req) {
  TxnPath path;
  path.succeeded = true;
  for (const Compare& c : req.compare()) {
    if (!ApplyCompare(reader, c)) {
      path.succeeded = false;
      break;
    }
  }
  const auto& ops = path.succeeded ? req.success() : req.failure();
  for (const RequestOp& op : ops) {
    if (op.request_case() == RequestOp::kRequestTxn) {
      path.nested.push_back(DecidePath(reader, op.request_txn()));
    }
  }
  return path;
}

// ---- Write helpers ----

class Applier {
 public:
  Applier(mvcc::KvStore* kv, LeaseHooks* hooks, mvcc::KvStore::WriteTxn* txn)
      : kv_(kv), hooks_(hooks), txn_(txn), reader_(txn) {}

  const Reader& reader() const { return reader_; }

  bool LeaseExists(int64_t lease) const { return hooks_ != nullptr && hooks_->Exists(lease); }

  absl::StatusOr<bool> KeyExists(const std::string& key) const {
    ASSIGN_OR_RETURN(mvcc::RangeResult rr, txn_->Range(key, "", {.count_only = true}));
    return rr.count > 0;
  }

  // The checks etcd makes on the chosen path of a txn before writing anything.
  absl::Status CheckPath(const etcdserverpb::TxnRequest& req, const TxnPath& path) const {
    const auto& ops = path.succeeded ? req.success() : req.failure();
    size_t nested = 0;
    for (const RequestOp& op : ops) {
      switch (op.request_case()) {
        case RequestOp::kRequestRange: {
          const int64_t rev = op.request_range().revision();
          if (rev == 0) break;
          if (rev > txn_->Rev()) return errors::Make(Err::kFutureRev);
          if (rev < txn_->FirstRev()) return errors::Make(Err::kCompacted);
          break;
        }
        case RequestOp::kRequestPut: {
          const auto& p = op.request_put();
          if (p.ignore_value() || p.ignore_lease()) {
            ASSIGN_OR_RETURN(bool exists, KeyExists(p.key()));
            if (!exists) return errors::Make(Err::kKeyNotFound);
          }
          if (p.lease() != 0 && !LeaseExists(p.lease())) {
            return errors::Make(Err::kLeaseNotFound);
          }
          break;
        }
        case RequestOp::kRequestTxn:
          RETURN_IF_ERROR(CheckPath(op.request_txn(), path.nested[nested++]));
          break;
        default:
          break;
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<etcdserverpb::PutResponse> Put(const etcdserverpb::PutRequest& req) {
    etcdserverpb::PutResponse resp;
    std::string_view value = req.value();
    int64_t lease = req.lease();
    std::optional<KeyValue> prev;  // outlives the txn's Put: `value` may point into it
    if (req.ignore_value() || req.ignore_lease()) {
      ASSIGN_OR_RETURN(mvcc::RangeResult rr, txn_->Range(req.key(), "", {}));
      if (rr.kvs.empty()) return errors::Make(Err::kKeyNotFound);
      prev = std::move(rr.kvs.front());
      if (req.ignore_value()) value = prev->value();
      if (req.ignore_lease()) lease = prev->lease();
    }
    ASSIGN_OR_RETURN(mvcc::KvStore::PutResult put,
                     txn_->Put(req.key(), value, lease, /*want_prev_kv=*/req.prev_kv()));
    if (put.prev_lease != 0 && hooks_ != nullptr) hooks_->Detach(put.prev_lease, req.key());
    if (lease != 0 && hooks_ != nullptr) hooks_->Attach(lease, req.key());
    if (put.prev_kv.has_value()) *resp.mutable_prev_kv() = std::move(*put.prev_kv);
    resp.mutable_header()->set_revision(txn_->Rev());
    return resp;
  }

  absl::StatusOr<etcdserverpb::DeleteRangeResponse> DeleteRange(
      const etcdserverpb::DeleteRangeRequest& req) {
    etcdserverpb::DeleteRangeResponse resp;
    ASSIGN_OR_RETURN(std::vector<KeyValue> deleted, txn_->DeleteRange(req.key(), req.range_end()));
    resp.set_deleted(static_cast<int64_t>(deleted.size()));
    for (KeyValue& kv : deleted) {
      if (kv.lease() != 0 && hooks_ != nullptr) hooks_->Detach(kv.lease(), kv.key());
      if (req.prev_kv()) *resp.add_prev_kvs() = std::move(kv);
    }
    resp.mutable_header()->set_revision(txn_->Rev());
    return resp;
  }

  // Executes the chosen branch into `resp` (whose header the caller sets).
  absl::Status Execute(const etcdserverpb::TxnRequest& req, const TxnPath& path,
                       etcdserverpb::TxnResponse* resp) {
    resp->set_succeeded(path.succeeded);
    const auto& ops = path.succeeded ? req.success() : req.failure();
    size_t nested = 0;
    for (const RequestOp& op : ops) {
      ResponseOp* out = resp->add_responses();
      switch (op.request_case()) {
        case RequestOp::kRequestRange: {
          ASSIGN_OR_RETURN(*out->mutable_response_range(), DoRange(reader_, op.request_range()));
          break;
        }
        case RequestOp::kRequestPut: {
          ASSIGN_OR_RETURN(*out->mutable_response_put(), Put(op.request_put()));
          break;
        }
        case RequestOp::kRequestDeleteRange: {
          ASSIGN_OR_RETURN(*out->mutable_response_delete_range(),
                           DeleteRange(op.request_delete_range()));
          break;
        }
        case RequestOp::kRequestTxn: {
          etcdserverpb::TxnResponse* inner = out->mutable_response_txn();
          inner->mutable_header();  // present but empty, as etcd sends it
          RETURN_IF_ERROR(Execute(op.request_txn(), path.nested[nested++], inner));
          break;
        }
        default:
          break;
      }
    }
    return absl::OkStatus();
  }

 private:
  mvcc::KvStore* kv_;
  LeaseHooks* hooks_;
  mvcc::KvStore::WriteTxn* txn_;
  TxnReader reader_;
};

void AppendEvents(std::vector<mvccpb::Event>&& from, std::vector<mvccpb::Event>* to) {
  if (to == nullptr) return;
  if (to->empty()) {
    *to = std::move(from);
    return;
  }
  for (auto& e : from) to->push_back(std::move(e));
}

bool OpsReadOnly(const RepeatedPtrField<RequestOp>& ops) {
  for (const RequestOp& op : ops) {
    switch (op.request_case()) {
      case RequestOp::kRequestPut:
      case RequestOp::kRequestDeleteRange:
        return false;
      case RequestOp::kRequestTxn:
        if (!KvApplier::IsReadOnly(op.request_txn())) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

absl::Status ExecuteReadOnly(const Reader& reader, const etcdserverpb::TxnRequest& req,
                             const TxnPath& path, etcdserverpb::TxnResponse* resp) {
  resp->set_succeeded(path.succeeded);
  const auto& ops = path.succeeded ? req.success() : req.failure();
  size_t nested = 0;
  for (const RequestOp& op : ops) {
    ResponseOp* out = resp->add_responses();
    if (op.request_case() == RequestOp::kRequestRange) {
      ASSIGN_OR_RETURN(*out->mutable_response_range(), DoRange(reader, op.request_range()));
    } else if (op.request_case() == RequestOp::kRequestTxn) {
      etcdserverpb::TxnResponse* inner = out->mutable_response_txn();
      inner->mutable_header();  // present but empty, as etcd sends it
      RETURN_IF_ERROR(ExecuteReadOnly(reader, op.request_txn(), path.nested[nested++], inner));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckReadOnlyRanges(const Reader& reader, const mvcc::KvStore& kv,
                                 const etcdserverpb::TxnRequest& req, const TxnPath& path) {
  const auto& ops = path.succeeded ? req.success() : req.failure();
  size_t nested = 0;
  for (const RequestOp& op : ops) {
    if (op.request_case() == RequestOp::kRequestRange) {
      const int64_t rev = op.request_range().revision();
      if (rev == 0) continue;
      if (rev > reader.Rev()) return errors::Make(Err::kFutureRev);
      if (rev < kv.FirstRev()) return errors::Make(Err::kCompacted);
    } else if (op.request_case() == RequestOp::kRequestTxn) {
      RETURN_IF_ERROR(CheckReadOnlyRanges(reader, kv, op.request_txn(), path.nested[nested++]));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<etcdserverpb::RangeResponse> KvApplier::Range(
    const etcdserverpb::RangeRequest& req) const {
  return DoRange(CommittedReader(kv_), req);
}

bool KvApplier::IsReadOnly(const etcdserverpb::TxnRequest& req) {
  return OpsReadOnly(req.success()) && OpsReadOnly(req.failure());
}

absl::StatusOr<etcdserverpb::TxnResponse> KvApplier::ReadOnlyTxn(
    const etcdserverpb::TxnRequest& req) const {
  CommittedReader reader(kv_);
  TxnPath path = DecidePath(reader, req);
  RETURN_IF_ERROR(CheckReadOnlyRanges(reader, *kv_, req, path));
  etcdserverpb::TxnResponse resp;
  RETURN_IF_ERROR(ExecuteReadOnly(reader, req, path, &resp));
  resp.mutable_header()->set_revision(reader.Rev());
  return resp;
}

absl::StatusOr<etcdserverpb::PutResponse> KvApplier::Put(const etcdserverpb::PutRequest& req,
                                                         std::vector<mvccpb::Event>* events) {
  if (req.lease() != 0 && (hooks_ == nullptr || !hooks_->Exists(req.lease()))) {
    return errors::Make(Err::kLeaseNotFound);
  }
  auto txn = kv_->Write();
  Applier a(kv_, hooks_, txn.get());
  absl::StatusOr<etcdserverpb::PutResponse> resp = a.Put(req);
  AppendEvents(txn->End(), events);
  if (resp.ok()) resp->mutable_header()->set_revision(kv_->Rev());
  return resp;
}

absl::StatusOr<etcdserverpb::DeleteRangeResponse> KvApplier::DeleteRange(
    const etcdserverpb::DeleteRangeRequest& req, std::vector<mvccpb::Event>* events) {
  auto txn = kv_->Write();
  Applier a(kv_, hooks_, txn.get());
  absl::StatusOr<etcdserverpb::DeleteRangeResponse> resp = a.DeleteRange(req);
  AppendEvents(txn->End(), events);
  if (resp.ok()) resp->mutable_header()->set_revision(kv_->Rev());
  return resp;
}

absl::StatusOr<etcdserverpb::TxnResponse> KvApplier::Txn(const etcdserverpb::TxnRequest& req,
                                                         std::vector<mvccpb::Event>* events) {
  auto txn = kv_->Write();
  Applier a(kv_, hooks_, txn.get());
  const TxnPath path = DecidePath(a.reader(), req);
  absl::Status checked = a.CheckPath(req, path);
  if (!checked.ok()) {
    txn->End();  // nothing written
    return checked;
  }
  etcdserverpb::TxnResponse resp;
  absl::Status done = a.Execute(req, path, &resp);
  AppendEvents(txn->End(), events);
  RETURN_IF_ERROR(done);
  resp.mutable_header()->set_revision(kv_->Rev());
  return resp;
}

absl::StatusOr<etcdserverpb::CompactionResponse> KvApplier::Compact(
    const etcdserverpb::CompactionRequest& req) {
  RETURN_IF_ERROR(kv_->Compact(req.revision()));
  etcdserverpb::CompactionResponse resp;
  resp.mutable_header()->set_revision(kv_->Rev());
  return resp;
}

absl::Status KvApplier::DeleteKeys(const std::vector<std::string>& keys,
                                   std::vector<mvccpb::Event>* events) {
  // Sorted and deduplicated: every member must write the same sub revisions whatever
  // order its lessor holds the keys in (HashKV compares them).
  std::vector<std::string_view> sorted(keys.begin(), keys.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  auto txn = kv_->Write();
  absl::Status status;
  for (std::string_view key : sorted) {
    absl::StatusOr<std::vector<KeyValue>> deleted = txn->DeleteRange(key, "");
    if (!deleted.ok()) {
      status = deleted.status();
      break;
    }
    for (const KeyValue& kv : *deleted) {
      if (kv.lease() != 0 && hooks_ != nullptr) hooks_->Detach(kv.lease(), kv.key());
    }
  }
  AppendEvents(txn->End(), events);
  return status;
}

}  // namespace etcd::server
