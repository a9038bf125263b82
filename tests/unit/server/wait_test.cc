#include "server/wait.h"

#include <gtest/gtest.h>

#include "common/errors.h"

namespace etcd::server {
namespace {

using std::chrono::seconds;

TEST(WaitRegistryTest, TriggerRunsOnceAndRemoves) {
  WaitRegistry w;
  int calls = 0;
  absl::Status got;
  Clock::TimePoint t{};
  EXPECT_TRUE(w.Register(1, t + seconds(5), [&](ApplyResult r) {
    ++calls;
    got = r.status;
  }));
  EXPECT_FALSE(w.Register(1, t, [](ApplyResult) {}));
  EXPECT_TRUE(w.IsRegistered(1));
  EXPECT_TRUE(w.Trigger(1, ApplyResult{absl::OkStatus(), nullptr}));
  EXPECT_FALSE(w.Trigger(1, ApplyResult{}));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(got.ok());
  EXPECT_EQ(w.Size(), 0u);
}

TEST(WaitRegistryTest, ExpireFailsOnlyPastDeadlines) {
  WaitRegistry w;
  Clock::TimePoint t{};
  std::vector<uint64_t> timed_out;
  for (uint64_t id : {1, 2, 3}) {
    w.Register(id, t + seconds(id), [&, id](ApplyResult r) {
      EXPECT_TRUE(errors::Is(r.status, errors::Err::kTimeout));
      timed_out.push_back(id);
    });
  }
  EXPECT_EQ(w.Expire(t + seconds(2), errors::Make(errors::Err::kTimeout)), 2u);
  EXPECT_EQ(timed_out, (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(w.IsRegistered(3));
  EXPECT_FALSE(w.Trigger(1, ApplyResult{}));
}

TEST(WaitRegistryTest, CancelAllAndReentrantCallbacks) {
  WaitRegistry w;
  Clock::TimePoint t{};
  int stopped = 0;
  // A callback may use the registry (no lock is held while it runs).
  w.Register(1, t, [&](ApplyResult r) {
    EXPECT_TRUE(errors::Is(r.status, errors::Err::kStopped));
    ++stopped;
    w.Register(9, t, [](ApplyResult) {});
  });
  w.Register(2, t, [&](ApplyResult) { ++stopped; });
  EXPECT_EQ(w.CancelAll(errors::Make(errors::Err::kStopped)), 2u);
  EXPECT_EQ(stopped, 2);
  EXPECT_TRUE(w.IsRegistered(9));
}

}  // namespace
}  // namespace etcd::server
