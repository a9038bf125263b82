// KvApplier against etcd 3.4's observable semantics (reference/api.md §1-§2, and the
// oracle runs noted in docs/design/mvcc.md). One test per rule.
#include "server/kv_applier.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/errors.h"
#include "leveldb/helpers/memenv.h"

namespace etcd::server {
namespace {

using errors::Err;
using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;

class FakeLeases : public LeaseHooks {
 public:
  bool Exists(int64_t lease) const override { return leases.count(lease) > 0; }
  void Attach(int64_t lease, std::string_view key) override {
    attached[lease].insert(std::string(key));
  }
  void Detach(int64_t lease, std::string_view key) override {
    attached[lease].erase(std::string(key));
  }
  std::set<int64_t> leases;
  std::map<int64_t, std::set<std::string>> attached;
};

std::string Z() { return std::string(1, '\0'); }

class KvApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    auto b = storage::Backend::Open(env_.get(), "/db");
    ASSERT_TRUE(b.ok());
    backend_ = std::move(*b);
    auto s = mvcc::KvStore::Open(backend_.get());
    ASSERT_TRUE(s.ok());
    kv_ = std::move(*s);
    applier_ = std::make_unique<KvApplier>(kv_.get(), &leases_);
  }
  void Commit() {
    ASSERT_TRUE(backend_->Commit(++index_, 1).ok());
    kv_->OnCommitted(kv_->Rev());
    while (kv_->HasCompactionWork()) {
      ASSERT_TRUE(kv_->CompactionStep().ok());
      ASSERT_TRUE(backend_->Commit(++index_, 1).ok());
      kv_->OnCommitted(kv_->Rev());
    }
  }
  int64_t Rev() const { return kv_->Rev(); }

  absl::StatusOr<etcdserverpb::PutResponse> PutReq(const etcdserverpb::PutRequest& req) {
    events_.clear();
    auto r = applier_->Put(req, &events_);
    Commit();
    return r;
  }
  etcdserverpb::PutResponse Put(const std::string& k, const std::string& v, int64_t lease = 0) {
    etcdserverpb::PutRequest req;
    req.set_key(k);
    req.set_value(v);
    req.set_lease(lease);
    auto r = PutReq(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : etcdserverpb::PutResponse();
  }
  absl::StatusOr<etcdserverpb::DeleteRangeResponse> Delete(const std::string& k,
                                                           const std::string& end = "",
                                                           bool prev_kv = false) {
    etcdserverpb::DeleteRangeRequest req;
    req.set_key(k);
    req.set_range_end(end);
    req.set_prev_kv(prev_kv);
    events_.clear();
    auto r = applier_->DeleteRange(req, &events_);
    Commit();
    return r;
  }
  absl::StatusOr<etcdserverpb::RangeResponse> Get(RangeRequest req) { return applier_->Range(req); }
  etcdserverpb::RangeResponse GetOk(const RangeRequest& req) {
    auto r = Get(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : etcdserverpb::RangeResponse();
  }
  static RangeRequest R(const std::string& k, const std::string& end = "") {
    RangeRequest req;
    req.set_key(k);
    req.set_range_end(end);
    return req;
  }
  static std::vector<std::string> Keys(const etcdserverpb::RangeResponse& r) {
    std::vector<std::string> out;
    for (const auto& kv : r.kvs()) out.push_back(kv.key());
    return out;
  }
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& req) {
    events_.clear();
    auto r = applier_->Txn(req, &events_);
    Commit();
    return r;
  }

  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<storage::Backend> backend_;
  std::unique_ptr<mvcc::KvStore> kv_;
  FakeLeases leases_;
  std::unique_ptr<KvApplier> applier_;
  std::vector<mvccpb::Event> events_;
  uint64_t index_ = 0;
};

// Builders for txn requests.
Compare Cmp(const std::string& key, Compare::CompareTarget target, Compare::CompareResult result,
            int64_t n, const std::string& value = "", const std::string& range_end = "") {
  Compare c;
  c.set_key(key);
  c.set_target(target);
  c.set_result(result);
  c.set_range_end(range_end);
  switch (target) {
    case Compare::VERSION:
      c.set_version(n);
      break;
    case Compare::CREATE:
      c.set_create_revision(n);
      break;
    case Compare::MOD:
      c.set_mod_revision(n);
      break;
    case Compare::LEASE:
      c.set_lease(n);
      break;
    case Compare::VALUE:
      c.set_value(value);
      break;
    default:
      break;
  }
  return c;
}
etcdserverpb::RequestOp OpPut(const std::string& k, const std::string& v) {
  etcdserverpb::RequestOp op;
  op.mutable_request_put()->set_key(k);
  op.mutable_request_put()->set_value(v);
  return op;
}
etcdserverpb::RequestOp OpGet(const std::string& k, int64_t rev = 0) {
  etcdserverpb::RequestOp op;
  op.mutable_request_range()->set_key(k);
  op.mutable_request_range()->set_revision(rev);
  return op;
}
etcdserverpb::RequestOp OpDel(const std::string& k, const std::string& end = "") {
  etcdserverpb::RequestOp op;
  op.mutable_request_delete_range()->set_key(k);
  op.mutable_request_delete_range()->set_range_end(end);
  return op;
}

// ---------------------------------------------------------------- §2 revisions

TEST_F(KvApplierTest, FreshStoreIsAtRevisionOne) {
  auto r = GetOk(R("a"));
  EXPECT_EQ(r.header().revision(), 1);
  EXPECT_EQ(r.kvs_size(), 0);
  EXPECT_EQ(r.count(), 0);
}

TEST_F(KvApplierTest, EachPutIncrementsRevisionByOne) {
  EXPECT_EQ(Put("a", "1").header().revision(), 2);
  EXPECT_EQ(Put("b", "1").header().revision(), 3);
  EXPECT_EQ(Put("a", "2").header().revision(), 4);
}

TEST_F(KvApplierTest, PerKeyFields) {
  Put("a", "1");     // 2
  Put("a", "2", 0);  // 3
  auto r = GetOk(R("a"));
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).create_revision(), 2);
  EXPECT_EQ(r.kvs(0).mod_revision(), 3);
  EXPECT_EQ(r.kvs(0).version(), 2);
  EXPECT_EQ(r.kvs(0).lease(), 0);
  ASSERT_TRUE(Delete("a").ok());  // 4: version resets
  Put("a", "3");                  // 5
  r = GetOk(R("a"));
  EXPECT_EQ(r.kvs(0).create_revision(), 5);
  EXPECT_EQ(r.kvs(0).version(), 1);
}

