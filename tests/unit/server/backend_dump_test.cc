#include "server/backend_dump.h"

#include <gtest/gtest.h>
#include <leveldb/helpers/memenv.h>

#include <map>
#include <memory>

namespace etcd::server {
namespace {

using storage::Bucket;

std::map<std::string, std::string> Everything(const storage::Backend& b) {
  std::map<std::string, std::string> out;
  auto view = b.NewReadView();
  for (int c = 1; c < 256; ++c) {
    auto bucket = static_cast<Bucket>(static_cast<char>(c));
    EXPECT_TRUE(view->Scan(bucket, "", "",
                           [&](std::string_view k, std::string_view v) {
                             out[std::string(1, static_cast<char>(c)) + std::string(k)] = v;
                             return true;
                           })
                    .ok());
  }
  return out;
}

TEST(BackendDumpTest, RoundTripReplacesEverything) {
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  auto a = storage::Backend::Open(env.get(), "/a");
  auto b = storage::Backend::Open(env.get(), "/b");
  ASSERT_TRUE(a.ok() && b.ok());
  (*a)->Put(Bucket::kKey, "rev1", std::string("v\0v", 3));
  (*a)->Put(Bucket::kLease, "l1", "lease");
  (*a)->Put(Bucket::kMembers, "m", std::string(300, 'x'));
  ASSERT_TRUE((*a)->Commit(42, 7).ok());
  (*b)->Put(Bucket::kKey, "stale", "gone");
  (*b)->Put(Bucket::kAlarm, "old", "gone");
  ASSERT_TRUE((*b)->Commit(3, 1).ok());

  auto dump = DumpBackend(*(*a)->NewReadView(), 42, 7);
  ASSERT_TRUE(dump.ok()) << dump.status();
  auto info = CheckBackendDump(*dump);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->index, 42u);
  EXPECT_EQ(info->term, 7u);
  ASSERT_TRUE(LoadBackendDump(b->get(), *dump).ok());
  EXPECT_EQ((*b)->ConsistentIndex(), 42u);
  EXPECT_EQ((*b)->ConsistentTerm(), 7u);
  EXPECT_EQ(Everything(**a), Everything(**b));
}

TEST(BackendDumpTest, DamageIsDetected) {
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  auto a = storage::Backend::Open(env.get(), "/a");
  ASSERT_TRUE(a.ok());
  (*a)->Put(Bucket::kKey, "k", "v");
  ASSERT_TRUE((*a)->Commit(5, 2).ok());
  auto dump = DumpBackend(*(*a)->NewReadView(), 5, 2);
  ASSERT_TRUE(dump.ok());
  std::string bad = *dump;
  bad[bad.size() / 2] ^= 0x40;
  EXPECT_TRUE(absl::IsDataLoss(CheckBackendDump(bad).status()));
  EXPECT_TRUE(absl::IsDataLoss(CheckBackendDump(dump->substr(0, dump->size() - 1)).status()));
  EXPECT_TRUE(absl::IsDataLoss(CheckBackendDump("").status()));
  // A damaged dump leaves the backend alone.
  EXPECT_FALSE(LoadBackendDump(a->get(), bad).ok());
  EXPECT_EQ((*a)->ConsistentIndex(), 5u);
}

TEST(BackendDumpTest, SnapshotDbName) {
  EXPECT_EQ(SnapshotDbName(2, 0x1f), "0000000000000002-000000000000001f.snap.db");
}

}  // namespace
}  // namespace etcd::server
