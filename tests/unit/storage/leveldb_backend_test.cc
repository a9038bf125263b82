#include "storage/leveldb_backend.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "leveldb/helpers/memenv.h"
#include "testutil/fault_env.h"

namespace etcd::storage {
namespace {

class BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    Reopen();
  }
  void Reopen() {
    backend_.reset();
    auto b = Backend::Open(env_.get(), "/db");
    ASSERT_TRUE(b.ok()) << b.status();
    backend_ = std::move(*b);
  }
  std::optional<std::string> Get(Bucket bucket, const std::string& key) {
    auto v = backend_->Get(bucket, key);
    EXPECT_TRUE(v.ok());
    return *v;
  }
  std::vector<std::pair<std::string, std::string>> ScanAll(const ReadView* view, Bucket bucket,
                                                           const std::string& from = "",
                                                           const std::string& to = "") {
    std::vector<std::pair<std::string, std::string>> out;
    auto fn = [&](std::string_view k, std::string_view v) {
      out.emplace_back(std::string(k), std::string(v));
      return true;
    };
    absl::Status s =
        view != nullptr ? view->Scan(bucket, from, to, fn) : backend_->Scan(bucket, from, to, fn);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<Backend> backend_;
};

using KVs = std::vector<std::pair<std::string, std::string>>;

TEST_F(BackendTest, FreshBackendHasZeroConsistentIndex) {
  EXPECT_EQ(backend_->ConsistentIndex(), 0u);
  EXPECT_EQ(backend_->ConsistentTerm(), 0u);
  EXPECT_FALSE(backend_->HasPending());
}

TEST_F(BackendTest, PendingWritesAreReadableBeforeCommit) {
  backend_->Put(Bucket::kKey, "a", "1");
  EXPECT_TRUE(backend_->HasPending());
  EXPECT_EQ(Get(Bucket::kKey, "a"), "1");
  // Buckets are separate namespaces.
  EXPECT_EQ(Get(Bucket::kLease, "a"), std::nullopt);
  // Not visible to readers until committed.
  auto view = backend_->NewReadView();
  auto v = view->Get(Bucket::kKey, "a");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, std::nullopt);
}

TEST_F(BackendTest, GetWithSeesPendingOverCommittedWithoutCopying) {
  std::string got;
  auto read = [&](Bucket b, const std::string& k) {
    got = "<none>";
    auto r = backend_->GetWith(b, k, [&](std::string_view v) { got = std::string(v); });
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && *r;
  };
  backend_->PutOwned(Bucket::kKey, "a", "1");
  backend_->Put(Bucket::kKey, "b", "2");
  // A key longer than the stack buffer lookups use.
  const std::string long_key(200, 'x');
  backend_->PutOwned(Bucket::kKey, long_key, "long");
  EXPECT_TRUE(read(Bucket::kKey, "a"));
  EXPECT_EQ(got, "1");
  EXPECT_TRUE(read(Bucket::kKey, long_key));
  EXPECT_EQ(got, "long");
  EXPECT_FALSE(read(Bucket::kLease, "a"));
  EXPECT_EQ(got, "<none>");
  ASSERT_TRUE(backend_->Commit(1, 1).ok());
  EXPECT_TRUE(read(Bucket::kKey, "a"));  // committed
  EXPECT_EQ(got, "1");
  EXPECT_TRUE(read(Bucket::kKey, long_key));
  EXPECT_EQ(got, "long");
  EXPECT_EQ(Get(Bucket::kKey, long_key), "long");
  backend_->Delete(Bucket::kKey, "a");  // a pending delete hides the committed value
  EXPECT_FALSE(read(Bucket::kKey, "a"));
  EXPECT_EQ(Get(Bucket::kKey, "a"), std::nullopt);
  backend_->PutOwned(Bucket::kKey, "b", "3");  // pending over committed
  EXPECT_TRUE(read(Bucket::kKey, "b"));
  EXPECT_EQ(got, "3");
  // The commit batch is reused: each commit writes exactly its own pending writes.
  ASSERT_TRUE(backend_->Commit(2, 1).ok());
  backend_->Put(Bucket::kKey, "c", "4");
  ASSERT_TRUE(backend_->Commit(3, 1).ok());
  ASSERT_TRUE(backend_->Commit(4, 1).ok());  // nothing pending: index and term only
  Reopen();
  EXPECT_EQ(backend_->ConsistentIndex(), 4u);
  EXPECT_EQ(ScanAll(nullptr, Bucket::kKey), (KVs{{"b", "3"}, {"c", "4"}, {long_key, "long"}}));
}