// ---------------------------------------------------------------- §2 Range

TEST_F(KvApplierTest, RangeEndForms) {
  for (const char* k : {"a", "a/1", "a/2", "b", "c"}) Put(k, "v");
  EXPECT_EQ(Keys(GetOk(R("a"))), (std::vector<std::string>{"a"}));                  // single
  EXPECT_EQ(Keys(GetOk(R("a/", "a0"))), (std::vector<std::string>{"a/1", "a/2"}));  // prefix
  EXPECT_EQ(Keys(GetOk(R("b", Z()))), (std::vector<std::string>{"b", "c"}));        // from key
  EXPECT_EQ(GetOk(R(Z(), Z())).count(), 5);                                         // all
}

TEST_F(KvApplierTest, LimitGivesMoreAndTotalCount) {
  Put("k1", "v");
  Put("k2", "v");
  RangeRequest req = R("k", "l");
  req.set_limit(1);
  auto r = GetOk(req);
  EXPECT_EQ(Keys(r), (std::vector<std::string>{"k1"}));
  EXPECT_TRUE(r.more());
  EXPECT_EQ(r.count(), 2);
  req.set_limit(2);
  r = GetOk(req);
  EXPECT_FALSE(r.more());
  EXPECT_EQ(r.kvs_size(), 2);
}

TEST_F(KvApplierTest, CountOnlyAndKeysOnly) {
  Put("k1", "v1");
  Put("k2", "v2");
  RangeRequest req = R("k", "l");
  req.set_count_only(true);
  auto r = GetOk(req);
  EXPECT_EQ(r.kvs_size(), 0);
  EXPECT_EQ(r.count(), 2);
  req = R("k", "l");
  req.set_keys_only(true);
  r = GetOk(req);
  ASSERT_EQ(r.kvs_size(), 2);
  EXPECT_EQ(r.kvs(0).value(), "");
  EXPECT_EQ(r.kvs(0).version(), 1);
}

