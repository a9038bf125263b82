#include "mvcc/kv_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/errors.h"
#include "leveldb/helpers/memenv.h"

namespace etcd::mvcc {
namespace {

using errors::Err;

class KvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    Reopen();
  }
  void Reopen(KvStoreOptions options = {}) {
    store_.reset();
    backend_.reset();
    auto b = storage::Backend::Open(env_.get(), "/db");
    ASSERT_TRUE(b.ok()) << b.status();
    backend_ = std::move(*b);
    auto s = KvStore::Open(backend_.get(), options);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  // Commits the pending batch and publishes it to readers.
  void Commit() {
    while (store_->HasCompactionWork()) ASSERT_TRUE(store_->CompactionStep().ok());
    ASSERT_TRUE(backend_->Commit(++index_, 1).ok());
    store_->OnCommitted(store_->Rev());
  }
  std::vector<mvccpb::Event> Put(const std::string& k, const std::string& v, int64_t lease = 0,
                                 bool commit = true) {
    auto txn = store_->Write();
    EXPECT_TRUE(txn->Put(k, v, lease).ok());
    auto ev = txn->End();
    if (commit) Commit();
    return ev;
  }
  std::vector<mvccpb::Event> Delete(const std::string& k, const std::string& end = "",
                                    bool commit = true) {
    auto txn = store_->Write();
    EXPECT_TRUE(txn->DeleteRange(k, end).ok());
    auto ev = txn->End();
    if (commit) Commit();
    return ev;
  }
  RangeResult Range(const std::string& k, const std::string& end = "", RangeOptions o = {}) {
    auto r = store_->Range(k, end, o);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RangeResult{};
  }
  std::vector<std::string> Keys(const RangeResult& r) {
    std::vector<std::string> out;
    for (const auto& kv : r.kvs) out.push_back(kv.key());
    return out;
  }

  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<storage::Backend> backend_;
  std::unique_ptr<KvStore> store_;
  uint64_t index_ = 0;
};

TEST_F(KvStoreTest, FreshStoreIsAtRevisionOne) {
  EXPECT_EQ(store_->Rev(), 1);
  EXPECT_EQ(store_->CommittedRev(), 1);
  EXPECT_EQ(store_->CompactRev(), 0);
  RangeResult r = Range("a");
  EXPECT_TRUE(r.kvs.empty());
  EXPECT_EQ(r.rev, 1);
}

TEST_F(KvStoreTest, PutSetsVersionsAndRevisions) {
  Put("a", "1");  // rev 2
  Put("b", "2");  // rev 3
  Put("a", "3");  // rev 4
  RangeResult r = Range("a");
  ASSERT_EQ(r.kvs.size(), 1u);
  EXPECT_EQ(r.kvs[0].value(), "3");
  EXPECT_EQ(r.kvs[0].create_revision(), 2);
  EXPECT_EQ(r.kvs[0].mod_revision(), 4);
  EXPECT_EQ(r.kvs[0].version(), 2);
  EXPECT_EQ(r.rev, 4);
}

TEST_F(KvStoreTest, HistoricalReadsAndCurrentRevisionInResult) {
  Put("a", "1");
  Put("a", "2");
  RangeResult r = Range("a", "", {.rev = 2});
  ASSERT_EQ(r.kvs.size(), 1u);
  EXPECT_EQ(r.kvs[0].value(), "1");
  EXPECT_EQ(r.rev, 3);  // etcd: the header revision is the current one
  EXPECT_TRUE(Range("a", "", {.rev = 1}).kvs.empty());
  auto future = store_->Range("a", "", {.rev = 4});
  EXPECT_TRUE(errors::Is(future.status(), Err::kFutureRev));
}

TEST_F(KvStoreTest, DeleteRecreateStartsNewGeneration) {
  Put("a", "1");     // 2
  Put("a", "2");     // 3
  Delete("a");       // 4
  EXPECT_TRUE(Range("a").kvs.empty());
  Put("a", "3");     // 5
  RangeResult r = Range("a");
  ASSERT_EQ(r.kvs.size(), 1u);
  EXPECT_EQ(r.kvs[0].create_revision(), 5);
  EXPECT_EQ(r.kvs[0].version(), 1);
  EXPECT_EQ(Range("a", "", {.rev = 3}).kvs[0].version(), 2);
  EXPECT_TRUE(Range("a", "", {.rev = 4}).kvs.empty());
}

TEST_F(KvStoreTest, DeleteOfNothingLeavesRevision) {
  Put("a", "1");
  auto ev = Delete("zzz");
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(store_->Rev(), 2);
}

TEST_F(KvStoreTest, RangeForms) {
  for (const char* k : {"a", "ab", "abc", "b", "c"}) Put(k, k);
  EXPECT_EQ(Keys(Range("a")), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Keys(Range("a", "b")), (std::vector<std::string>{"a", "ab", "abc"}));
  EXPECT_EQ(Keys(Range("ab", std::string(1, '\0'))),
            (std::vector<std::string>{"ab", "abc", "b", "c"}));
  EXPECT_EQ(Keys(Range(std::string(1, '\0'), std::string(1, '\0'))).size(), 5u);
  EXPECT_TRUE(Range("c", "a").kvs.empty());
  RangeResult limited = Range("a", "z", {.limit = 2});
  EXPECT_EQ(Keys(limited), (std::vector<std::string>{"a", "ab"}));
  EXPECT_EQ(limited.count, 5);
  RangeResult counted = Range("a", "z", {.count_only = true});
  EXPECT_TRUE(counted.kvs.empty());
  EXPECT_EQ(counted.count, 5);
  RangeResult keys = Range("a", "b", {.keys_only = true});
  ASSERT_EQ(keys.kvs.size(), 3u);
  EXPECT_EQ(keys.kvs[0].value(), "");
  EXPECT_EQ(keys.kvs[0].mod_revision(), 2);
}

TEST_F(KvStoreTest, ReadersSeeOnlyCommittedRevisions) {
  Put("a", "1");
  Put("a", "2", 0, /*commit=*/false);
  EXPECT_EQ(store_->Rev(), 3);
  EXPECT_EQ(store_->CommittedRev(), 2);
  RangeResult r = Range("a");
  ASSERT_EQ(r.kvs.size(), 1u);
  EXPECT_EQ(r.kvs[0].value(), "1");
  EXPECT_EQ(r.rev, 2);
  // The write path sees its own applied state.
  {
    auto txn = store_->Write();
    auto tr = txn->Range("a", "", {});
    ASSERT_TRUE(tr.ok());
    EXPECT_EQ(tr->kvs[0].value(), "2");
    EXPECT_EQ(tr->rev, 3);
    txn->End();
  }
  Commit();
  EXPECT_EQ(Range("a").kvs[0].value(), "2");
}

TEST_F(KvStoreTest, TxnWritesShareOneRevision) {
  auto txn = store_->Write();
  EXPECT_EQ(txn->Rev(), 1);
  ASSERT_TRUE(txn->Put("a", "1", 0).ok());
  EXPECT_EQ(txn->Rev(), 2);
  ASSERT_TRUE(txn->Put("b", "2", 0).ok());
  auto seen = txn->Range("a", "c", {});
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->kvs.size(), 2u);
  auto del = txn->DeleteRange("a", "");
  ASSERT_TRUE(del.ok());
  ASSERT_EQ(del->size(), 1u);
  EXPECT_EQ((*del)[0].value(), "1");
  auto events = txn->End();
  Commit();
  EXPECT_EQ(store_->Rev(), 2);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type(), mvccpb::Event::PUT);
  EXPECT_EQ(events[2].type(), mvccpb::Event::DELETE);
  EXPECT_EQ(events[2].kv().mod_revision(), 2);
  EXPECT_EQ(events[2].prev_kv().value(), "1");
  EXPECT_EQ(Keys(Range("a", "z")), (std::vector<std::string>{"b"}));
}