TEST_F(BackendTest, ManyPendingWritesAcrossBatches) {
  // Enough pending bytes to fill several of the overlay's 64 KiB blocks, values of every
  // size class (short owned strings are copied, long ones kept, > 16 KiB on their own),
  // overwrites and deletes; then a second batch that reuses the blocks.
  auto key = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%06d", i);
    return std::string(buf);
  };
  auto value = [](int batch, int i) {
    const size_t len = i % 50 == 0 ? 20000 : (i % 3 == 0 ? 5 : 300);
    return std::string(len, static_cast<char>('a' + (batch * 7 + i) % 26));
  };
  std::map<std::string, std::string> model;
  for (int batch = 0; batch < 3; ++batch) {
    for (int i = 0; i < 1500; ++i) {
      const int k = (i * 7 + batch * 13) % 1200;
      std::string v = value(batch, i);
      if (i % 11 == 0) {
        backend_->Delete(Bucket::kKey, key(k));
        model.erase(key(k));
      } else if (i % 2 == 0) {
        backend_->Put(Bucket::kKey, key(k), v);
        model[key(k)] = v;
      } else {
        backend_->PutOwned(Bucket::kKey, key(k), v);
        model[key(k)] = v;
      }
    }
    for (int k = 0; k < 1200; k += 37) {  // pending reads see the newest write
      auto it = model.find(key(k));
      EXPECT_EQ(Get(Bucket::kKey, key(k)),
                it == model.end() ? std::nullopt : std::optional<std::string>(it->second));
    }
    KVs want(model.begin(), model.end());
    EXPECT_EQ(ScanAll(nullptr, Bucket::kKey), want);  // merged over committed data
    ASSERT_TRUE(backend_->Commit(batch + 1, 1).ok());
    EXPECT_EQ(ScanAll(nullptr, Bucket::kKey), want);
  }
  Reopen();
  EXPECT_EQ(ScanAll(nullptr, Bucket::kKey), KVs(model.begin(), model.end()));
}

TEST_F(BackendTest, ScanMergesPendingOverCommitted) {
  backend_->Put(Bucket::kKey, "a", "1");
  backend_->Put(Bucket::kKey, "c", "3");
  backend_->Put(Bucket::kKey, "e", "5");
  backend_->Put(Bucket::kLease, "b", "other bucket");
  ASSERT_TRUE(backend_->Commit(1, 1).ok());
  backend_->Put(Bucket::kKey, "b", "2");   // new
  backend_->Put(Bucket::kKey, "c", "33");  // overwrite
  backend_->Delete(Bucket::kKey, "e");     // delete committed
  backend_->Put(Bucket::kKey, "f", "6");
  backend_->Delete(Bucket::kKey, "f");  // put then delete, pending only
  EXPECT_EQ(ScanAll(nullptr, Bucket::kKey), (KVs{{"a", "1"}, {"b", "2"}, {"c", "33"}}));
  EXPECT_EQ(ScanAll(nullptr, Bucket::kKey, "b", "c"), (KVs{{"b", "2"}}));
  EXPECT_EQ(ScanAll(nullptr, Bucket::kKey, "b"), (KVs{{"b", "2"}, {"c", "33"}}));
  EXPECT_EQ(Get(Bucket::kKey, "e"), std::nullopt);
  // Committed view unchanged.
  auto view = backend_->NewReadView();
  EXPECT_EQ(ScanAll(view.get(), Bucket::kKey), (KVs{{"a", "1"}, {"c", "3"}, {"e", "5"}}));
}

TEST_F(BackendTest, ScanStopsWhenFnReturnsFalse) {
  for (const char* k : {"a", "b", "c"}) backend_->Put(Bucket::kKey, k, k);
  ASSERT_TRUE(backend_->Commit(1, 1).ok());
  backend_->Put(Bucket::kKey, "bb", "x");
  int n = 0;
  ASSERT_TRUE(
      backend_
          ->Scan(Bucket::kKey, "", "", [&](std::string_view, std::string_view) { return ++n < 2; })
          .ok());
  EXPECT_EQ(n, 2);
}