TEST_F(KvApplierTest, HistoricalReadHeaderIsCurrentRevision) {
  Put("a", "1");  // 2
  Put("b", "2");  // 3
  Put("a", "3");  // 4
  RangeRequest req = R("a");
  req.set_revision(2);
  auto r = GetOk(req);
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).value(), "1");
  EXPECT_EQ(r.header().revision(), 4);
}

TEST_F(KvApplierTest, NonPositiveRevisionMeansLatest) {
  Put("a", "1");
  Put("a", "2");
  for (int64_t rev : {0, -1, -3}) {
    RangeRequest req = R("a");
    req.set_revision(rev);
    EXPECT_EQ(GetOk(req).kvs(0).value(), "2") << rev;
  }
}

TEST_F(KvApplierTest, RevisionOneAfterWritesIsEmpty) {
  Put("a", "1");
  RangeRequest req = R("a");
  req.set_revision(1);
  auto r = GetOk(req);
  EXPECT_EQ(r.kvs_size(), 0);
  EXPECT_EQ(r.count(), 0);
}

TEST_F(KvApplierTest, FutureAndCompactedRevisions) {
  for (int i = 0; i < 5; ++i) Put("a", std::to_string(i));  // revs 2..6
  RangeRequest req = R("a");
  req.set_revision(7);
  EXPECT_TRUE(errors::Is(Get(req).status(), Err::kFutureRev));
  etcdserverpb::CompactionRequest c;
  c.set_revision(4);
  ASSERT_TRUE(applier_->Compact(c).ok());
  Commit();
  req.set_revision(3);
  EXPECT_TRUE(errors::Is(Get(req).status(), Err::kCompacted));
  req.set_revision(4);  // exactly the compact revision works
  auto r = GetOk(req);
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).value(), "2");
}

TEST_F(KvApplierTest, SortTargetWithoutOrderSortsAscending) {
  Put("s/a", "3");
  Put("s/b", "1");
  Put("s/c", "2");
  Put("s/b", "9");
  Put("s/d", "0");
  RangeRequest req = R("s/", "s0");
  req.set_sort_target(RangeRequest::VALUE);
  EXPECT_EQ(Keys(GetOk(req)), (std::vector<std::string>{"s/d", "s/c", "s/a", "s/b"}));
  req.set_sort_target(RangeRequest::VERSION);  // ties keep key order
  EXPECT_EQ(Keys(GetOk(req)), (std::vector<std::string>{"s/a", "s/c", "s/d", "s/b"}));
}

TEST_F(KvApplierTest, SortDescend) {
  Put("s/a", "3");  // 2
  Put("s/b", "1");  // 3
  Put("s/c", "2");  // 4
  Put("s/b", "9");  // 5
  Put("s/d", "0");  // 6
  RangeRequest req = R("s/", "s0");
  req.set_sort_order(RangeRequest::DESCEND);
  EXPECT_EQ(Keys(GetOk(req)), (std::vector<std::string>{"s/d", "s/c", "s/b", "s/a"}));
  req.set_sort_target(RangeRequest::MOD);
  EXPECT_EQ(Keys(GetOk(req)), (std::vector<std::string>{"s/d", "s/b", "s/c", "s/a"}));
  req.set_sort_target(RangeRequest::CREATE);
  EXPECT_EQ(Keys(GetOk(req)), (std::vector<std::string>{"s/d", "s/c", "s/b", "s/a"}));
  // keys_only still sorts by the values.
  req.set_sort_target(RangeRequest::VALUE);
  req.set_keys_only(true);
  auto r = GetOk(req);
  EXPECT_EQ(Keys(r), (std::vector<std::string>{"s/b", "s/a", "s/c", "s/d"}));
  EXPECT_EQ(r.kvs(0).value(), "");
}

TEST_F(KvApplierTest, SortWithLimitTruncatesAfterSorting) {
  Put("a", "2");
  Put("b", "1");
  Put("c", "3");
  RangeRequest req = R("a", "z");
  req.set_sort_order(RangeRequest::DESCEND);
  req.set_sort_target(RangeRequest::VALUE);
  req.set_limit(2);
  auto r = GetOk(req);
  EXPECT_EQ(Keys(r), (std::vector<std::string>{"c", "a"}));
  EXPECT_TRUE(r.more());
  EXPECT_EQ(r.count(), 3);
}

