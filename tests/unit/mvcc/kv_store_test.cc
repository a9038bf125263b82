#include "mvcc/kv_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <thread>
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
  // Commits the pending batch and publishes it, then runs any physical compaction to
  // the end (a step per commit), as the server's applier loop does.
  void Commit() {
    CommitOnce();
    while (store_->HasCompactionWork()) {
      ASSERT_TRUE(store_->CompactionStep().ok());
      CommitOnce();
    }
  }
  void CommitOnce() {
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
  Put("a", "1");  // 2
  Put("a", "2");  // 3
  Delete("a");    // 4
  EXPECT_TRUE(Range("a").kvs.empty());
  Put("a", "3");  // 5
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

TEST_F(KvStoreTest, PutReportsThePreviousVersion) {
  {
    auto txn = store_->Write();
    auto r = txn->Put("a", "1", 5, /*want_prev_kv=*/true);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->existed);
    EXPECT_EQ(r->prev_lease, 0);
    EXPECT_FALSE(r->prev_kv.has_value());
  }
  Commit();
  {
    auto txn = store_->Write();
    auto r = txn->Put("a", "2", 0);  // prev_kv not asked for
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->existed);
    EXPECT_EQ(r->prev_lease, 5);
    EXPECT_FALSE(r->prev_kv.has_value());
    auto ev = txn->End();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].prev_kv().value(), "1");  // events still carry it (the default)
    EXPECT_EQ(ev[0].prev_kv().lease(), 5);
  }
  // Uncommitted: the previous version comes from the pending batch.
  auto txn = store_->Write();
  auto r = txn->Put("a", "3", 0, /*want_prev_kv=*/true);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->existed);
  EXPECT_EQ(r->prev_lease, 0);
  ASSERT_TRUE(r->prev_kv.has_value());
  EXPECT_EQ(r->prev_kv->value(), "2");
  EXPECT_EQ(r->prev_kv->mod_revision(), 3);
  EXPECT_EQ(r->prev_kv->version(), 2);
}

TEST_F(KvStoreTest, EventsWithoutPrevKvForPuts) {
  KvStoreOptions o;
  o.events_prev_kv = false;
  Reopen(o);
  Put("a", "1", 4);        // 2
  auto e = Put("a", "2");  // 3
  ASSERT_EQ(e.size(), 1u);
  EXPECT_FALSE(e[0].has_prev_kv());
  EXPECT_EQ(e[0].kv().version(), 2);
  EXPECT_EQ(e[0].kv().create_revision(), 2);
  {
    auto txn = store_->Write();  // asked for: still returned
    auto r = txn->Put("a", "3", 0, /*want_prev_kv=*/true);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->prev_kv.has_value());
    EXPECT_EQ(r->prev_kv->value(), "2");
    auto ev = txn->End();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_FALSE(ev[0].has_prev_kv());
  }
  Commit();              // 4
  auto d = Delete("a");  // 5: deletes still carry it
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].prev_kv().value(), "3");
  // What a watcher reads instead, as etcd does.
  auto p = store_->PrevKv("a", 3);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ((*p)->value(), "1");
  EXPECT_EQ((*p)->lease(), 4);
  p = store_->PrevKv("a", 5);
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->value(), "3");
  p = store_->PrevKv("a", 2);  // created at 2: nothing before
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has_value());
  ASSERT_TRUE(store_->Compact(4).ok());
  Commit();
  p = store_->PrevKv("a", 3);  // revision 2 is compacted
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has_value());
  p = store_->PrevKv("a", 5);  // 4 survived the compaction at 4
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->value(), "3");
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
  Delete("a");                                   // 5
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

TEST_F(KvStoreTest, CompactionErrors) {
  Put("a", "1");  // 2
  EXPECT_TRUE(errors::Is(store_->Compact(3), Err::kFutureRev));
  EXPECT_EQ(store_->FirstRev(), -1);
  ASSERT_TRUE(store_->Compact(2).ok());
  // The applier sees the compaction at once; readers after the commit.
  EXPECT_TRUE(errors::Is(store_->Compact(2), Err::kCompacted));
  EXPECT_TRUE(errors::Is(store_->Compact(1), Err::kCompacted));
  EXPECT_EQ(store_->CompactRev(), 0);
  {
    auto txn = store_->Write();
    EXPECT_EQ(txn->FirstRev(), 2);
    EXPECT_TRUE(errors::Is(txn->Range("a", "", {.rev = 1}).status(), Err::kCompacted));
    txn->End();
  }
  Commit();
  EXPECT_EQ(store_->CompactRev(), 2);
  EXPECT_EQ(store_->FirstRev(), 2);
}

