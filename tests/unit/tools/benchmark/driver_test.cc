#include "tools/benchmark/driver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

namespace etcd::benchmark {
namespace {

TEST(ClosedLoopTest, InlineCompletionsDoNotRecurse) {
  // 200000 operations completed inline: a recursive driver would overflow the stack.
  Report report;
  ClosedLoop loop(3, 200000, 0, &report);
  std::vector<int64_t> per_client(3);
  std::set<int64_t> seqs;
  loop.Run([&](size_t client, int64_t seq, ClosedLoop::DoneFn done) {
    ++per_client[client];
    seqs.insert(seq);
    done(absl::OkStatus());
  });
  EXPECT_EQ(report.results(), 200000);
  EXPECT_EQ(seqs.size(), 200000u);
  EXPECT_EQ(*seqs.begin(), 0);
  EXPECT_EQ(*seqs.rbegin(), 199999);
  EXPECT_EQ(per_client[0] + per_client[1] + per_client[2], 200000);
}

TEST(ClosedLoopTest, OneInFlightPerClientAcrossThreads) {
  constexpr size_t kClients = 50;
  Report report;
  ClosedLoop loop(kClients, 5000, 0, &report,
                  [](const absl::Status& s) { return "E:" + std::string(s.message()); });
  std::mutex mu;
  std::deque<ClosedLoop::DoneFn> queue;
  std::vector<int> in_flight(kClients);
  bool violated = false;
  std::atomic<bool> stop{false};
  // Two "gRPC threads" complete the operations out of order.
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&] {
      while (!stop) {
        ClosedLoop::DoneFn done;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!queue.empty()) {
            done = std::move(queue.front());
            queue.pop_front();
          }
        }
        if (done) {
          done(absl::OkStatus());
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  std::atomic<int64_t> errors{0};
  loop.Run([&](size_t client, int64_t seq, ClosedLoop::DoneFn done) {
    std::lock_guard<std::mutex> lock(mu);
    if (++in_flight[client] > 1) violated = true;
    queue.push_back([&, client, seq, done = std::move(done)](const absl::Status&) {
      {
        std::lock_guard<std::mutex> lock(mu);
        --in_flight[client];
      }
      if (seq % 100 == 0) {
        ++errors;
        done(absl::UnavailableError("x"));
      } else {
        done(absl::OkStatus());
      }
    });
  });
  stop = true;
  for (auto& t : workers) t.join();
  EXPECT_FALSE(violated);
  Stats s = report.Compute();
  EXPECT_EQ(static_cast<int64_t>(s.lats.size()), 5000 - errors.load());
  EXPECT_EQ(s.errors.at("E:x"), errors.load());
}

TEST(ClosedLoopTest, FewerOperationsThanClients) {
  Report report;
  ClosedLoop loop(1000, 10, 0, &report);
  std::atomic<int> issued{0};
  loop.Run([&](size_t, int64_t, ClosedLoop::DoneFn done) {
    ++issued;
    done(absl::OkStatus());
  });
  EXPECT_EQ(issued.load(), 10);
  ClosedLoop none(4, 0, 0, &report);
  none.Run([](size_t, int64_t, ClosedLoop::DoneFn) { FAIL(); });
}

TEST(ClosedLoopTest, RateLimitPacesIssues) {
  // 20 operations at 1000/s take at least ~19 ms (burst 1). Real time, but bounded
  // below only, so it cannot flake on a slow machine.
  Report report;
  ClosedLoop loop(8, 20, 1000, &report);
  const auto start = std::chrono::steady_clock::now();
  loop.Run([&](size_t, int64_t, ClosedLoop::DoneFn done) { done(absl::OkStatus()); });
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(18));
  EXPECT_EQ(report.results(), 20);
}

}  // namespace
}  // namespace etcd::benchmark