TEST_F(KvApplierTest, RevisionFiltersApplyAfterCountBeforeLimit) {
  Put("s/a", "v");  // 2
  Put("s/b", "v");  // 3
  Put("s/c", "v");  // 4
  Put("s/b", "w");  // 5
  Put("s/d", "v");  // 6
  RangeRequest req = R("s/", "s0");
  req.set_min_mod_revision(4);
  auto r = GetOk(req);
  EXPECT_EQ(Keys(r), (std::vector<std::string>{"s/b", "s/c", "s/d"}));
  EXPECT_EQ(r.count(), 4);  // count is before the filter
  EXPECT_FALSE(r.more());
  req.set_limit(1);
  r = GetOk(req);
  EXPECT_EQ(Keys(r), (std::vector<std::string>{"s/b"}));
  EXPECT_TRUE(r.more());
  req = R("s/", "s0");
  req.set_max_mod_revision(4);
  EXPECT_EQ(Keys(GetOk(req)), (std::vector<std::string>{"s/a", "s/c"}));
  req = R("s/", "s0");
  req.set_min_create_revision(3);
  req.set_max_create_revision(4);
  EXPECT_EQ(Keys(GetOk(req)), (std::vector<std::string>{"s/b", "s/c"}));
  req = R("s/", "s0");
  req.set_count_only(true);
  req.set_min_mod_revision(6);
  r = GetOk(req);
  EXPECT_EQ(r.count(), 4);
  EXPECT_EQ(r.kvs_size(), 0);
}

// ---------------------------------------------------------------- §2 Put

TEST_F(KvApplierTest, PutPrevKv) {
  etcdserverpb::PutRequest req;
  req.set_key("a");
  req.set_value("1");
  req.set_prev_kv(true);
  auto r = PutReq(req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_prev_kv());  // new key: nothing
  req.set_value("2");
  r = PutReq(req);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_prev_kv());
  EXPECT_EQ(r->prev_kv().value(), "1");
  EXPECT_EQ(r->prev_kv().mod_revision(), 2);
  EXPECT_EQ(r->header().revision(), 3);
}

TEST_F(KvApplierTest, PutPrevKvWithIgnoreValueAndAfterDelete) {
  leases_.leases = {7};
  Put("a", "orig", 7);  // 2
  etcdserverpb::PutRequest req;
  req.set_key("a");
  req.set_ignore_value(true);
  req.set_ignore_lease(true);
  req.set_prev_kv(true);
  auto r = PutReq(req);  // 3
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_prev_kv());
  EXPECT_EQ(r->prev_kv().value(), "orig");
  EXPECT_EQ(r->prev_kv().lease(), 7);
  EXPECT_EQ(r->prev_kv().mod_revision(), 2);
  auto g = GetOk(R("a"));
  EXPECT_EQ(g.kvs(0).value(), "orig");
  EXPECT_EQ(g.kvs(0).lease(), 7);
  EXPECT_EQ(g.kvs(0).version(), 2);
  EXPECT_EQ(leases_.attached[7], (std::set<std::string>{"a"}));
  ASSERT_TRUE(Delete("a", "").ok());  // 4: detaches
  EXPECT_TRUE(leases_.attached[7].empty());
  req = {};
  req.set_key("a");
  req.set_value("again");
  req.set_prev_kv(true);
  r = PutReq(req);  // 5: a new generation, nothing before it
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_prev_kv());
  EXPECT_TRUE(leases_.attached[7].empty());
}