TEST_F(KvStoreTest, CompactionKeepsLatestAndDropsHistory) {
  Put("a", "1");  // 2
  Put("a", "2");  // 3
  Put("b", "1");  // 4
  Delete("b");    // 5
  Put("a", "3");  // 6
  ASSERT_TRUE(store_->Compact(5).ok());
  Commit();
  EXPECT_EQ(store_->FinishedCompactRev(), 5);
  EXPECT_TRUE(errors::Is(store_->Range("a", "", {.rev = 4}).status(), Err::kCompacted));
  RangeResult at5 = Range("a", "z", {.rev = 5});
  ASSERT_EQ(at5.kvs.size(), 1u);
  EXPECT_EQ(at5.kvs[0].value(), "2");
  EXPECT_EQ(at5.kvs[0].version(), 2);
  EXPECT_EQ(Range("a").kvs[0].version(), 3);
  // Only the kept revision 3 of "a" and revision 6 remain in the key bucket.
  std::vector<std::string> left;
  ASSERT_TRUE(backend_
                  ->Scan(storage::Bucket::kKey, "", "",
                         [&](std::string_view k, std::string_view) {
                           Revision r;
                           bool t;
                           EXPECT_TRUE(DecodeRevision(k, &r, &t));
                           left.push_back(std::to_string(r.main) + (t ? "t" : ""));
                           return true;
                         })
                  .ok());
  EXPECT_EQ(left, (std::vector<std::string>{"3", "6"}));
  // History before the compaction is gone for watchers; from the compact revision itself
  // what survived is replayed (etcd 3.4.23 lets a watch start at the compact revision).
  EXPECT_TRUE(errors::Is(store_->EventsBetween(4, 6, false, 0).status(), Err::kCompacted));
  EXPECT_TRUE(store_->EventsBetween(5, 6, false, 0).ok());
  auto ev = store_->EventsBetween(6, 6, true, 0);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].prev_kv().value(), "2");  // kept: still available
}

TEST_F(KvStoreTest, CompactionRunsInBatches) {
  for (int i = 0; i < 10; ++i) Put("k", std::to_string(i));  // revs 2..11
  Reopen(KvStoreOptions{.compaction_batch_limit = 3});
  ASSERT_TRUE(store_->Compact(11).ok());
  EXPECT_FALSE(store_->HasCompactionWork());  // starts once the compaction is committed
  CommitOnce();
  int steps = 0;
  while (store_->HasCompactionWork()) {
    ASSERT_TRUE(store_->CompactionStep().ok());
    ++steps;
    EXPECT_EQ(store_->FinishedCompactRev(), 0);  // not committed yet
  }
  EXPECT_EQ(steps, 3);  // 9 obsolete revisions, 3 per step
  CommitOnce();
  EXPECT_EQ(store_->FinishedCompactRev(), 11);
  EXPECT_EQ(Range("k").kvs[0].value(), "9");
}

TEST_F(KvStoreTest, UnfinishedCompactionResumesAfterReopen) {
  for (int i = 0; i < 10; ++i) Put("k", std::to_string(i));  // revs 2..11
  Reopen(KvStoreOptions{.compaction_batch_limit = 2});
  ASSERT_TRUE(store_->Compact(8).ok());
  CommitOnce();
  ASSERT_TRUE(store_->CompactionStep().ok());  // first step only
  CommitOnce();
  EXPECT_TRUE(store_->HasCompactionWork());
  EXPECT_EQ(store_->FinishedCompactRev(), 0);
  Reopen();
  EXPECT_EQ(store_->CompactRev(), 8);
  EXPECT_TRUE(store_->HasCompactionWork());
  Commit();  // runs the remaining steps
  EXPECT_EQ(store_->FinishedCompactRev(), 8);
  EXPECT_EQ(Range("k", "", {.rev = 8}).kvs[0].value(), "6");
  EXPECT_TRUE(errors::Is(store_->Range("k", "", {.rev = 7}).status(), Err::kCompacted));
}

TEST_F(KvStoreTest, CompactingEverythingKeepsTheRevision) {
  Put("a", "1");  // 2
  Delete("a");    // 3
  ASSERT_TRUE(store_->Compact(3).ok());
  Commit();
  Reopen();
  EXPECT_EQ(store_->Rev(), 3);  // the key bucket is empty; the compact revision remains
  EXPECT_EQ(store_->CompactRev(), 3);
  EXPECT_TRUE(Range("a").kvs.empty());
}

