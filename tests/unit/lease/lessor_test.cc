#include "lease/lessor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "common/errors.h"
#include "fake_backend.h"
#include "lease/lease_record.h"
#include "leveldb/helpers/memenv.h"

namespace etcd::lease {
namespace {

using ::etcd::errors::Err;
using ::etcd::lease::testing::FakeBackend;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

class LessorTest : public ::testing::Test {
 protected:
  explicit LessorTest(LessorOptions options = {}) : lessor_(&backend_, &clock_, options) {}

  LeaseInfo MustGrant(int64_t id, int64_t ttl) {
    auto info = lessor_.Grant(id, ttl);
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? *info : LeaseInfo{};
  }
  std::optional<LeaseRecord> Stored(int64_t id) {
    auto v = backend_.Get(storage::Bucket::kLease, EncodeLeaseKey(id));
    EXPECT_TRUE(v.ok());
    if (!v.ok() || !v->has_value()) return std::nullopt;
    auto rec = DecodeLeaseRecord(**v);
    EXPECT_TRUE(rec.ok());
    return rec.ok() ? std::optional<LeaseRecord>(*rec) : std::nullopt;
  }

  FakeBackend backend_;
  FakeClock clock_;
  Lessor lessor_;
};

TEST_F(LessorTest, GrantLookupRevoke) {
  lessor_.Promote(milliseconds(0));
  LeaseInfo info = MustGrant(1, 10);
  EXPECT_EQ(info.id, 1);
  EXPECT_EQ(info.ttl, 10);
  EXPECT_EQ(info.remaining, 10);
  EXPECT_TRUE(lessor_.Exists(1));
  EXPECT_EQ(Stored(1), (LeaseRecord{1, 10, 0}));

  clock_.Advance(milliseconds(1500));
  auto looked = lessor_.Lookup(1);
  ASSERT_TRUE(looked.has_value());
  EXPECT_EQ(looked->ttl, 10);
  EXPECT_EQ(looked->remaining, 8);  // 8.5 s left, truncated as etcd does
  EXPECT_FALSE(lessor_.Lookup(2).has_value());

  auto keys = lessor_.Revoke(1);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
  EXPECT_FALSE(lessor_.Exists(1));
  EXPECT_FALSE(lessor_.Lookup(1).has_value());
  EXPECT_FALSE(Stored(1).has_value());
  EXPECT_TRUE(errors::Is(lessor_.Revoke(1).status(), Err::kLeaseNotFound));
}

TEST_F(LessorTest, TtlRaisedToMinimum) {
  EXPECT_EQ(MustGrant(1, 1).ttl, 2);
  EXPECT_EQ(MustGrant(2, -5).ttl, 2);
  EXPECT_EQ(MustGrant(3, 0).ttl, 2);
  EXPECT_EQ(MustGrant(4, 3).ttl, 3);
  EXPECT_EQ(Stored(2)->ttl, 2);
}

TEST(LessorOptionsTest, CustomMinimumTtl) {
  FakeBackend backend;
  FakeClock clock;
  Lessor lessor(&backend, &clock, LessorOptions{.min_ttl_seconds = 8});
  EXPECT_EQ(lessor.Grant(1, 5)->ttl, 8);
  EXPECT_EQ(lessor.Grant(2, 9)->ttl, 9);
}

TEST_F(LessorTest, TooLargeTtl) {
  EXPECT_TRUE(errors::Is(lessor_.Grant(1, kMaxLeaseTTL + 1).status(), Err::kLeaseTTLTooLarge));
  EXPECT_FALSE(lessor_.Exists(1));
  EXPECT_FALSE(backend_.HasPending());
  EXPECT_EQ(MustGrant(1, kMaxLeaseTTL).ttl, kMaxLeaseTTL);
  lessor_.Promote(milliseconds(0));  // no overflow on a huge expiry
  EXPECT_EQ(lessor_.Lookup(1)->remaining, kMaxLeaseTTL);
  EXPECT_TRUE(lessor_.ExpiredLeases(10).empty());
}

TEST_F(LessorTest, DuplicateAndZeroId) {
  MustGrant(7, 10);
  EXPECT_TRUE(errors::Is(lessor_.Grant(7, 20).status(), Err::kLeaseExist));
  EXPECT_EQ(lessor_.Lookup(7)->ttl, 10);
  EXPECT_TRUE(errors::Is(lessor_.Grant(kNoLease, 20).status(), Err::kLeaseNotFound));
  // An ID can be reused once its lease is gone.
  ASSERT_TRUE(lessor_.Revoke(7).ok());
  EXPECT_EQ(MustGrant(7, 30).ttl, 30);
}

TEST_F(LessorTest, ExpiryOrderAndRateLimit) {
  lessor_.Promote(milliseconds(0));
  MustGrant(1, 50);
  MustGrant(2, 30);
  MustGrant(3, 40);
  MustGrant(4, 100);
  clock_.Advance(seconds(29));
  EXPECT_TRUE(lessor_.ExpiredLeases(10).empty());
  clock_.Advance(seconds(1));  // exactly at lease 2's expiry
  EXPECT_EQ(lessor_.ExpiredLeases(10), (std::vector<int64_t>{2}));
  // Handed out already: not again until the retry interval has passed.
  EXPECT_TRUE(lessor_.ExpiredLeases(10).empty());
  clock_.Advance(seconds(25));
  EXPECT_EQ(lessor_.ExpiredLeases(1), (std::vector<int64_t>{2}));  // its retry is due first
  EXPECT_EQ(lessor_.ExpiredLeases(10), (std::vector<int64_t>{3, 1}));
  EXPECT_TRUE(lessor_.ExpiredLeases(10).empty());
  clock_.Advance(kExpiredLeaseRetryInterval);
  EXPECT_EQ(lessor_.ExpiredLeases(10), (std::vector<int64_t>{1, 2, 3}));
  // Expired leases still exist (until the revoke is applied) and show 0 remaining.
  EXPECT_EQ(lessor_.Lookup(2)->remaining, 0);
  ASSERT_TRUE(lessor_.Revoke(2).ok());
  clock_.Advance(kExpiredLeaseRetryInterval);
  EXPECT_EQ(lessor_.ExpiredLeases(10), (std::vector<int64_t>{1, 3}));
}

TEST_F(LessorTest, Renew) {
  EXPECT_TRUE(errors::Is(lessor_.Renew(1).status(), Err::kNotLeader));
  lessor_.Promote(milliseconds(0));
  EXPECT_TRUE(errors::Is(lessor_.Renew(1).status(), Err::kLeaseNotFound));
  MustGrant(1, 10);
  clock_.Advance(seconds(8));
  EXPECT_EQ(lessor_.Lookup(1)->remaining, 2);
  auto ttl = lessor_.Renew(1);
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(*ttl, 10);
  EXPECT_EQ(lessor_.Lookup(1)->remaining, 10);
  clock_.Advance(seconds(9));
  EXPECT_TRUE(lessor_.ExpiredLeases(10).empty());
  clock_.Advance(seconds(1));
  EXPECT_EQ(lessor_.ExpiredLeases(10), (std::vector<int64_t>{1}));
}

TEST_F(LessorTest, RenewAfterExpiryFails) {
  lessor_.Promote(milliseconds(0));
  MustGrant(1, 5);
  clock_.Advance(seconds(5));
  EXPECT_TRUE(errors::Is(lessor_.Renew(1).status(), Err::kLeaseNotFound));
  EXPECT_TRUE(lessor_.Exists(1));  // the server revokes it
  EXPECT_EQ(lessor_.ExpiredLeases(10), (std::vector<int64_t>{1}));
}

TEST_F(LessorTest, FollowerNeverExpires) {
  MustGrant(1, 5);
  EXPECT_FALSE(lessor_.IsPrimary());
  clock_.Advance(seconds(1000));
  EXPECT_TRUE(lessor_.ExpiredLeases(10).empty());
  EXPECT_EQ(lessor_.Lookup(1)->remaining, 5);  // what it would restart from
}

TEST_F(LessorTest, PromoteRestartsClocksWithExtension) {
  MustGrant(1, 10);
  MustGrant(2, 20);
  clock_.Advance(seconds(100));
  lessor_.Promote(seconds(2));
  EXPECT_TRUE(lessor_.IsPrimary());
  EXPECT_EQ(lessor_.Lookup(1)->remaining, 12);
  clock_.Advance(milliseconds(11999));
  EXPECT_TRUE(lessor_.ExpiredLeases(10).empty());
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(lessor_.ExpiredLeases(10), (std::vector<int64_t>{1}));
}

TEST_F(LessorTest, DemoteStopsExpiry) {
  lessor_.Promote(milliseconds(0));
  MustGrant(1, 5);
  lessor_.Demote();
  EXPECT_FALSE(lessor_.IsPrimary());
  clock_.Advance(seconds(60));
  EXPECT_TRUE(lessor_.ExpiredLeases(10).empty());
  EXPECT_TRUE(errors::Is(lessor_.Renew(1).status(), Err::kNotLeader));
  // Leader again: the full TTL from now.
  lessor_.Promote(milliseconds(0));
  clock_.Advance(seconds(4));
  EXPECT_TRUE(lessor_.ExpiredLeases(10).empty());
  clock_.Advance(seconds(1));
  EXPECT_EQ(lessor_.ExpiredLeases(10), (std::vector<int64_t>{1}));
}

TEST_F(LessorTest, LeasesSortedByExpiry) {
  lessor_.Promote(milliseconds(0));
  MustGrant(10, 30);
  MustGrant(20, 10);
  MustGrant(30, 20);
  EXPECT_EQ(lessor_.Leases(), (std::vector<int64_t>{20, 30, 10}));
  lessor_.Demote();
  EXPECT_EQ(lessor_.Leases(), (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(lessor_.Size(), 3u);
}

TEST_F(LessorTest, AttachDetachAndRevokeReturnsKeys) {
  MustGrant(1, 10);
  MustGrant(2, 10);
  lessor_.Attach(1, "b");
  lessor_.Attach(1, "a");
  lessor_.Attach(1, "c");
  lessor_.Attach(1, "a");  // idempotent
  lessor_.Attach(2, "z");
  lessor_.Attach(3, "x");  // unknown lease: ignored
  EXPECT_EQ(lessor_.LeaseOf("x"), kNoLease);
  EXPECT_EQ(lessor_.Lookup(1)->keys, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(lessor_.LeaseOf("a"), 1);

  lessor_.Detach(2, "b");  // not its key: ignored
  EXPECT_EQ(lessor_.LeaseOf("b"), 1);
  lessor_.Detach(1, "b");
  EXPECT_EQ(lessor_.LeaseOf("b"), kNoLease);

  lessor_.Attach(2, "c");  // a put with another lease moves the key
  EXPECT_EQ(lessor_.Lookup(1)->keys, (std::vector<std::string>{"a"}));
  EXPECT_EQ(lessor_.Lookup(2)->keys, (std::vector<std::string>{"c", "z"}));

  auto keys = lessor_.Revoke(2);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, (std::vector<std::string>{"c", "z"}));
  EXPECT_EQ(lessor_.LeaseOf("c"), kNoLease);
  lessor_.Detach(2, "c");  // mvcc detaching the deleted keys afterwards is harmless
  EXPECT_EQ(lessor_.Lookup(1)->keys, (std::vector<std::string>{"a"}));
}

TEST_F(LessorTest, RecoverFromBackend) {
  MustGrant(1, 10);
  MustGrant(2, 600);
  MustGrant(3, 30);
  lessor_.Attach(1, "k");
  ASSERT_TRUE(lessor_.Revoke(3).ok());
  ASSERT_TRUE(lessor_.Checkpoint(2, 120).ok());
  ASSERT_TRUE(backend_.Commit(5, 1).ok());

  Lessor restarted(&backend_, &clock_, {});
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(restarted.Leases(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(restarted.Lookup(1)->ttl, 10);
  EXPECT_TRUE(restarted.Lookup(1)->keys.empty());  // re-attached by the server
  EXPECT_FALSE(restarted.Exists(3));
  restarted.Promote(milliseconds(0));
  EXPECT_EQ(restarted.Lookup(1)->remaining, 10);  // full TTL again
  EXPECT_EQ(restarted.Lookup(2)->ttl, 600);
  EXPECT_EQ(restarted.Lookup(2)->remaining, 120);  // resumes from the checkpoint

  // Recover replaces the in-memory state (e.g. after a snapshot install).
  ASSERT_TRUE(restarted.Grant(9, 10).ok());
  restarted.Attach(1, "k2");
  backend_.DropPending();
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(restarted.Leases(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(restarted.LeaseOf("k2"), kNoLease);
  // Still primary: clocks restarted on recovery.
  clock_.Advance(seconds(10));
  EXPECT_EQ(restarted.ExpiredLeases(10), (std::vector<int64_t>{1}));
}

TEST_F(LessorTest, RecoverRejectsCorruptRecords) {
  backend_.Put(storage::Bucket::kLease, EncodeLeaseKey(1), std::string("\x08", 1));
  EXPECT_EQ(lessor_.Recover().code(), absl::StatusCode::kDataLoss);
  backend_.Put(storage::Bucket::kLease, EncodeLeaseKey(1), EncodeLeaseRecord({2, 10, 0}));
  EXPECT_EQ(lessor_.Recover().code(), absl::StatusCode::kDataLoss);
}

// The same persistence round trip through the real LevelDB backend on a MemEnv.
TEST(LessorLevelDbTest, PersistsAcrossReopen) {
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  FakeClock clock;
  {
    auto backend = storage::Backend::Open(env.get(), "/db");
    ASSERT_TRUE(backend.ok()) << backend.status();
    Lessor lessor(backend->get(), &clock, {});
    ASSERT_TRUE(lessor.Grant(0x2a12a1fdd393c907, 60).ok());
    ASSERT_TRUE(lessor.Grant(5, 1).ok());
    ASSERT_TRUE(lessor.Checkpoint(0x2a12a1fdd393c907, 42).ok());
    ASSERT_TRUE(lessor.Grant(6, 10).ok());
    ASSERT_TRUE(lessor.Revoke(6).ok());
    ASSERT_TRUE((*backend)->Commit(10, 2).ok());
  }
  auto backend = storage::Backend::Open(env.get(), "/db");
  ASSERT_TRUE(backend.ok()) << backend.status();
  Lessor lessor(backend->get(), &clock, {});
  ASSERT_TRUE(lessor.Recover().ok());
  EXPECT_EQ(lessor.Leases(), (std::vector<int64_t>{5, 0x2a12a1fdd393c907}));
  EXPECT_EQ(lessor.Lookup(5)->ttl, 2);
  lessor.Promote(milliseconds(0));
  EXPECT_EQ(lessor.Lookup(0x2a12a1fdd393c907)->ttl, 60);
  EXPECT_EQ(lessor.Lookup(0x2a12a1fdd393c907)->remaining, 42);
}

TEST(LessorNextIdTest, PositiveWithMemberPrefix) {
  Rng rng(42);
  const uint64_t member = 0x61f97220ab052a12ULL;  // etcd gave this member 2a12... IDs
  std::set<int64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const int64_t id = Lessor::NextId(&rng, member);
    EXPECT_GT(id, 0);
    EXPECT_EQ(static_cast<uint64_t>(id) >> 48, 0x2a12u);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  // The top bit of the prefix is cleared to keep IDs positive.
  Rng rng2(1);
  EXPECT_EQ(static_cast<uint64_t>(Lessor::NextId(&rng2, 0xffff)) >> 48, 0x7fffu);
  // Deterministic for a given seed.
  Rng a(7), b(7);
  EXPECT_EQ(Lessor::NextId(&a, 1), Lessor::NextId(&b, 1));
}

class CheckpointTest : public LessorTest {
 protected:
  CheckpointTest()
      : LessorTest(LessorOptions{
            .min_ttl_seconds = 2, .checkpoint_enabled = true, .checkpoint_interval = minutes(5)}) {}
};

TEST_F(CheckpointTest, LongLeasesAreCheckpointed) {
  lessor_.Promote(milliseconds(0));
  MustGrant(1, 3600);
  MustGrant(2, 60);  // shorter than the interval: never checkpointed
  EXPECT_TRUE(lessor_.CheckpointsDue(10).empty());
  clock_.Advance(minutes(5));
  auto due = lessor_.CheckpointsDue(10);
  EXPECT_EQ(due, (std::vector<std::pair<int64_t, int64_t>>{{1, 3300}}));
  EXPECT_TRUE(lessor_.CheckpointsDue(10).empty());  // handed out once

  // The replicated checkpoint is persisted and schedules the next one.
  ASSERT_TRUE(lessor_.Checkpoint(1, 3300).ok());
  EXPECT_EQ(Stored(1), (LeaseRecord{1, 3600, 3300}));
  clock_.Advance(minutes(5));
  EXPECT_EQ(lessor_.CheckpointsDue(10), (std::vector<std::pair<int64_t, int64_t>>{{1, 3000}}));
  ASSERT_TRUE(lessor_.Checkpoint(1, 3000).ok());

  // A new leader resumes from the checkpoint, not from the full TTL.
  lessor_.Demote();
  clock_.Advance(seconds(1));
  lessor_.Promote(milliseconds(0));
  EXPECT_EQ(lessor_.Lookup(1)->remaining, 3000);

  // Renew clears the checkpoint: locally at once, replicated through (id, 0).
  ASSERT_TRUE(lessor_.Renew(1).ok());
  EXPECT_EQ(lessor_.Lookup(1)->remaining, 3600);
  EXPECT_EQ(lessor_.CheckpointsDue(10), (std::vector<std::pair<int64_t, int64_t>>{{1, 0}}));
  ASSERT_TRUE(lessor_.Checkpoint(1, 0).ok());
  EXPECT_EQ(Stored(1), (LeaseRecord{1, 3600, 0}));
  // Renewing again without a checkpoint in between replicates nothing.
  ASSERT_TRUE(lessor_.Renew(1).ok());
  EXPECT_TRUE(lessor_.CheckpointsDue(10).empty());
}

TEST_F(CheckpointTest, RateLimitedAndLeaderOnly) {
  MustGrant(1, 3600);
  MustGrant(2, 3600);
  MustGrant(3, 3600);
  clock_.Advance(minutes(10));
  EXPECT_TRUE(lessor_.CheckpointsDue(10).empty());  // follower
  lessor_.Promote(milliseconds(0));
  clock_.Advance(minutes(5));
  EXPECT_EQ(lessor_.CheckpointsDue(2).size(), 2u);
  EXPECT_EQ(lessor_.CheckpointsDue(2).size(), 1u);
  // A revoked lease's pending checkpoint is dropped.
  clock_.Advance(minutes(5));
  ASSERT_TRUE(lessor_.Checkpoint(1, 3300).ok());  // only lease 1 rescheduled
  ASSERT_TRUE(lessor_.Revoke(1).ok());
  clock_.Advance(minutes(5));
  EXPECT_TRUE(lessor_.CheckpointsDue(10).empty());
  EXPECT_TRUE(lessor_.Checkpoint(99, 10).ok());  // unknown: ignored
}

TEST_F(LessorTest, CheckpointsDisabledByDefault) {
  lessor_.Promote(milliseconds(0));
  MustGrant(1, 3600);
  clock_.Advance(minutes(30));
  EXPECT_TRUE(lessor_.CheckpointsDue(10).empty());
}

TEST_F(LessorTest, PromoteSpreadsPiledUpExpiries) {
  constexpr int kCount = 3000;
  for (int i = 1; i <= kCount; ++i) MustGrant(i, 10);
  lessor_.Promote(milliseconds(0));
  clock_.Advance(seconds(10));
  // Without spreading all 3000 would be due now; 3/4 of the revoke rate per second.
  const size_t first = lessor_.ExpiredLeases(kCount).size();
  EXPECT_GE(first, 750u);
  EXPECT_LT(first, 800u);
  for (int64_t id : lessor_.Leases()) {
    if (lessor_.Lookup(id)->remaining == 0) {
      ASSERT_TRUE(lessor_.Revoke(id).ok());
    }
  }
  EXPECT_EQ(lessor_.Size(), static_cast<size_t>(kCount) - first);
  clock_.Advance(seconds(2));  // the next ~750, spread over the second that follows
  const size_t second = lessor_.ExpiredLeases(kCount).size();
  EXPECT_GT(second, 700u);
  EXPECT_LT(second, 800u);
  clock_.Advance(seconds(2));
  EXPECT_EQ(lessor_.ExpiredLeases(kCount).size(), static_cast<size_t>(kCount) - first - second);
}

TEST_F(LessorTest, HundredThousandLeases) {
  lessor_.Promote(milliseconds(0));
  constexpr int kCount = 100'000;
  for (int i = 1; i <= kCount; ++i) {
    ASSERT_TRUE(lessor_.Grant(i, 10 + i % 100).ok());
    lessor_.Attach(i, "key" + std::to_string(i));
  }
  for (int i = 1; i <= kCount; i += 2) ASSERT_TRUE(lessor_.Renew(i).ok());
  clock_.Advance(seconds(200));
  size_t expired = 0;
  int64_t previous_ttl = 0;
  for (;;) {
    auto batch = lessor_.ExpiredLeases(1000);
    if (batch.empty()) break;
    for (int64_t id : batch) {
      const int64_t ttl = 10 + id % 100;
      EXPECT_GE(ttl, previous_ttl);  // earliest expiry first
      previous_ttl = ttl;
      auto keys = lessor_.Revoke(id);
      ASSERT_TRUE(keys.ok());
      ASSERT_EQ(keys->size(), 1u);
    }
    expired += batch.size();
  }
  EXPECT_EQ(expired, static_cast<size_t>(kCount));
  EXPECT_EQ(lessor_.Size(), 0u);
}

}  // namespace
}  // namespace etcd::lease