TEST_F(KvApplierTest, PutIgnoreValueAndIgnoreLease) {
  leases_.leases = {7};
  Put("a", "orig", 7);
  etcdserverpb::PutRequest req;
  req.set_key("a");
  req.set_ignore_value(true);
  req.set_lease(0);
  ASSERT_TRUE(PutReq(req).ok());
  auto r = GetOk(R("a"));
  EXPECT_EQ(r.kvs(0).value(), "orig");
  EXPECT_EQ(r.kvs(0).lease(), 0);  // lease not ignored: detached
  EXPECT_TRUE(leases_.attached[7].empty());
  Put("a", "orig", 7);
  req = {};
  req.set_key("a");
  req.set_value("new");
  req.set_ignore_lease(true);
  ASSERT_TRUE(PutReq(req).ok());
  r = GetOk(R("a"));
  EXPECT_EQ(r.kvs(0).value(), "new");
  EXPECT_EQ(r.kvs(0).lease(), 7);
  EXPECT_EQ(leases_.attached[7], (std::set<std::string>{"a"}));
}

TEST_F(KvApplierTest, PutIgnoreOnMissingKeyIsKeyNotFound) {
  const int64_t before = Rev();
  etcdserverpb::PutRequest req;
  req.set_key("missing");
  req.set_ignore_value(true);
  EXPECT_TRUE(errors::Is(PutReq(req).status(), Err::kKeyNotFound));
  req.set_ignore_value(false);
  req.set_ignore_lease(true);
  EXPECT_TRUE(errors::Is(PutReq(req).status(), Err::kKeyNotFound));
  EXPECT_EQ(Rev(), before);
}

TEST_F(KvApplierTest, PutUnknownLeaseIsLeaseNotFoundBeforeKeyNotFound) {
  etcdserverpb::PutRequest req;
  req.set_key("missing");
  req.set_lease(12345);
  EXPECT_TRUE(errors::Is(PutReq(req).status(), Err::kLeaseNotFound));
  req.set_ignore_value(true);
  EXPECT_TRUE(errors::Is(PutReq(req).status(), Err::kLeaseNotFound));
  EXPECT_EQ(Rev(), 1);
}

TEST_F(KvApplierTest, PutAttachesAndMovesLeases) {
  leases_.leases = {1, 2};
  Put("a", "v", 1);
  EXPECT_EQ(leases_.attached[1], (std::set<std::string>{"a"}));
  Put("a", "v", 2);
  EXPECT_TRUE(leases_.attached[1].empty());
  EXPECT_EQ(leases_.attached[2], (std::set<std::string>{"a"}));
  Put("a", "v", 0);
  EXPECT_TRUE(leases_.attached[2].empty());
}

TEST_F(KvApplierTest, PutEvents) {
  Put("a", "1");
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].type(), mvccpb::Event::PUT);
  EXPECT_EQ(events_[0].kv().version(), 1);
  EXPECT_EQ(events_[0].kv().create_revision(), events_[0].kv().mod_revision());
  Put("a", "2");
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].prev_kv().value(), "1");
}

// ---------------------------------------------------------------- §2 DeleteRange

TEST_F(KvApplierTest, DeleteRangeCountsAndPrevKvs) {
  Put("a", "1");
  Put("b", "2");
  Put("c", "3");
  auto r = Delete("a", "c", /*prev_kv=*/true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deleted(), 2);
  ASSERT_EQ(r->prev_kvs_size(), 2);
  EXPECT_EQ(r->prev_kvs(1).value(), "2");
  EXPECT_EQ(r->header().revision(), 5);  // one revision for both
  ASSERT_EQ(events_.size(), 2u);
  for (const auto& e : events_) {
    EXPECT_EQ(e.type(), mvccpb::Event::DELETE);
    EXPECT_EQ(e.kv().mod_revision(), 5);
    EXPECT_EQ(e.kv().value(), "");
    EXPECT_EQ(e.kv().version(), 0);
  }
  r = Delete("c");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->prev_kvs_size(), 0);  // not requested
}

TEST_F(KvApplierTest, DeleteMatchingNothingLeavesRevision) {
  Put("a", "1");
  auto r = Delete("zzz");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deleted(), 0);
  EXPECT_EQ(r->header().revision(), 2);
  EXPECT_EQ(Rev(), 2);
  EXPECT_TRUE(events_.empty());
}

TEST_F(KvApplierTest, DeleteDetachesLeases) {
  leases_.leases = {1};
  Put("a", "v", 1);
  Put("b", "v", 1);
  ASSERT_TRUE(Delete("a").ok());
  EXPECT_EQ(leases_.attached[1], (std::set<std::string>{"b"}));
}