TEST_F(KvStoreTest, EventsCarryPrevKv) {
  auto e1 = Put("a", "1");
  ASSERT_EQ(e1.size(), 1u);
  EXPECT_FALSE(e1[0].has_prev_kv());
  EXPECT_EQ(e1[0].kv().version(), 1);
  auto e2 = Put("a", "2", 7);
  ASSERT_EQ(e2.size(), 1u);
  EXPECT_EQ(e2[0].prev_kv().value(), "1");
  EXPECT_EQ(e2[0].kv().lease(), 7);
  auto e3 = Delete("a");
  ASSERT_EQ(e3.size(), 1u);
  EXPECT_EQ(e3[0].type(), mvccpb::Event::DELETE);
  EXPECT_EQ(e3[0].kv().key(), "a");
  EXPECT_EQ(e3[0].kv().mod_revision(), 4);
  EXPECT_EQ(e3[0].kv().value(), "");
  EXPECT_EQ(e3[0].prev_kv().value(), "2");
}

TEST_F(KvStoreTest, EventsBetweenReplaysHistory) {
  Put("a", "1");  // 2
  Put("b", "1");  // 3
  {
    auto txn = store_->Write();  // 4: two events
    ASSERT_TRUE(txn->Put("a", "2", 0).ok());
    ASSERT_TRUE(txn->Put("c", "1", 0).ok());
    txn->End();
    Commit();
  }
  Delete("a");    // 5
  Put("x", "uncommitted", 0, /*commit=*/false);  // 6, not visible
  auto all = store_->EventsBetween(2, 100, /*prev_kv=*/true, 0);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].kv().key(), "a");
  EXPECT_FALSE((*all)[0].has_prev_kv());
  EXPECT_EQ((*all)[2].kv().key(), "a");
  EXPECT_EQ((*all)[2].prev_kv().value(), "1");
  EXPECT_EQ((*all)[4].type(), mvccpb::Event::DELETE);
  EXPECT_EQ((*all)[4].kv().mod_revision(), 5);
  EXPECT_EQ((*all)[4].prev_kv().value(), "2");
  auto no_prev = store_->EventsBetween(4, 4, false, 0);
  ASSERT_TRUE(no_prev.ok());
  ASSERT_EQ(no_prev->size(), 2u);
  EXPECT_FALSE((*no_prev)[0].has_prev_kv());
  // The limit never splits a revision.
  auto limited = store_->EventsBetween(2, 5, false, 3);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);  // rev 2, rev 3; rev 4 (2 events) would exceed 3
  auto one = store_->EventsBetween(4, 5, false, 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 2u);  // a whole revision even above the limit
}

}  // namespace
}  // namespace etcd::mvcc
