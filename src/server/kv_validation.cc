#include "server/kv_validation.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/errors.h"

namespace etcd::server {
namespace {

using errors::Err;
using etcdserverpb::RequestOp;
using google::protobuf::RepeatedPtrField;

absl::Status ValidateTxnOps(const etcdserverpb::TxnRequest& req, int64_t max_txn_ops);

absl::Status ValidateOp(const RequestOp& op, int64_t max_txn_ops) {
  switch (op.request_case()) {
    case RequestOp::kRequestRange:
      return ValidateRange(op.request_range());
    case RequestOp::kRequestPut:
      return ValidatePut(op.request_put());
    case RequestOp::kRequestDeleteRange:
      return ValidateDeleteRange(op.request_delete_range());
    case RequestOp::kRequestTxn:
      return ValidateTxnOps(op.request_txn(), max_txn_ops);
    default:
      return errors::Make(Err::kKeyNotFound);
  }
}

absl::Status ValidateTxnOps(const etcdserverpb::TxnRequest& req, int64_t max_txn_ops) {
  int64_t ops = req.compare_size();
  ops = std::max<int64_t>(ops, req.success_size());
  ops = std::max<int64_t>(ops, req.failure_size());
  if (ops > max_txn_ops) return errors::Make(Err::kTooManyOps);
  for (const auto& c : req.compare()) {
    if (c.key().empty()) return errors::Make(Err::kEmptyKey);
  }
  for (const auto& op : req.success()) RETURN_IF_ERROR(ValidateOp(op, max_txn_ops - ops));
  for (const auto& op : req.failure()) RETURN_IF_ERROR(ValidateOp(op, max_txn_ops - ops));
  return absl::OkStatus();
}

// Deleted ranges of a branch: [begin, end) by plain byte order; a single-key delete is
// the point [key, key]. (A range_end of "\0" compares as the one-byte string, so such a
// delete covers no put: etcd's interval check behaves the same.)
class DeleteSet {
 public:
  void Add(const std::string& key, const std::string& end) { ranges_.emplace_back(key, end); }
  void Merge(const DeleteSet& other) {
    ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
  }
  bool Covers(const std::string& key) const {
    for (const auto& [b, e] : ranges_) {
      if (e.empty() ? key == b : (b <= key && key < e)) return true;
    }
    return false;
  }

 private:
  std::vector<std::pair<std::string, std::string>> ranges_;
};

// Checks one branch; returns its puts and deletes (nested txns included).
absl::Status CheckBranch(const RepeatedPtrField<RequestOp>& ops, std::set<std::string>* puts,
                         DeleteSet* dels) {
  for (const RequestOp& op : ops) {
    if (op.request_case() == RequestOp::kRequestDeleteRange) {
      dels->Add(op.request_delete_range().key(), op.request_delete_range().range_end());
    }
  }
  for (const RequestOp& op : ops) {
    if (op.request_case() != RequestOp::kRequestTxn) continue;
    std::set<std::string> then_puts, else_puts;
    DeleteSet then_dels, else_dels;
    RETURN_IF_ERROR(CheckBranch(op.request_txn().success(), &then_puts, &then_dels));
    RETURN_IF_ERROR(CheckBranch(op.request_txn().failure(), &else_puts, &else_dels));
    for (const std::string& k : then_puts) {
      if (puts->count(k) > 0 || dels->Covers(k)) return errors::Make(Err::kDuplicateKey);
      puts->insert(k);
    }
    for (const std::string& k : else_puts) {
      // The same key in both branches of one nested txn is fine (only one runs).
      if (puts->count(k) > 0 && then_puts.count(k) == 0) {
        return errors::Make(Err::kDuplicateKey);
      }
      if (dels->Covers(k)) return errors::Make(Err::kDuplicateKey);
      puts->insert(k);
    }
    dels->Merge(then_dels);
    dels->Merge(else_dels);
  }
  for (const RequestOp& op : ops) {
    if (op.request_case() != RequestOp::kRequestPut) continue;
    const std::string& k = op.request_put().key();
    if (puts->count(k) > 0 || dels->Covers(k)) return errors::Make(Err::kDuplicateKey);
    puts->insert(k);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRange(const etcdserverpb::RangeRequest& req) {
  if (req.key().empty()) return errors::Make(Err::kEmptyKey);
  if (!etcdserverpb::RangeRequest_SortOrder_IsValid(req.sort_order()) ||
      !etcdserverpb::RangeRequest_SortTarget_IsValid(req.sort_target())) {
    return errors::Make(Err::kInvalidSortOption);
  }
  return absl::OkStatus();
}

absl::Status ValidatePut(const etcdserverpb::PutRequest& req) {
  if (req.key().empty()) return errors::Make(Err::kEmptyKey);
  if (req.ignore_value() && !req.value().empty()) return errors::Make(Err::kValueProvided);
  if (req.ignore_lease() && req.lease() != 0) return errors::Make(Err::kLeaseProvided);
  return absl::OkStatus();
}

absl::Status ValidateDeleteRange(const etcdserverpb::DeleteRangeRequest& req) {
  if (req.key().empty()) return errors::Make(Err::kEmptyKey);
  return absl::OkStatus();
}

absl::Status ValidateTxn(const etcdserverpb::TxnRequest& req, int64_t max_txn_ops) {
  RETURN_IF_ERROR(ValidateTxnOps(req, max_txn_ops));
  std::set<std::string> puts;
  DeleteSet dels;
  RETURN_IF_ERROR(CheckBranch(req.success(), &puts, &dels));
  puts.clear();
  dels = DeleteSet();
  return CheckBranch(req.failure(), &puts, &dels);
}

absl::Status ValidateCompaction(const etcdserverpb::CompactionRequest&) { return absl::OkStatus(); }

}  // namespace etcd::server