TEST_F(KvApplierTest, DeleteKeysIsOneRevision) {
  leases_.leases = {1};
  Put("a", "v", 1);
  Put("b", "v", 1);
  events_.clear();
  ASSERT_TRUE(applier_->DeleteKeys({"b", "missing", "a", "b"}, &events_).ok());
  Commit();
  EXPECT_EQ(Rev(), 4);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].kv().key(), "a");  // key order, whatever the caller's order
  EXPECT_EQ(events_[1].kv().key(), "b");
  EXPECT_EQ(events_[0].kv().mod_revision(), 4);
  EXPECT_EQ(events_[1].kv().mod_revision(), 4);
  EXPECT_TRUE(leases_.attached[1].empty());
  events_.clear();
  ASSERT_TRUE(applier_->DeleteKeys({"missing"}, &events_).ok());
  EXPECT_EQ(Rev(), 4);
}

// ---------------------------------------------------------------- §2 Txn

TEST_F(KvApplierTest, TxnCompareTargetsAndResults) {
  leases_.leases = {9};
  Put("k", "m", 9);  // rev 2, version 1
  Put("k", "m", 9);  // rev 3, version 2
  struct Case {
    Compare c;
    bool want;
  };
  const Case cases[] = {
      {Cmp("k", Compare::VERSION, Compare::EQUAL, 2), true},
      {Cmp("k", Compare::VERSION, Compare::GREATER, 1), true},
      {Cmp("k", Compare::VERSION, Compare::LESS, 2), false},
      {Cmp("k", Compare::VERSION, Compare::NOT_EQUAL, 2), false},
      {Cmp("k", Compare::CREATE, Compare::EQUAL, 2), true},
      {Cmp("k", Compare::CREATE, Compare::LESS, 3), true},
      {Cmp("k", Compare::MOD, Compare::EQUAL, 3), true},
      {Cmp("k", Compare::MOD, Compare::GREATER, 3), false},
      {Cmp("k", Compare::VALUE, Compare::EQUAL, 0, "m"), true},
      {Cmp("k", Compare::VALUE, Compare::GREATER, 0, "a"), true},
      {Cmp("k", Compare::VALUE, Compare::LESS, 0, "a"), false},
      {Cmp("k", Compare::VALUE, Compare::NOT_EQUAL, 0, "x"), true},
      {Cmp("k", Compare::LEASE, Compare::EQUAL, 9), true},
      {Cmp("k", Compare::LEASE, Compare::NOT_EQUAL, 9), false},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.c.ShortDebugString());
    etcdserverpb::TxnRequest req;
    *req.add_compare() = tc.c;
    auto r = Txn(req);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->succeeded(), tc.want);
    EXPECT_EQ(r->header().revision(), 3);
  }
}

TEST_F(KvApplierTest, TxnMissingKeyCompares) {
  struct Case {
    Compare c;
    bool want;
  };
  const Case cases[] = {
      {Cmp("nokey", Compare::CREATE, Compare::EQUAL, 0), true},  // create if absent
      {Cmp("nokey", Compare::VERSION, Compare::EQUAL, 0), true},
      {Cmp("nokey", Compare::MOD, Compare::EQUAL, 0), true},
      {Cmp("nokey", Compare::LEASE, Compare::EQUAL, 0), true},
      {Cmp("nokey", Compare::VALUE, Compare::EQUAL, 0, ""), false},
      {Cmp("nokey", Compare::VALUE, Compare::NOT_EQUAL, 0, "x"), false},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.c.ShortDebugString());
    etcdserverpb::TxnRequest req;
    *req.add_compare() = tc.c;
    auto r = Txn(req);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->succeeded(), tc.want);
  }
}

TEST_F(KvApplierTest, TxnRangeCompareNeedsEveryKey) {
  Put("s/a", "v");
  Put("s/b", "v");
  Put("s/b", "v");
  struct Case {
    Compare c;
    bool want;
  };
  const Case cases[] = {
      {Cmp("s/", Compare::VERSION, Compare::GREATER, 0, "", "s0"), true},
      {Cmp("s/", Compare::VERSION, Compare::EQUAL, 1, "", "s0"), false},
      {Cmp("s/", Compare::VALUE, Compare::EQUAL, 0, "v", "s0"), true},
      // An empty range compares like a missing key.
      {Cmp("q/", Compare::VERSION, Compare::EQUAL, 0, "", "q0"), true},
      {Cmp("q/", Compare::VALUE, Compare::EQUAL, 0, "", "q0"), false},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.c.ShortDebugString());
    etcdserverpb::TxnRequest req;
    *req.add_compare() = tc.c;
    auto r = Txn(req);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->succeeded(), tc.want);
  }
}