TEST_F(KvStoreTest, ReopenRestoresTheSameState) {
  Put("a", "1", 5);  // 2
  Put("b", "1");     // 3
  Put("a", "2", 5);  // 4
  Delete("b");       // 5
  Put("b", "2", 6);  // 6
  Put("c", "1");     // 7
  ASSERT_TRUE(store_->Compact(4).ok());
  Commit();
  Put("c", "2");                       // 8
  Put("u", "x", 0, /*commit=*/false);  // lost on reopen
  std::vector<std::string> before;
  for (int64_t rev = 4; rev <= 8; ++rev) {
    RangeResult r = Range("a", "z", {.rev = rev});
    for (const auto& kv : r.kvs) before.push_back(kv.ShortDebugString());
  }
  auto hash_before = store_->HashKV(0);
  ASSERT_TRUE(hash_before.ok());
  auto events_before = store_->EventsBetween(5, 8, true, 0);
  ASSERT_TRUE(events_before.ok());

  Reopen();
  EXPECT_EQ(store_->Rev(), 8);
  EXPECT_EQ(store_->CommittedRev(), 8);
  EXPECT_EQ(store_->CompactRev(), 4);
  std::vector<std::string> after;
  for (int64_t rev = 4; rev <= 8; ++rev) {
    RangeResult r = Range("a", "z", {.rev = rev});
    for (const auto& kv : r.kvs) after.push_back(kv.ShortDebugString());
  }
  EXPECT_EQ(before, after);
  auto hash_after = store_->HashKV(0);
  ASSERT_TRUE(hash_after.ok());
  EXPECT_EQ(hash_before->hash, hash_after->hash);
  auto events_after = store_->EventsBetween(5, 8, true, 0);
  ASSERT_TRUE(events_after.ok());
  ASSERT_EQ(events_before->size(), events_after->size());
  for (size_t i = 0; i < events_after->size(); ++i) {
    EXPECT_EQ((*events_before)[i].ShortDebugString(), (*events_after)[i].ShortDebugString());
  }
  std::map<std::string, int64_t> leased;
  store_->ForEachLeasedKey([&](const std::string& k, int64_t l) { leased[k] = l; });
  EXPECT_EQ(leased, (std::map<std::string, int64_t>{{"a", 5}, {"b", 6}}));
  // Writing continues at the next revision with correct versions.
  Put("a", "3");
  RangeResult r = Range("a");
  EXPECT_EQ(r.kvs[0].mod_revision(), 9);
  EXPECT_EQ(r.kvs[0].version(), 3);
  EXPECT_EQ(r.kvs[0].create_revision(), 2);
}

TEST_F(KvStoreTest, HashKvIsEqualForEqualHistories) {
  auto write = [this](int n) {
    for (int i = 0; i < n; ++i) {
      Put("k" + std::to_string(i % 7), std::to_string(i));
      if (i % 5 == 4) Delete("k" + std::to_string(i % 3));
    }
  };
  write(40);
  ASSERT_TRUE(store_->Compact(20).ok());
  CommitOnce();
  // Hash before the physical deletion...
  ASSERT_TRUE(store_->HasCompactionWork());
  auto mid = store_->HashKV(30);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->compact_revision, 20);
  Commit();
  EXPECT_EQ(store_->FinishedCompactRev(), 20);
  // ...equals the hash after it: HashKV does not depend on compaction progress.
  auto done = store_->HashKV(30);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(mid->hash, done->hash);
  EXPECT_EQ(done->compact_revision, 20);
  EXPECT_EQ(done->revision, 30);
  EXPECT_EQ(done->current_revision, store_->Rev());

  // A second member with the same history.
  std::unique_ptr<leveldb::Env> env2(leveldb::NewMemEnv(leveldb::Env::Default()));
  std::swap(env_, env2);
  store_.reset();
  std::unique_ptr<storage::Backend> keep_backend = std::move(backend_);
  Reopen();
  write(40);
  ASSERT_TRUE(store_->Compact(20).ok());
  Commit();
  auto same = store_->HashKV(30);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->hash, done->hash);
  auto latest = store_->HashKV(0);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->revision, store_->Rev());
  // Diverging history changes the hash.
  Put("extra", "x");
  auto diverged = store_->HashKV(0);
  ASSERT_TRUE(diverged.ok());
  EXPECT_NE(diverged->hash, latest->hash);
  EXPECT_TRUE(errors::Is(store_->HashKV(20).status(), Err::kCompacted));
  EXPECT_TRUE(errors::Is(store_->HashKV(1000).status(), Err::kFutureRev));
  keep_backend.reset();
}

