#include "server/kv_validation.h"

#include <gtest/gtest.h>

#include <string>

#include "common/errors.h"

namespace etcd::server {
namespace {

using errors::Err;
using etcdserverpb::RequestOp;
using etcdserverpb::TxnRequest;

RequestOp Put(const std::string& k) {
  RequestOp op;
  op.mutable_request_put()->set_key(k);
  return op;
}
RequestOp Del(const std::string& k, const std::string& end = "") {
  RequestOp op;
  op.mutable_request_delete_range()->set_key(k);
  op.mutable_request_delete_range()->set_range_end(end);
  return op;
}
RequestOp Get(const std::string& k) {
  RequestOp op;
  op.mutable_request_range()->set_key(k);
  return op;
}
RequestOp Nested(std::initializer_list<RequestOp> then_ops,
                 std::initializer_list<RequestOp> else_ops = {}) {
  RequestOp op;
  for (const auto& o : then_ops) *op.mutable_request_txn()->add_success() = o;
  for (const auto& o : else_ops) *op.mutable_request_txn()->add_failure() = o;
  return op;
}
TxnRequest Txn(std::initializer_list<RequestOp> then_ops,
               std::initializer_list<RequestOp> else_ops = {}) {
  TxnRequest t;
  for (const auto& o : then_ops) *t.add_success() = o;
  for (const auto& o : else_ops) *t.add_failure() = o;
  return t;
}

// Expectation helper: OK when `want` is nullopt.
void Expect(const absl::Status& s, std::optional<Err> want) {
  if (!want.has_value()) {
    EXPECT_TRUE(s.ok()) << s;
  } else {
    EXPECT_TRUE(errors::Is(s, *want)) << s << " want " << errors::Message(*want);
  }
}

TEST(KvValidationTest, Range) {
  etcdserverpb::RangeRequest r;
  Expect(ValidateRange(r), Err::kEmptyKey);
  r.set_key("a");
  Expect(ValidateRange(r), std::nullopt);
  r.set_sort_order(static_cast<etcdserverpb::RangeRequest::SortOrder>(7));
  Expect(ValidateRange(r), Err::kInvalidSortOption);
  r.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
  r.set_sort_target(static_cast<etcdserverpb::RangeRequest::SortTarget>(9));
  Expect(ValidateRange(r), Err::kInvalidSortOption);
}

TEST(KvValidationTest, Put) {
  etcdserverpb::PutRequest p;
  Expect(ValidatePut(p), Err::kEmptyKey);
  p.set_key("a");
  p.set_ignore_value(true);
  Expect(ValidatePut(p), std::nullopt);
  p.set_value("v");
  Expect(ValidatePut(p), Err::kValueProvided);
  p.set_ignore_value(false);
  p.set_ignore_lease(true);
  Expect(ValidatePut(p), std::nullopt);
  p.set_lease(5);
  Expect(ValidatePut(p), Err::kLeaseProvided);
}

TEST(KvValidationTest, DeleteRange) {
  etcdserverpb::DeleteRangeRequest d;
  Expect(ValidateDeleteRange(d), Err::kEmptyKey);
  d.set_key("a");
  Expect(ValidateDeleteRange(d), std::nullopt);
}

TEST(KvValidationTest, Compaction) {
  Expect(ValidateCompaction(etcdserverpb::CompactionRequest()), std::nullopt);
}

TEST(KvValidationTest, TxnTable) {
  TxnRequest compare_empty_key;
  compare_empty_key.add_compare();
  TxnRequest too_many_compares;
  for (int i = 0; i < 4; ++i) too_many_compares.add_compare()->set_key("k");
  TxnRequest empty_op = Txn({RequestOp()});
  TxnRequest empty_key_put = Txn({Put("")});

  struct Case {
    const char* name;
    TxnRequest req;
    int64_t max_ops;
    std::optional<Err> want;
  };
  const Case cases[] = {
      {"empty txn", TxnRequest(), 3, std::nullopt},
      {"at the limit", Txn({Put("a"), Put("b"), Put("c")}), 3, std::nullopt},
      {"over the limit", Txn({Put("a"), Put("b"), Put("c"), Put("d")}), 3, Err::kTooManyOps},
      {"compares count", too_many_compares, 3, Err::kTooManyOps},
      {"failure counts", Txn({}, {Get("a"), Get("b"), Get("c"), Get("d")}), 3, Err::kTooManyOps},
      {"nested uses the remaining budget", Txn({Put("a"), Put("b"), Nested({Put("c"), Put("d")})}),
       4, Err::kTooManyOps},
      {"nested within budget", Txn({Put("a"), Nested({Put("c")})}), 3, std::nullopt},
      {"compare with empty key", compare_empty_key, 3, Err::kEmptyKey},
      {"empty request op", empty_op, 3, Err::kKeyNotFound},
      {"empty key put", empty_key_put, 3, Err::kEmptyKey},
      {"same key put twice", Txn({Put("a"), Put("a")}), 8, Err::kDuplicateKey},
      {"put inside a deleted range", Txn({Del("a", "c"), Put("b")}), 8, Err::kDuplicateKey},
      {"put of a deleted key", Txn({Put("a"), Del("a")}), 8, Err::kDuplicateKey},
      {"put outside the deleted range", Txn({Del("a", "c"), Put("c")}), 8, std::nullopt},
      {"from-key delete does not conflict (etcd)", Txn({Del("a", std::string(1, '\0')), Put("b")}),
       8, std::nullopt},
      {"same key in success and failure", Txn({Put("a")}, {Put("a")}), 8, std::nullopt},
      {"overlapping deletes", Txn({Del("a", "c"), Del("b", "d")}), 8, std::nullopt},
      {"reads do not conflict", Txn({Get("a"), Put("a"), Get("a")}), 8, std::nullopt},
      {"nested put duplicates outer put", Txn({Put("a"), Nested({Put("a")})}), 8,
       Err::kDuplicateKey},
      {"nested put in outer deleted range", Txn({Del("a", "z"), Nested({Put("b")})}), 8,
       Err::kDuplicateKey},
      {"outer put in nested deleted range", Txn({Put("b"), Nested({Del("a", "z")})}), 8,
       Err::kDuplicateKey},
      {"nested then/else may put the same key", Txn({Nested({Put("a")}, {Put("a")})}), 8,
       std::nullopt},
      {"two nested txns put the same key", Txn({Nested({Put("a")}), Nested({Put("a")})}), 8,
       Err::kDuplicateKey},
      {"nested else put duplicates an earlier nested put",
       Txn({Nested({Put("a")}), Nested({}, {Put("a")})}), 8, Err::kDuplicateKey},
      {"duplicate inside a nested branch", Txn({Nested({Put("a"), Put("a")})}), 8,
       Err::kDuplicateKey},
      {"nested empty op", Txn({Nested({RequestOp()})}), 8, Err::kKeyNotFound},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    Expect(ValidateTxn(tc.req, tc.max_ops), tc.want);
  }
}

}  // namespace
}  // namespace etcd::server