TEST_F(BackendTest, CommitWritesIndexAndTermWithData) {
  backend_->Put(Bucket::kKey, "a", "1");
  ASSERT_TRUE(backend_->Commit(7, 3).ok());
  EXPECT_FALSE(backend_->HasPending());
  EXPECT_EQ(backend_->ConsistentIndex(), 7u);
  EXPECT_EQ(backend_->ConsistentTerm(), 3u);
  auto view = backend_->NewReadView();
  auto idx = view->Get(Bucket::kMeta, kConsistentIndexKey);
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(*idx, EncodeUint64(7));
}

TEST_F(BackendTest, ReopenRestoresDataAndConsistentIndex) {
  backend_->Put(Bucket::kKey, "a", "1");
  ASSERT_TRUE(backend_->Commit(5, 2).ok());
  backend_->Put(Bucket::kKey, "b", "2");
  ASSERT_TRUE(backend_->CommitSync(6, 2).ok());
  backend_->Put(Bucket::kKey, "lost", "never committed");
  Reopen();
  EXPECT_EQ(backend_->ConsistentIndex(), 6u);
  EXPECT_EQ(backend_->ConsistentTerm(), 2u);
  EXPECT_EQ(Get(Bucket::kKey, "a"), "1");
  EXPECT_EQ(Get(Bucket::kKey, "b"), "2");
  EXPECT_EQ(Get(Bucket::kKey, "lost"), std::nullopt);
}

TEST_F(BackendTest, ReadViewIsIsolatedFromLaterCommits) {
  backend_->Put(Bucket::kKey, "a", "1");
  ASSERT_TRUE(backend_->Commit(1, 1).ok());
  auto view = backend_->NewReadView();
  backend_->Put(Bucket::kKey, "a", "2");
  backend_->Put(Bucket::kKey, "b", "2");
  ASSERT_TRUE(backend_->Commit(2, 1).ok());
  EXPECT_EQ(ScanAll(view.get(), Bucket::kKey), (KVs{{"a", "1"}}));
  auto later = backend_->NewReadView();
  EXPECT_EQ(ScanAll(later.get(), Bucket::kKey), (KVs{{"a", "2"}, {"b", "2"}}));
}

TEST_F(BackendTest, SizesAndDefragment) {
  for (int i = 0; i < 1000; ++i) {
    backend_->Put(Bucket::kKey, "key" + std::to_string(i), std::string(100, 'x'));
  }
  ASSERT_TRUE(backend_->Commit(1, 1).ok());
  EXPECT_GT(backend_->SizeBytes(), 0);
  // Data still only in LevelDB's log counts as in use (Status.dbSizeInUse is never 0).
  EXPECT_GT(backend_->SizeInUseBytes(), 0);
  EXPECT_LE(backend_->SizeInUseBytes(), backend_->SizeBytes());
  ASSERT_TRUE(backend_->Defragment().ok());
  EXPECT_GT(backend_->SizeBytes(), 0);
  EXPECT_GE(backend_->SizeInUseBytes(), 0);
  EXPECT_EQ(Get(Bucket::kKey, "key7"), std::string(100, 'x'));
}