TEST_F(KvStoreTest, HashKvNeverCompactedReportsMinusOne) {
  Put("a", "1");
  auto h = store_->HashKV(0);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->compact_revision, -1);
  EXPECT_EQ(h->revision, 2);
  auto whole = store_->Hash();
  ASSERT_TRUE(whole.ok());
  Put("b", "1");
  auto whole2 = store_->Hash();
  ASSERT_TRUE(whole2.ok());
  EXPECT_NE(*whole, *whole2);
}

TEST_F(KvStoreTest, EventsBetweenClampsToCommittedAndChecksCompaction) {
  Put("a", "1");
  auto ev = store_->EventsBetween(0, 100, false, 0);  // never compacted: from 0 is fine
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->size(), 1u);
  ev = store_->EventsBetween(3, 100, false, 0);
  ASSERT_TRUE(ev.ok());
  EXPECT_TRUE(ev->empty());
  ASSERT_TRUE(store_->Compact(1).ok());
  Commit();
  EXPECT_TRUE(errors::Is(store_->EventsBetween(0, 2, false, 0).status(), Err::kCompacted));
  EXPECT_TRUE(store_->EventsBetween(1, 2, false, 0).ok());
}

TEST_F(KvStoreTest, ConcurrentReadersSeeConsistentCommittedState) {
  // Each write puts the same value (its revision) into two keys in one txn; a reader must
  // always see both keys at the same revision.
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto r = store_->Range("x", "z", {});
        if (!r.ok()) {
          ++bad;
          continue;
        }
        if (r->kvs.size() == 2 && r->kvs[0].value() != r->kvs[1].value()) ++bad;
        if (r->kvs.size() == 2 && r->kvs[0].mod_revision() > r->rev) ++bad;
      }
    });
  }
  for (int i = 0; i < 300; ++i) {
    auto txn = store_->Write();
    ASSERT_TRUE(txn->Put("x", std::to_string(i), 0).ok());
    ASSERT_TRUE(txn->Put("y", std::to_string(i), 0).ok());
    txn->End();
    if (i % 3 == 0) Commit();
    if (i % 50 == 49) {
      ASSERT_TRUE(store_->Compact(store_->CommittedRev()).ok());
    }
  }
  Commit();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(KvStoreTest, RestartWith100kKeysIsFast) {
  constexpr int kKeys = 100000;
  for (int i = 0; i < kKeys; ++i) {
    auto txn = store_->Write();
    char key[32];
    snprintf(key, sizeof(key), "/registry/key/%08d", i);
    ASSERT_TRUE(txn->Put(key, std::string(64, 'v'), i % 10 == 0 ? 7 : 0).ok());
    txn->End();
    if (i % 1000 == 999) Commit();
  }
  Commit();
  store_.reset();
  backend_.reset();
  // CPU time, not wall time: the build machine may be heavily shared.
  const std::clock_t c0 = std::clock();
  auto b = storage::Backend::Open(env_.get(), "/db");
  ASSERT_TRUE(b.ok());
  backend_ = std::move(*b);
  const std::clock_t c1 = std::clock();
  auto s = KvStore::Open(backend_.get());
  ASSERT_TRUE(s.ok());
  store_ = std::move(*s);
  const std::clock_t c2 = std::clock();
  const double backend_ms = 1000.0 * static_cast<double>(c1 - c0) / CLOCKS_PER_SEC;
  const double restore_ms = 1000.0 * static_cast<double>(c2 - c1) / CLOCKS_PER_SEC;
  RecordProperty("backend_open_cpu_ms", std::to_string(backend_ms));
  RecordProperty("kv_restore_cpu_ms", std::to_string(restore_ms));
  std::printf("restart with %d keys: backend open %.1f ms, kv restore %.1f ms (cpu)\n", kKeys,
              backend_ms, restore_ms);
  EXPECT_EQ(store_->Rev(), kKeys + 1);
  EXPECT_EQ(Range("/registry/", "/registry0", {.count_only = true}).count, kKeys);
  int leased = 0;
  store_->ForEachLeasedKey([&](const std::string&, int64_t) { ++leased; });
  EXPECT_EQ(leased, kKeys / 10);
  EXPECT_LT(restore_ms, 300.0);
}

}  // namespace
}  // namespace etcd::mvcc