TEST_F(KvApplierTest, TxnWritesShareOneRevisionAndInnerHeaders) {
  Put("a", "3");  // rev 2
  etcdserverpb::TxnRequest req;
  *req.add_success() = OpGet("a");
  *req.add_success() = OpPut("t1", "x");
  *req.add_success() = OpGet("a");
  *req.add_success() = OpDel("nothing");
  etcdserverpb::RequestOp nested;
  *nested.mutable_request_txn()->add_success() = OpPut("t2", "y");
  *req.add_success() = nested;
  auto r = Txn(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(r->header().revision(), 3);
  ASSERT_EQ(r->responses_size(), 5);
  EXPECT_EQ(r->responses(0).response_range().header().revision(), 2);
  EXPECT_EQ(r->responses(1).response_put().header().revision(), 3);
  EXPECT_EQ(r->responses(2).response_range().header().revision(), 3);
  EXPECT_EQ(r->responses(3).response_delete_range().header().revision(), 3);
  const auto& inner = r->responses(4).response_txn();
  EXPECT_TRUE(inner.has_header());
  EXPECT_EQ(inner.header().revision(), 0);
  EXPECT_TRUE(inner.succeeded());
  EXPECT_EQ(inner.responses(0).response_put().header().revision(), 3);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].kv().mod_revision(), 3);
  EXPECT_EQ(events_[1].kv().mod_revision(), 3);
  EXPECT_EQ(Rev(), 3);
}

TEST_F(KvApplierTest, TxnReadOnlyAndFailedCompareLeaveRevision) {
  Put("a", "1");
  etcdserverpb::TxnRequest req;
  *req.add_compare() = Cmp("a", Compare::VALUE, Compare::EQUAL, 0, "nope");
  *req.add_success() = OpPut("a", "2");
  *req.add_failure() = OpGet("a");
  auto r = Txn(req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->succeeded());
  EXPECT_EQ(r->header().revision(), 2);
  EXPECT_EQ(r->responses(0).response_range().kvs(0).value(), "1");
  EXPECT_EQ(Rev(), 2);
  req.clear_failure();
  r = Txn(req);  // failed compare, empty failure branch
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->responses_size(), 0);
  EXPECT_EQ(Rev(), 2);
}

TEST_F(KvApplierTest, TxnSeesItsOwnWrites) {
  etcdserverpb::TxnRequest req;
  *req.add_success() = OpPut("a", "1");
  *req.add_success() = OpGet("a");
  *req.add_success() = OpDel("a");
  *req.add_success() = OpGet("a");
  auto r = Txn(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->responses(1).response_range().kvs(0).value(), "1");
  EXPECT_EQ(r->responses(2).response_delete_range().deleted(), 1);
  EXPECT_EQ(r->responses(3).response_range().kvs_size(), 0);
  EXPECT_EQ(Rev(), 2);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[1].type(), mvccpb::Event::DELETE);
}

TEST_F(KvApplierTest, NestedComparesAreEvaluatedBeforeOuterWrites) {
  // The outer put of "a" must not influence the nested compare on "a" (etcd decides the
  // whole path first).
  etcdserverpb::TxnRequest req;
  *req.add_success() = OpPut("a", "1");
  etcdserverpb::RequestOp nested;
  *nested.mutable_request_txn()->add_compare() = Cmp("a", Compare::CREATE, Compare::EQUAL, 0);
  *nested.mutable_request_txn()->add_success() = OpPut("created-when-absent", "y");
  *nested.mutable_request_txn()->add_failure() = OpPut("present", "y");
  *req.add_success() = nested;
  auto r = Txn(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->responses(1).response_txn().succeeded());
  EXPECT_EQ(GetOk(R("created-when-absent")).kvs_size(), 1);
}

