// The completion-queue path (cq_server.h) behind KV Range/Put/DeleteRange/Txn: more
// calls than pending slots, answers out of order from other threads, cancellation before
// the answer, shutdown with calls the server never answers, and a port that keeps
// serving after all of that.
#include "api/cq_server.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "gtest/gtest.h"
#include "test_port.h"

namespace etcd::api {
namespace {

using testing::TestPort;

TEST(CqServerTest, DefaultThreadsIsBetweenOneAndFour) {
  EXPECT_GE(CqServer::DefaultThreads(), 1);
  EXPECT_LE(CqServer::DefaultThreads(), 4);
}

TEST(CqServerTest, ShutdownWithoutStartIsSafe) {
  grpc::ServerBuilder builder;
  CqServer cq;
  cq.AddQueues(&builder, 2);
  cq.Shutdown();
  cq.Shutdown();  // idempotent
}

// 300 calls at once (more than the 64 pending slots per queue), answered in reverse
// order from another thread: every client gets its own answer.
TEST(CqServerTest, ManyConcurrentCallsAnsweredOutOfOrder) {
  TestPort t;
  absl::Mutex mu;
  std::vector<std::pair<std::string, server::Done<etcdserverpb::PutResponse>>> waiting;
  t.api().on_Put = [&](const server::RequestContext&, const etcdserverpb::PutRequest& req,
                       server::Done<etcdserverpb::PutResponse> done) {
    absl::MutexLock l(&mu);
    waiting.emplace_back(req.key(), std::move(done));
  };
  constexpr int kCalls = 300;
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::CompletionQueue cq;
  struct Call {
    grpc::ClientContext ctx;
    etcdserverpb::PutResponse resp;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::PutResponse>> reader;
  };
  std::vector<Call> calls(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    etcdserverpb::PutRequest req;
    req.set_key("k" + std::to_string(i));
    calls[i].ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    calls[i].reader = stub->AsyncPut(&calls[i].ctx, req, &cq);
    calls[i].reader->Finish(&calls[i].resp, &calls[i].status, &calls[i]);
  }
  {
    absl::MutexLock l(&mu);
    auto all = [&] { return waiting.size() == kCalls; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(20)));
  }
  std::thread applier([&] {
    absl::MutexLock l(&mu);
    for (auto it = waiting.rbegin(); it != waiting.rend(); ++it) {
      etcdserverpb::PutResponse r;
      r.mutable_header()->set_revision(std::stoll(it->first.substr(1)) + 1000);
      it->second(std::move(r));
    }
  });
  for (int i = 0; i < kCalls; ++i) {
    void* tag = nullptr;
    bool ok = false;
    ASSERT_EQ(cq.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + std::chrono::seconds(20)),
              grpc::CompletionQueue::GOT_EVENT);
    ASSERT_TRUE(ok);
  }
  applier.join();
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(calls[i].status.ok()) << calls[i].status.error_message();
    EXPECT_EQ(calls[i].resp.header().revision(), i + 1000);
  }
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

// A client that cancels gets CANCELLED at once; the server's late answer is dropped.
TEST(CqServerTest, ClientCancelThenLateAnswer) {
  TestPort t;
  server::Done<etcdserverpb::DeleteRangeResponse> held;
  absl::Notification called;
  t.api().on_DeleteRange = [&](const server::RequestContext&,
                               const etcdserverpb::DeleteRangeRequest&,
                               server::Done<etcdserverpb::DeleteRangeResponse> done) {
    held = std::move(done);
    called.Notify();
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  grpc::ClientContext ctx;
  grpc::Status s;
  etcdserverpb::DeleteRangeRequest req;
  etcdserverpb::DeleteRangeResponse resp;
  absl::Notification returned;
  std::thread client([&] {
    s = stub->DeleteRange(&ctx, req, &resp);
    returned.Notify();
  });
  ASSERT_TRUE(called.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ctx.TryCancel();
  ASSERT_TRUE(returned.WaitForNotificationWithTimeout(absl::Seconds(10)));
  client.join();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::CANCELLED);
  held(etcdserverpb::DeleteRangeResponse());  // late: must not crash or finish twice
  held = nullptr;
  t.api().on_DeleteRange = [](const server::RequestContext&,
                              const etcdserverpb::DeleteRangeRequest&,
                              server::Done<etcdserverpb::DeleteRangeResponse> done) {
    done(etcdserverpb::DeleteRangeResponse());
  };
  grpc::ClientContext ctx2;
  EXPECT_TRUE(stub->DeleteRange(&ctx2, req, &resp).ok());
}

// Shutdown returns although the server never answers some Range/Put calls: they are
// cancelled after the grace period; the answers that come later are dropped.
TEST(CqServerTest, ShutdownCancelsCallsTheServerNeverAnswers) {
  TestPort t;
  absl::Mutex mu;
  std::vector<server::Done<etcdserverpb::RangeResponse>> held_ranges;
  std::vector<server::Done<etcdserverpb::PutResponse>> held_puts;
  t.api().on_Range = [&](const server::RequestContext&, const etcdserverpb::RangeRequest&,
                         server::Done<etcdserverpb::RangeResponse> done) {
    absl::MutexLock l(&mu);
    held_ranges.push_back(std::move(done));
  };
  t.api().on_Put = [&](const server::RequestContext&, const etcdserverpb::PutRequest&,
                       server::Done<etcdserverpb::PutResponse> done) {
    absl::MutexLock l(&mu);
    held_puts.push_back(std::move(done));
  };
  auto stub = etcdserverpb::KV::NewStub(t.Channel());
  std::vector<grpc::Status> statuses(8);
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&, i] {
      grpc::ClientContext ctx;
      if (i % 2 == 0) {
        etcdserverpb::RangeRequest req;
        etcdserverpb::RangeResponse resp;
        statuses[i] = stub->Range(&ctx, req, &resp);
      } else {
        etcdserverpb::PutRequest req;
        etcdserverpb::PutResponse resp;
        statuses[i] = stub->Put(&ctx, req, &resp);
      }
    });
  }
  {
    absl::MutexLock l(&mu);
    auto all = [&] { return held_ranges.size() + held_puts.size() == 8; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(20)));
  }
  t.port().Shutdown();
  for (auto& c : clients) c.join();
  for (const auto& s : statuses) EXPECT_FALSE(s.ok());
  absl::MutexLock l(&mu);
  for (auto& d : held_ranges) d(etcdserverpb::RangeResponse());
  for (auto& d : held_puts) d(etcdserverpb::PutResponse());
}

}  // namespace
}  // namespace etcd::api