TEST(Uint64CodingTest, BigEndianRoundTrip) {
  EXPECT_EQ(EncodeUint64(0x0102030405060708ull),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  uint64_t v = 0;
  EXPECT_TRUE(DecodeUint64(EncodeUint64(123456789), &v));
  EXPECT_EQ(v, 123456789u);
  EXPECT_FALSE(DecodeUint64("short", &v));
}

// Crash tests: data and consistent index are one WriteBatch, so after a power cut the
// database holds exactly the state of some commit, never data without its index.
class BackendCrashTest : public ::testing::TestWithParam<testutil::TornTail::Kind> {};

TEST_P(BackendCrashTest, UnsyncedCommitIsLostWhole) {
  std::unique_ptr<leveldb::Env> mem(leveldb::NewMemEnv(leveldb::Env::Default()));
  testutil::FaultEnv env(mem.get());
  {
    auto b = Backend::Open(&env, "/db");
    ASSERT_TRUE(b.ok()) << b.status();
    (*b)->Put(Bucket::kKey, "a", "1");
    ASSERT_TRUE((*b)->CommitSync(1, 1).ok());
    (*b)->Put(Bucket::kKey, "b", std::string(5000, 'x'));
    (*b)->Delete(Bucket::kKey, "a");
    ASSERT_TRUE((*b)->Commit(2, 1).ok());  // no fsync
    testutil::TornTail torn;
    torn.kind = GetParam();
    torn.bytes = 2000;
    ASSERT_TRUE(env.DropUnsyncedData(torn).ok());
  }
  auto b = Backend::Open(&env, "/db");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ((*b)->ConsistentIndex(), 1u);
  auto a = (*b)->Get(Bucket::kKey, "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "1");
  auto bv = (*b)->Get(Bucket::kKey, "b");
  ASSERT_TRUE(bv.ok());
  EXPECT_EQ(*bv, std::nullopt);
}

// A power cut right after a fresh database was created (the creation keeps its first
// MANIFEST instead of writing a second one): it opens again, empty, and works.
TEST_P(BackendCrashTest, CrashRightAfterCreation) {
  std::unique_ptr<leveldb::Env> mem(leveldb::NewMemEnv(leveldb::Env::Default()));
  testutil::FaultEnv env(mem.get());
  for (int round = 0; round < 2; ++round) {
    {
      auto b = Backend::Open(&env, "/db");
      ASSERT_TRUE(b.ok()) << b.status();
      if (round == 1) {
        auto a = (*b)->Get(Bucket::kKey, "a");
        ASSERT_TRUE(a.ok());
        EXPECT_EQ(*a, "1");
        (*b)->Put(Bucket::kKey, "c", "3");
        ASSERT_TRUE((*b)->Commit(3, 1).ok());  // lost below
      }
      testutil::TornTail torn;
      torn.kind = GetParam();
      torn.bytes = 100;
      ASSERT_TRUE(env.DropUnsyncedData(torn).ok());
    }
    auto b = Backend::Open(&env, "/db");
    ASSERT_TRUE(b.ok()) << b.status();
    // The unsynced commit of round 1 is lost whole or (a kept torn prefix can hold all
    // of it) survives whole, never half.
    auto c = (*b)->Get(Bucket::kKey, "c");
    ASSERT_TRUE(c.ok());
    if (round == 0) {
      EXPECT_EQ((*b)->ConsistentIndex(), 0u);
    } else if (c->has_value()) {
      EXPECT_EQ(**c, "3");
      EXPECT_EQ((*b)->ConsistentIndex(), 3u);
    } else {
      EXPECT_EQ((*b)->ConsistentIndex(), 2u);
    }
    if (round == 0) {
      (*b)->Put(Bucket::kKey, "a", "1");
      ASSERT_TRUE((*b)->CommitSync(2, 1).ok());
    }
  }
}

TEST(BackendCreateTest, FreshDatabaseWritesOneManifest) {
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  auto manifests = [&] {
    std::vector<std::string> children;
    EXPECT_TRUE(env->GetChildren("/db", &children).ok());
    int n = 0;
    for (const auto& c : children) n += c.rfind("MANIFEST-", 0) == 0;
    return n;
  };
  {
    auto b = Backend::Open(env.get(), "/db");
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(manifests(), 1);
    (*b)->Put(Bucket::kKey, "a", "1");
    ASSERT_TRUE((*b)->CommitSync(1, 1).ok());
  }
  auto b = Backend::Open(env.get(), "/db");  // an existing database: logs not reused
  ASSERT_TRUE(b.ok()) << b.status();
  auto a = (*b)->Get(Bucket::kKey, "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "1");
  EXPECT_EQ((*b)->ConsistentIndex(), 1u);
}

INSTANTIATE_TEST_SUITE_P(TornTails, BackendCrashTest,
                         ::testing::Values(testutil::TornTail::Kind::kNone,
                                           testutil::TornTail::Kind::kKeepPrefix,
                                           testutil::TornTail::Kind::kZeros,
                                           testutil::TornTail::Kind::kGarbage));

TEST(BackendFaultTest, FailedSyncIsReported) {
  std::unique_ptr<leveldb::Env> mem(leveldb::NewMemEnv(leveldb::Env::Default()));
  testutil::FaultEnv env(mem.get());
  auto b = Backend::Open(&env, "/db");
  ASSERT_TRUE(b.ok());
  (*b)->Put(Bucket::kKey, "a", "1");
  env.FailNextSyncs(1);
  EXPECT_FALSE((*b)->CommitSync(1, 1).ok());
  EXPECT_EQ((*b)->ConsistentIndex(), 0u);
}

}  // namespace
}  // namespace etcd::storage