TEST_F(KvApplierTest, TxnPutErrorsAreCheckedBeforeWriting) {
  etcdserverpb::TxnRequest req;
  *req.add_success() = OpPut("ok", "1");
  etcdserverpb::RequestOp bad;
  bad.mutable_request_put()->set_key("missing");
  bad.mutable_request_put()->set_ignore_value(true);
  bad.mutable_request_put()->set_lease(12345);
  *req.add_success() = bad;
  // In a txn, the key check comes before the lease check.
  EXPECT_TRUE(errors::Is(Txn(req).status(), Err::kKeyNotFound));
  EXPECT_EQ(Rev(), 1);
  EXPECT_EQ(GetOk(R("ok")).kvs_size(), 0);
  req.mutable_success(1)->mutable_request_put()->set_ignore_value(false);
  EXPECT_TRUE(errors::Is(Txn(req).status(), Err::kLeaseNotFound));
  EXPECT_EQ(Rev(), 1);
  EXPECT_TRUE(events_.empty());
}

TEST_F(KvApplierTest, TxnRangeRevisionChecks) {
  for (int i = 0; i < 4; ++i) Put("a", std::to_string(i));  // revs 2..5
  etcdserverpb::TxnRequest req;
  *req.add_success() = OpGet("a", 100);
  EXPECT_TRUE(errors::Is(Txn(req).status(), Err::kFutureRev));
  *req.mutable_success(0) = OpGet("a", -1);  // never compacted: -1 is fine
  EXPECT_TRUE(Txn(req).ok());
  *req.mutable_success(0) = OpGet("a", -5);  // below etcd's FirstRev of -1
  EXPECT_TRUE(errors::Is(Txn(req).status(), Err::kCompacted));
  etcdserverpb::CompactionRequest c;
  c.set_revision(3);
  ASSERT_TRUE(applier_->Compact(c).ok());
  Commit();
  *req.mutable_success(0) = OpGet("a", 2);
  EXPECT_TRUE(errors::Is(Txn(req).status(), Err::kCompacted));
  *req.mutable_success(0) = OpGet("a", -1);
  EXPECT_TRUE(errors::Is(Txn(req).status(), Err::kCompacted));
  *req.mutable_success(0) = OpGet("a", 3);
  auto r = Txn(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->responses(0).response_range().kvs(0).value(), "1");
}

TEST_F(KvApplierTest, ReadOnlyTxnMatchesTxn) {
  Put("a", "1");
  Put("b", "2");
  etcdserverpb::TxnRequest req;
  *req.add_compare() = Cmp("a", Compare::VALUE, Compare::EQUAL, 0, "1");
  *req.add_success() = OpGet("a");
  etcdserverpb::RequestOp nested;
  *nested.mutable_request_txn()->add_success() = OpGet("b");
  *req.add_success() = nested;
  ASSERT_TRUE(KvApplier::IsReadOnly(req));
  auto ro = applier_->ReadOnlyTxn(req);
  ASSERT_TRUE(ro.ok());
  auto rw = Txn(req);
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(ro->SerializeAsString(), rw->SerializeAsString());
  *req.add_failure() = OpDel("a");
  EXPECT_FALSE(KvApplier::IsReadOnly(req));
}

// ---------------------------------------------------------------- Compaction

TEST_F(KvApplierTest, CompactionRules) {
  etcdserverpb::CompactionRequest c;
  c.set_revision(0);  // a fresh store may be compacted at 0 (etcd does it)
  auto r = applier_->Compact(c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->header().revision(), 1);
  EXPECT_TRUE(errors::Is(applier_->Compact(c).status(), Err::kCompacted));
  Put("a", "1");
  Put("a", "2");
  c.set_revision(4);
  EXPECT_TRUE(errors::Is(applier_->Compact(c).status(), Err::kFutureRev));
  c.set_revision(2);
  r = applier_->Compact(c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->header().revision(), 3);
  Commit();
  EXPECT_GE(kv_->FinishedCompactRev(), 2);
  EXPECT_TRUE(errors::Is(applier_->Compact(c).status(), Err::kCompacted));
  c.set_revision(1);
  EXPECT_TRUE(errors::Is(applier_->Compact(c).status(), Err::kCompacted));
}

}  // namespace
}  // namespace etcd::server
